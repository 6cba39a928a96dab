"""Starting without a display or without Qt's system libraries prints advice, not Qt's abort;
``python -m convgui`` works; command modules import no Qt."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from convgui.app import COMMANDS
from convgui.preflight import APT_LINE, SYSTEM_LIBRARIES, startup_problem

ROOT = Path(__file__).resolve().parent.parent
ALL_PACKAGES = ("libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0 "
                "libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libgl1 libegl1 "
                "libglib2.0-0 libxkbcommon0 libfontconfig1 libdbus-1-3 python3-venv").split()


def test_the_apt_line_names_every_package():
    assert APT_LINE.split()[:2] == ["sudo", "apt"]
    assert sorted(APT_LINE.split()[3:]) == sorted(ALL_PACKAGES)


def test_missing_libraries_are_named_with_the_install_line():
    absent = {"libxcb-icccm.so.4", "libgthread-2.0.so.0"}
    message = startup_problem(environ={"DISPLAY": ":0"}, platform="linux",
                              can_load=lambda name: name not in absent)
    assert "libxcb-icccm4, libglib2.0-0" in message
    assert APT_LINE in message and "QT_QPA_PLATFORM=offscreen" in message


@pytest.mark.parametrize("environ, platform", [
    ({"DISPLAY": ":0"}, "linux"),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
    ({}, "win32"),
    ({}, "darwin"),
])
def test_no_complaint_when_a_window_can_open(environ, platform):
    assert startup_problem(environ=environ, platform=platform, can_load=lambda name: True) is None


def _run(args, env_changes, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_changes)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_main_py_without_a_display_explains_and_exits_non_zero(tmp_path):
    run = _run(["main.py"], {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
               drop=("DISPLAY", "QT_QPA_PLATFORM", "WAYLAND_DISPLAY"))
    assert run.returncode == 2
    assert "DISPLAY is not set" in run.stderr and "main.py apply" in run.stderr
    assert "Traceback" not in run.stderr and "Aborted" not in run.stderr


def test_python_m_convgui_runs_the_app():
    run = _run(["-m", "convgui", "--help"], {})
    assert run.returncode == 0 and "--sample" in run.stdout and "apply" in run.stdout


@pytest.mark.parametrize("module", sorted({module for _, module, _ in COMMANDS} | {"convgui.app"}))
def test_command_modules_import_no_qt(module):
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            "from convgui.app import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PyQt5', 'pyqtgraph')))")
    run = _run(["-c", code], {})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_every_library_maps_to_a_package():
    assert all(lib.startswith("lib") and ".so." in lib for lib, _ in SYSTEM_LIBRARIES)
