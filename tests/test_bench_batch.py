"""benchmarks/bench_batch.py runs end to end in its quick mode and prints its table."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_batch_quick_mode_runs(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_batch.py"), "--quick",
                          "--count", "2000", "--repeat", "3"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    for text in ("core run_pipeline", "batch (memory)", "batch (worker)", "vs core",
                 "during the batch", "p99"):
        assert text in run.stdout
