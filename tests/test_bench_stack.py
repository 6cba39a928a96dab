"""benchmarks/bench_stack.py runs end to end in its quick mode and prints its table."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_stack_quick_mode_runs(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_stack.py"), "--quick",
                          "--repeat", "2"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    for text in ("S1 digit", "S2 photo", "S3 100 digits", "stack/hand", "hover arithmetic"):
        assert text in run.stdout
