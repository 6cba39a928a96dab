"""Whatever was remembered, the window starts: bad values are ignored with a warning."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convgui import session

ROOT = Path(__file__).resolve().parent.parent


def remember(**values):
    store = session.settings()
    for key, value in values.items():
        store.setValue(key.replace("__", "/"), value)
    store.sync()


def good_session(make_window):
    first = make_window()
    first.open_sample("Tiny photos 32x32")
    first.state.index = 3
    first.state.padding = "same"
    first.close()


@pytest.mark.parametrize("origin, said", [
    ("[1]", "not a description"),
    ("abc", "not valid JSON"),
    ('"abc"', "not a description"),
    ('{"kind": "file", "path": 7}', "not a usable text"),
    ('{"kind": "teleport"}', "unknown kind"),
    ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
])
def test_bad_remembered_dataset_starts_on_the_default_sample(make_window, origin, said):
    remember(session__origin=origin, session__parameters='{"padding": "same"}')
    window = make_window(restore=True)
    assert window.state.dataset.name == "MNIST digits"
    assert any(said in w for w in window.restore_warnings), window.restore_warnings
    assert "ignored" in window.statusBar().currentMessage()


@pytest.mark.parametrize("parameters, bad", [
    ({"stride": "abc"}, "stride"),
    ({"stride": [1.9, 2.2]}, "stride"),
    ({"kernels": "xyz"}, "kernels"),
    ({"kernels": [[[[1] * 100] * 3] * 3]}, "kernels"),   # a bank of 100 kernels: over the cap
    ({"colormap": "rainbow"}, "colormap"),
    ({"pool_shape": [99, 99], "pool_mode": "max"}, "do not fit"),
])
def test_bad_remembered_parameter_is_ignored_the_others_kept(make_window, parameters, bad):
    good_session(make_window)
    saved = json.loads(session.settings().value("session/parameters"))
    remember(session__parameters=json.dumps({**saved, **parameters}))
    window = make_window(restore=True)
    assert window.state.dataset.name == "Tiny photos 32x32"
    assert any(bad in w for w in window.restore_warnings), window.restore_warnings
    assert window.state.spec().shapes(window.state.dataset.images.shape[1:3])
    if bad != "do not fit":
        assert window.state.padding == "same"
    assert window.computation is not None


@pytest.mark.parametrize("index, said", [(999, "out of range"), ("x", "not a number"),
                                         (-1, "out of range"), (True, "not a number")])
def test_bad_remembered_index(make_window, index, said):
    good_session(make_window)
    remember(session__index=index)
    window = make_window(restore=True)
    assert window.state.dataset.name == "Tiny photos 32x32" and window.state.index == 0
    assert any(said in w for w in window.restore_warnings)


def test_bad_geometry_and_layout_are_ignored(make_window):
    good_session(make_window)
    remember(window__geometry="not bytes", window__state=12345)
    window = make_window(restore=True)
    assert window.state.index == 3
    warnings = " ".join(window.restore_warnings)
    assert "window size and place" in warnings and "panel layout" in warnings


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_remembered_fifo_dataset_does_not_hang(make_window, tmp_path):
    fifo = tmp_path / "data.npz"
    os.mkfifo(fifo)
    remember(session__origin=json.dumps({"kind": "file", "path": str(fifo), "key": None}))
    window = make_window(restore=True)
    assert window.state.dataset.name == "MNIST digits"
    assert any("named pipe" in w for w in window.restore_warnings)


def test_remembered_dataset_too_large_for_live_work_is_not_reopened(make_window, tmp_path):
    path = tmp_path / "big.npy"
    np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(1, 2100, 2000))
    remember(session__origin=json.dumps({"kind": "file", "path": str(path), "key": None}))
    window = make_window(restore=True)
    assert window.state.dataset.name == "MNIST digits"
    assert any("4.2 megapixels" in w for w in window.restore_warnings)


def test_any_exception_while_restoring_falls_back_to_a_fresh_start(make_window, monkeypatch):
    good_session(make_window)

    def broken(window, store, warnings):
        window.state.padding = "full"
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(session, "_restore", broken)
    window = make_window(restore=True)
    assert window.state.dataset.name == "MNIST digits"
    assert window.state.padding == "valid"
    assert any("something unforeseen" in w for w in window.restore_warnings)


def test_the_real_program_starts_with_a_damaged_settings_file(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    damage = (
        "import sys; sys.path.insert(0, %r)\n"
        "from PyQt5.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from convgui import session\n"
        "s = session.settings()\n"
        "s.setValue('session/origin', '[1]')\n"
        "s.setValue('session/parameters', '{\"origin\": \"abc\", \"stride\": [0]}')\n"
        "s.setValue('session/index', 'x')\n"
        "s.setValue('window/geometry', 'garbage')\n"
        "s.sync()\n" % str(ROOT))
    subprocess.run([sys.executable, "-c", damage], env=env, check=True, timeout=60)
    run = subprocess.run([sys.executable, str(ROOT / "main.py"), "--quit-after", "1500"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "ignored" in run.stderr and "not a description" in run.stderr
    assert "Traceback" not in run.stderr
