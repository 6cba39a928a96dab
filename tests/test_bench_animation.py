"""Smoke test: the animation-export benchmark runs end to end on its quick workload."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_animation_quick_prints_every_row():
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_animation.py"),
                             "--quick"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "A1: 16 frames of 640×360" in result.stdout
    rows = {line.split()[0] for line in result.stdout.splitlines()[3:] if line.strip()}
    assert {"paint", "gif", "apng", "frames", "Pillow"} <= rows, result.stdout
    assert "gif export" in result.stdout
