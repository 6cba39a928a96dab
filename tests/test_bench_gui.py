"""The GUI latency benchmark runs and prints its table (no timing assertions here)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_gui_runs(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path),
               HOME=str(tmp_path))
    run = subprocess.run([sys.executable, "benchmarks/bench_gui.py", "--repeat", "2", "--quick"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-4000:]  # the end holds the traceback
    assert "28×28 digit" in run.stdout and "python main.py" in run.stdout
    for what in ("8 kernels 15×15×3", "step-through frame", "hover", "Compare tab",
                 "Pipeline tab", "load average"):
        assert what in run.stdout, run.stdout
