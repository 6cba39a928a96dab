"""``python main.py`` starts, paints the window and quits cleanly (no traceback)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_main_py_starts_and_quits_cleanly(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path),
               HOME=str(tmp_path))
    run = subprocess.run([sys.executable, "main.py", "--quit-after", "1500"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr


def test_main_py_help_lists_the_options():
    run = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0
    assert "--sample" in run.stdout and "--open" in run.stdout
