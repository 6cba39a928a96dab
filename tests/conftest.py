"""Test setup shared by every test: offscreen Qt, settings in a temporary folder."""

import sys

import pytest
from PyQt5.QtCore import QPoint, QPointF


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path_factory, monkeypatch):
    """Point QSettings and the user's config folder at a temp dir so tests never touch real files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    if "PyQt5.QtCore" in sys.modules:
        from PyQt5.QtCore import QSettings, QStandardPaths

        QStandardPaths.setTestModeEnabled(True)
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(home / "settings"))
        QSettings.setDefaultFormat(QSettings.IniFormat)
    yield


@pytest.fixture
def desktop_font():
    """The usual desktop UI font size (the offscreen platform defaults to a larger one)."""
    from PyQt5.QtGui import QFont
    from PyQt5.QtWidgets import QApplication

    before = QApplication.font()
    QApplication.setFont(QFont("DejaVu Sans", 9))
    yield
    QApplication.setFont(before)


@pytest.fixture
def errors(monkeypatch):
    """Record error dialogs instead of showing them: a list of ``(title, message)``."""
    from convgui import dialogs

    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, message:
                        shown.append((title, message)))
    return shown


@pytest.fixture
def make_window(qtbot):
    """Factory for explorer windows (shown, closed after the test)."""
    from convgui.main_window import MainWindow

    windows = []

    def make(restore=False, first_lesson=False):
        # Tests build on the plain defaults unless they are about the first screen.
        window = MainWindow(restore=restore, first_lesson=first_lesson)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def window(make_window):
    """An explorer window on the default MNIST sample, without remembered settings."""
    return make_window()


def settle(qtbot, window):
    """Wait until the window's views show the result of the current settings."""
    qtbot.waitUntil(window.computation.is_current, timeout=5000)


def window_point(window, plot, row, col):
    """Where pixel (row, col) of ``plot`` is, in the top-level window's coordinates."""
    scene = plot.view_box.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    pos = window.canvas.mapFromScene(scene)
    return window.canvas.viewport().mapTo(window, QPoint(pos.x(), pos.y()))


def hover(qtbot, window, plot, row, col, kind=None, k=0):
    """Move the mouse onto pixel (row, col) of ``plot`` until the inspector reports it.

    Events go to the QWindow, as a real mouse's do. The point is recomputed on each try
    because the docks may still be settling into their sizes just after the window opens.
    """
    kind = kind or next(name for name, kk, p in window.canvas.maps() if p is plot)
    wanted = (kind, k, row, col)
    for _ in range(20):
        qtbot.mouseMove(window.windowHandle(), QPoint(2, 2))
        qtbot.mouseMove(window.windowHandle(), window_point(window, plot, row, col))
        try:
            qtbot.waitUntil(lambda: window.inspector.target == wanted, timeout=250)
            return
        except (AssertionError, qtbot.TimeoutError):  # a miss (the docks still settling): again
            continue
    raise AssertionError(f"hovering never reached {wanted}; got {window.inspector.target}")


@pytest.fixture
def failing_rename(monkeypatch):
    """``failing_rename(n, code)``: the n-th ``os.replace`` from now fails with ``OSError(code)``;
    returns ``undo()`` that restores the real one."""
    import os

    real = os.replace

    def install(n, code):
        calls = []

        def flaky(src, dst):
            calls.append(dst)
            if len(calls) == n:
                raise OSError(code, os.strerror(code))
            return real(src, dst)

        monkeypatch.setattr(os, "replace", flaky)
        return lambda: monkeypatch.setattr(os, "replace", real)

    return install


@pytest.fixture
def finishes():
    """``finishes(function, seconds=10)``: its result or exception, or ``"hung"`` when it has
    not returned in time (it runs in a daemon thread, so a hang cannot block the test run)."""
    import threading

    def run(function, seconds=10):
        outcome = []

        def target():
            try:
                outcome.append(function())
            except BaseException as exc:  # noqa: BLE001 - inspected by the test
                outcome.append(exc)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(seconds)
        return outcome[0] if outcome else "hung"

    return run


@pytest.fixture
def relu_max_pool_loops():
    """The layer valid cross-correlation → ReLU → 2×2 max pooling (stride 2) written as plain
    loops, an independent reference: ``(m, h, w)`` images and a 2-D kernel → ``(m, ph, pw, 1)``."""
    import numpy as np

    def layer(images, kernel):
        images = np.asarray(images, dtype=np.float64)
        kernel = np.asarray(kernel, dtype=np.float64)
        m, h, w = images.shape
        kh, kw = kernel.shape
        conv = np.zeros((m, h - kh + 1, w - kw + 1))
        for i in range(conv.shape[1]):
            for j in range(conv.shape[2]):
                conv[:, i, j] = (images[:, i:i + kh, j:j + kw] * kernel).sum(axis=(1, 2))
        conv = np.maximum(conv, 0)
        ph, pw = conv.shape[1] // 2, conv.shape[2] // 2
        pooled = conv[:, :2 * ph, :2 * pw].reshape(m, ph, 2, pw, 2).max(axis=(2, 4))
        return pooled[..., None]

    return layer


def background_window(qtbot):
    """A window that loads datasets off the GUI thread, and the list that records, at each
    change of its busy state, whether the busy cursor was shown."""
    from PyQt5.QtWidgets import QApplication

    from convgui.main_window import MainWindow

    window = MainWindow(restore=False, load_in_background=True)
    qtbot.addWidget(window)
    cursors = []
    window.loader.busyChanged.connect(
        lambda busy: cursors.append(QApplication.overrideCursor() is not None))
    return window, cursors
