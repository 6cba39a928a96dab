"""Smoke test: the homework-checker benchmark runs in its quick mode and prints its table."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_homework_quick_prints_the_table():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_homework.py"),
                             "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "1 task(s), 6 cases" in result.stdout
    for row in ("whole check", "student's calls", "reference (core) calls"):
        assert row in result.stdout
