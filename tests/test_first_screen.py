"""A fresh start (and ``--fresh``) opens on a lesson: a digit, the vertical-edge kernel, 'same'
padding, ReLU, 2×2 max pooling, diverging colours, and a caption saying so."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.signal import correlate2d

from conftest import settle

ROOT = Path(__file__).resolve().parent.parent
VERTICAL_EDGES = np.array([[1.0, 0.0, -1.0]] * 3)   # the assignment's kernel, by hand


def _relu_max_pool_same(image, kernel):
    conv = correlate2d(image.astype(np.float64), kernel, mode="same", boundary="fill")
    relu = np.maximum(conv, 0)
    h, w = relu.shape[0] // 2 * 2, relu.shape[1] // 2 * 2
    return relu, relu[:h, :w].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


def test_a_fresh_start_opens_on_the_edge_lesson(make_window, qtbot):
    window = make_window(first_lesson=True)
    settle(qtbot, window)
    state = window.state
    assert state.dataset.name == "MNIST digits"
    np.testing.assert_array_equal(state.kernel_2d, VERTICAL_EDGES)
    assert (state.padding, state.activation, state.pool_mode) == ("same", "relu", "max")
    assert state.pool_shape == (2, 2) and state.pool_stride == (2, 2)
    assert state.colormap == "diverging" and state.mapping == "symmetric"
    relu, pooled = _relu_max_pool_same(state.image, VERTICAL_EDGES)
    assert relu.max() > 0.5                             # the digit's edges really light up
    np.testing.assert_allclose(window.canvas.conv[0].values, relu, atol=1e-5)
    np.testing.assert_allclose(window.canvas.pooled[0].values, pooled, atol=1e-5)
    caption = window.caption.text()
    label = state.dataset.label_text(state.index)
    for words in (f"#{state.index} (label {label})", "Vertical edges", "'same' padding",
                  "ReLU", "2×2 max pool", "28×28 → 28×28 → 14×14", "red > 0"):
        assert words in caption, caption
    assert window.kernel_editor.preset_combo.currentText().strip() == "Vertical edges (assignment)"


def test_the_caption_follows_the_settings(make_window, qtbot):
    window = make_window(first_lesson=True)
    window.state.stride = (2, 2)
    window.state.pool_mode = "off"
    window.state.colormap = "gray"
    settle(qtbot, window)
    caption = window.caption.text()
    assert "stride 2" in caption and "28×28 → 14×14)" in caption
    assert "pool" not in caption and "red" not in caption
    window.state.kernels = np.ones((3, 3)) * 2       # no longer a preset
    settle(qtbot, window)
    assert "3×3 kernel" in window.caption.text()


def test_main_py_fresh_ignores_the_remembered_session(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path),
               HOME=str(tmp_path))
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from PyQt5.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from convgui import session\n"
        "s = session.settings()\n"
        "s.setValue('session/origin', json.dumps({'kind': 'sample', 'name': 'Camera man'}))\n"
        "s.setValue('session/parameters', json.dumps({'padding': 'valid', 'stride': [3, 3]}))\n"
        "s.sync()\n"
        "from convgui import main_window\n"
        "close = main_window.MainWindow.closeEvent\n"
        "def report(self, event):\n"
        "    st = self.state\n"
        "    print('STATE', json.dumps([st.dataset.name, st.padding, list(st.stride),\n"
        "          st.activation, st.pool_mode, st.kernel_2d.tolist()]))\n"
        "    close(self, event)\n"
        "main_window.MainWindow.closeEvent = report\n"
        "from convgui.app import main\n"
        "sys.exit(main(['--fresh', '--quit-after', '300']))\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    line = next(line for line in run.stdout.splitlines() if line.startswith("STATE"))
    name, padding, stride, activation, pool, kernel = json.loads(line[6:])
    assert (name, padding, stride, activation, pool) == ("MNIST digits", "same", [1, 1],
                                                         "relu", "max")
    np.testing.assert_array_equal(kernel, VERTICAL_EDGES)
