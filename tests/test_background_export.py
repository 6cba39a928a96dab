"""A large feature-map PNG export runs on the worker: the window keeps running, Cancel writes
nothing, and the files hold the maps."""

import os

import numpy as np
from PyQt5.QtCore import QTimer
from PyQt5.QtGui import QImage
from scipy import signal

from convgui import dialogs, export
from convgui.workers import Worker
from core.datasets import Dataset

EDGE = np.array([[1.0, 0.0, -1.0]] * 3)
PHOTO = np.random.default_rng(3).integers(0, 256, (1, 420, 380), dtype=np.uint8)


def gray_of(path):
    image = QImage(str(path)).convertToFormat(QImage.Format_Grayscale8)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    return data.reshape(h, image.bytesPerLine())[:, :w]


def large_view(qtbot, window, tmp_path, monkeypatch):
    window.loader.synchronous = False  # as in the app: exports may use the worker
    window.set_dataset(Dataset(PHOTO, name="photo"))
    window.state.kernels = EDGE
    qtbot.waitUntil(window.computation.is_current, timeout=10000)
    target = tmp_path / "maps.png"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    return target


def test_large_png_export_runs_on_the_worker_and_writes_the_map(window, qtbot, tmp_path,
                                                                monkeypatch):
    target = large_view(qtbot, window, tmp_path, monkeypatch)
    assert export.export_cost(window.exports.stages()) > export.SYNC_EXPORT_PIXELS
    ticks = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    worker = window.exports.export_maps()
    assert isinstance(worker, Worker)  # started on the thread pool (a small export returns paths)
    with qtbot.waitSignal(worker.finished, timeout=20000):
        pass
    timer.stop()
    assert ticks, "the event loop did not run while the export rendered"
    conv = signal.correlate2d(PHOTO[0].astype(np.float64), EDGE, mode="valid")
    expected = np.rint((conv - conv.min()) / (conv.max() - conv.min()) * 255)
    saved = gray_of(target)
    assert saved.shape == conv.shape
    assert np.abs(saved.astype(int) - expected).max() <= 1
    assert "Saved" in window.statusBar().currentMessage()


def test_cancelled_large_export_writes_nothing(window, qtbot, tmp_path, monkeypatch):
    large_view(qtbot, window, tmp_path, monkeypatch)
    worker = window.exports.export_maps()
    with qtbot.waitSignal(worker.cancelled, timeout=20000):
        worker.cancel()
    assert os.listdir(tmp_path) == []
    assert "cancelled" in window.statusBar().currentMessage()
