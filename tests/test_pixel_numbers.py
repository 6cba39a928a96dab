"""Numbers on pixels: values drawn on the pixels once they are large enough to read, only for
the pixels in view, in a colour that contrasts with the pixel."""

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtGui import QWheelEvent
from PyQt5.QtWidgets import QApplication
from scipy.signal import correlate2d

from conftest import settle
from convgui.pixel_numbers import MIN_CELL_PX


def _painted(qtbot, window):
    window.canvas.viewport().repaint()
    qtbot.wait(20)


def _zoom_in(qtbot, canvas, plot, row, col, notches):
    at = canvas.mapFromScene(plot.view_box.mapViewToScene(QPointF(col, row)))
    for _ in range(notches):
        wheel = QWheelEvent(QPointF(at), QPointF(canvas.viewport().mapToGlobal(at)),
                            QPoint(0, 0), QPoint(0, 120), Qt.NoButton, Qt.NoModifier,
                            Qt.NoScrollPhase, False)
        QApplication.sendEvent(canvas.viewport(), wheel)
    qtbot.wait(30)


def test_values_appear_on_pixels_only_when_zoomed_and_only_in_view(make_window, qtbot):
    window = make_window(first_lesson=True)
    window.resize(1366, 768)
    qtbot.wait(50)
    settle(qtbot, window)
    conv = window.canvas.conv[0]
    _painted(qtbot, window)
    assert conv.screen_pixel_size() < MIN_CELL_PX and conv.numbers.drawn == 0
    _zoom_in(qtbot, window.canvas, conv, 12, 14, notches=8)
    _painted(qtbot, window)
    assert conv.screen_pixel_size() >= MIN_CELL_PX
    assert 0 < conv.numbers.drawn < 28 * 28                 # only the visible pixels
    image = window.state.image.astype(np.float64)
    expected = np.maximum(correlate2d(image, np.array([[1.0, 0, -1]] * 3), mode="same"), 0)
    for (row, col), (text, _) in conv.numbers.cells.items():
        assert len(text) <= 5 and float(text) == pytest.approx(expected[row, col], rel=0.01,
                                                               abs=0.006), (row, col, text)
    cells = conv.numbers.cells
    strongest = max(cells, key=lambda cell: expected[cell])
    assert expected[strongest] > 1 and cells[strongest][1] is False   # white on deep red
    zero = next(cell for cell in cells if expected[cell] == 0)
    assert cells[zero][1] is True                                      # black on white


def test_the_lesson_crop_always_shows_its_numbers(make_window, qtbot, desktop_font):
    window = make_window(first_lesson=True)
    window.resize(1366, 768)
    qtbot.wait(50)
    window.step_controls.crop_check.click()
    settle(qtbot, window)
    qtbot.wait(30)
    _painted(qtbot, window)
    assert window.canvas.conv[0].numbers.drawn == 64
    assert window.canvas.input.numbers.drawn == 100                    # padding included
    assert window.canvas.input.numbers.cells[(0, 0)][0] == "0"


def test_numbers_never_run_into_their_neighbours(make_window, qtbot, desktop_font):
    """Small maps (a 7×7 pooled map beside its 14×14 map) get numbers that fit their cells."""
    window = make_window(first_lesson=True)
    window.resize(1366, 768)
    qtbot.wait(50)
    window.step_controls.crop_check.click()       # 8×8 crop: 4×4 pooled map, small cells
    window.state.kernels = np.random.default_rng(1).normal(size=(3, 3))
    settle(qtbot, window)
    qtbot.wait(30)
    _painted(qtbot, window)
    painted = [plot.numbers for _, _, plot in window.canvas.maps() if plot.numbers.drawn]
    assert painted
    for numbers in painted:
        widest, cell = numbers.fit
        assert widest <= cell - 2, (numbers.map_plot.name, widest, cell)
