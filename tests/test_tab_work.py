"""The Pipeline and Compare tabs compute large work off the GUI thread, the newest request winning."""

import io
import sys

import numpy as np
from PyQt5.QtCore import QTimer
from scipy import ndimage

import convgui.compare_tab as compare_tab
import convgui.pipeline_tab as pipeline_tab
from convgui import dialogs
from convgui import errors as error_sink
from convgui.compute import SYNC_WORK_LIMIT
from core.datasets import Dataset

RNG = np.random.default_rng(21)
PHOTO = RNG.integers(0, 256, (1, 420, 380, 3), dtype=np.uint8)


def correlate_valid(image, kernel):
    """Cross-correlation, 'valid' part, in float64 (SciPy's, not the engine's)."""
    kh, kw = kernel.shape
    full = ndimage.correlate(image.astype(np.float64), kernel, mode="constant")
    top, left = (kh - 1) // 2, (kw - 1) // 2
    return full[top:top + image.shape[0] - kh + 1, left:left + image.shape[1] - kw + 1]


def show_tab(qtbot, window, name):
    index = [window.tabs.tabText(i) for i in range(window.tabs.count())].index(name)
    window.tabs.setCurrentIndex(index)


def open_photo(qtbot, window, kernels):
    window.set_dataset(Dataset(PHOTO, name="photo"))
    window.state.kernels = kernels
    qtbot.waitUntil(window.computation.is_current, timeout=20000)


def wait_tab(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.work.is_busy(), timeout=20000)


def test_large_pipeline_work_runs_while_the_event_loop_ticks(window, qtbot):
    kernel = RNG.standard_normal((11, 11, 3))
    open_photo(qtbot, window, kernel)
    tab = window.pipeline_tab
    view = window.computation.latest
    assert pipeline_tab.layer_work(view, 0) > SYNC_WORK_LIMIT
    ticks_while_busy, busy_seen = [], []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: tab.work.is_busy() and ticks_while_busy.append(1))
    tab.work.busyChanged.connect(lambda busy: busy_seen.append((busy, tab.busy.isVisible())))
    timer.start()
    with qtbot.waitSignal(tab.work.ready, timeout=20000):
        show_tab(qtbot, window, "Pipeline")
    timer.stop()
    # The tab's own convolutions ran in the background: the GUI thread kept serving the timer,
    # and the tab said it was computing, then stopped saying so.
    assert len(ticks_while_busy) >= 2
    assert busy_seen[0] == (True, True)
    wait_tab(qtbot, tab)
    assert not tab.busy.isVisible()
    image = PHOTO[0]
    for ch in range(3):
        np.testing.assert_allclose(tab.board.tile_values(1, ch),
                                   correlate_valid(image[:, :, ch], kernel[:, :, ch]),
                                   rtol=1e-4, atol=1e-2)
    convolution = sum(correlate_valid(image[:, :, ch], kernel[::-1, ::-1, ch]) for ch in range(3))
    last = len(tab.rows) - 1
    np.testing.assert_allclose(tab.board.tile_values(last, 3), convolution, rtol=1e-4, atol=1e-2)


def test_quick_compare_changes_show_only_the_newest(window, qtbot, monkeypatch):
    kernel = RNG.standard_normal((9, 9, 3))
    open_photo(qtbot, window, kernel)
    tab = window.compare_tab
    show_tab(qtbot, window, "Compare")
    wait_tab(qtbot, tab)
    shown = []
    tab.work.ready.connect(lambda built: shown.append([t.title for t in built[0]]))
    combo = tab.variant_combo
    # Three picks in a row, each while the previous one is still queued or computing.
    for variant in ("transpose", "stride", "flip"):
        combo.setCurrentIndex(combo.findData(variant))
    assert tab.work.is_busy()
    qtbot.waitUntil(lambda: bool(shown) and not tab.work.is_busy(), timeout=20000)
    qtbot.wait(50)  # a stale result would be delivered on this event-loop turn
    assert shown == [["A: correlation", "B: convolution", "√(A² + B²)"]]
    image = PHOTO[0].astype(np.float64)
    flipped = kernel[::-1, ::-1]
    expected = sum(correlate_valid(image[:, :, ch], flipped[:, :, ch]) for ch in range(3))
    np.testing.assert_allclose(tab.board.tile_values(0, 1), expected, rtol=1e-4, atol=1e-2)


def test_kernel_edits_while_the_compare_tab_computes_end_on_the_last_kernel(window, qtbot):
    kernels = [RNG.standard_normal((9, 9, 3)) for _ in range(3)]
    open_photo(qtbot, window, kernels[0])
    show_tab(qtbot, window, "Compare")
    tab = window.compare_tab
    for bank in kernels[1:]:  # each edit arrives while the previous one's work runs
        window.state.kernels = bank
        window.computation.compute_now()
    qtbot.waitUntil(window.computation.is_current, timeout=20000)
    wait_tab(qtbot, tab)
    qtbot.wait(50)
    image = PHOTO[0].astype(np.float64)
    last = kernels[-1]
    a = sum(correlate_valid(image[:, :, ch], last[:, :, ch]) for ch in range(3))
    b = sum(correlate_valid(image[:, :, ch], last[:, :, ch].T) for ch in range(3))
    np.testing.assert_allclose(tab.board.tile_values(0, 0), a, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(tab.board.tile_values(0, 1), b, rtol=1e-4, atol=1e-2)


def test_a_background_failure_is_shown_in_the_tab_and_keeps_the_maps(window, qtbot,
                                                                    monkeypatch):
    open_photo(qtbot, window, RNG.standard_normal((9, 9, 3)))
    tab = window.compare_tab
    show_tab(qtbot, window, "Compare")
    wait_tab(qtbot, tab)
    before = tab.board.tile_values(0, 1).copy()

    def refuse(images, spec, **kwargs):
        raise ValueError("B cannot be computed")
    monkeypatch.setattr(compare_tab, "run_pipeline", refuse)
    with qtbot.waitSignal(tab.work.failed, timeout=20000):
        tab.variant_combo.setCurrentIndex(tab.variant_combo.findData("flip"))
    assert "B cannot be computed" in tab.message.text()
    np.testing.assert_array_equal(tab.board.tile_values(0, 1), before)


def test_a_bug_in_background_tab_work_reaches_the_error_sink(window, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, message: shown.append(message))
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    open_photo(qtbot, window, RNG.standard_normal((9, 9, 3)))

    def broken(images, spec, **kwargs):
        raise KeyError("lost")
    monkeypatch.setattr(pipeline_tab, "convolve", broken)
    error_sink.install()
    try:
        with qtbot.waitSignal(window.pipeline_tab.work.failed, timeout=20000):
            show_tab(qtbot, window, "Pipeline")
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    finally:
        error_sink.uninstall()
    assert "KeyError" in shown[0]
    assert "lost" in window.pipeline_tab.intro.text()


def test_leaving_a_tab_stops_its_background_work(window, qtbot):
    open_photo(qtbot, window, RNG.standard_normal((11, 11, 3)))
    tab = window.pipeline_tab
    delivered = []
    tab.work.ready.connect(delivered.append)
    show_tab(qtbot, window, "Pipeline")
    assert tab.work.is_busy()
    show_tab(qtbot, window, "Feature maps")
    wait_tab(qtbot, tab)
    qtbot.wait(50)
    assert delivered == []


def test_redraws_and_input_hovers_reuse_the_padded_input_made_in_the_worker(window, qtbot,
                                                                           monkeypatch):
    window.state.padding = "same"
    open_photo(qtbot, window, RNG.standard_normal((9, 9, 3)))
    padded_shapes = []
    original = np.pad
    monkeypatch.setattr(np, "pad", lambda array, *args, **kwargs:
                        padded_shapes.append(np.shape(array)) or original(array, *args, **kwargs))
    window.state.colormap = "viridis"               # a redraw of every view
    window.canvas.hovered.emit("input", 0, 10, 12, None)
    qtbot.wait(20)
    assert PHOTO[0].shape not in padded_shapes       # the photo was not padded again
    picture = window.computation.latest.input_picture()
    np.testing.assert_array_equal(picture.padded, original(PHOTO[0], ((4, 4), (4, 4), (0, 0))))


def test_picking_another_tab_drops_the_hidden_tab_s_build_and_staying_keeps_it(qtbot):
    import threading

    from PyQt5.QtCore import Qt
    from PyQt5.QtWidgets import QTabWidget, QWidget

    from convgui.tab_work import StopWhenHidden, TabWork

    class Tab(StopWhenHidden, QWidget):
        def __init__(self):
            super().__init__()
            self.work = TabWork(self, sync_limit=0)

    outcomes = {}
    for leave in (False, True):
        tabs = QTabWidget()
        qtbot.addWidget(tabs)
        first = Tab()
        tabs.addTab(first, "First")
        tabs.addTab(QWidget(), "Second")
        tabs.show()
        qtbot.waitExposed(tabs)
        work = first.work
        got = []
        work.ready.connect(got.append)
        release = threading.Event()
        work.request(lambda: release.wait(5) and "maps", cost=1)
        qtbot.waitUntil(work.is_busy)
        if leave:
            bar = tabs.tabBar()
            qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(1).center())
            assert tabs.currentIndex() == 1
        release.set()
        qtbot.waitUntil(lambda: not work.is_busy())
        qtbot.wait(20)  # the result arrives with the next turn of the event loop
        outcomes[leave] = got
    assert outcomes == {False: ["maps"], True: []}
