"""Every map of a board is drawn with the same screen size per data pixel; zoom and pan are
linked; double-click or View ▸ Reset zoom returns to the fitted view."""

import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtGui import QWheelEvent
from PyQt5.QtWidgets import QApplication

from conftest import settle

SIZES = [(1024, 768), (1366, 768), (1920, 1080)]


def _widths(plots):
    """On-screen width of each image item divided by its array's width."""
    return [p.image_item.sceneBoundingRect().width() / p.image_item.image.shape[1]
            for p in plots]


def _same(values):
    return max(values) - min(values) <= 0.01 * max(values)


def _assert_fitted(canvas):
    """Every map whole inside its box, at one scale, and the tightest one filling its box."""
    plots = [p for _, _, p in canvas.maps()]
    assert _same(_widths(plots))
    slack = []
    for plot in plots:
        image, box = plot.image_item.sceneBoundingRect(), plot.view_box.sceneBoundingRect()
        assert box.adjusted(-1, -1, 1, 1).contains(image)
        slack.append(min(box.width() - image.width(), box.height() - image.height()))
    assert min(slack) <= 16


def _show_tab(qtbot, window, name):
    index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == name)
    window.tabs.setCurrentIndex(index)
    qtbot.wait(30)


@pytest.fixture
def lesson(make_window, qtbot):
    def make(size):
        window = make_window(first_lesson=True)
        window.resize(*size)
        qtbot.wait(50)
        settle(qtbot, window)
        return window
    return make


@pytest.mark.parametrize("size", SIZES)
def test_all_maps_of_each_board_share_one_pixel_scale(lesson, qtbot, size):
    window = lesson(size)
    plots = [plot for _, _, plot in window.canvas.maps()]
    assert [p.image_item.image.shape[1] for p in plots] == [30, 28, 14]  # padded input too
    widths = _widths(plots)
    assert _same(widths), widths
    assert widths[0] >= 4                                 # and big enough to see
    conv, pooled = window.canvas.conv[0].image_item, window.canvas.pooled[0].image_item
    assert pooled.sceneBoundingRect().width() == pytest.approx(
        conv.sceneBoundingRect().width() / 2, rel=0.01)     # 14×14 is half of 28×28
    _show_tab(qtbot, window, "Pipeline")
    board = window.pipeline_tab.board
    qtbot.waitUntil(lambda: len(board.scaled_plots()) > 0)
    widths = _widths(board.scaled_plots())
    assert len(widths) >= 6 and _same(widths), widths
    _show_tab(qtbot, window, "Compare")
    window.compare_tab.variant_combo.setCurrentIndex(
        window.compare_tab.variant_combo.findData("stride"))
    board = window.compare_tab.board
    qtbot.wait(30)
    widths = _widths(board.scaled_plots())
    assert len(widths) == 3 and _same(widths), widths
    stride1, stride2 = (board.plots[0][c][0].image_item.sceneBoundingRect().width()
                        for c in (0, 1))
    assert stride2 == pytest.approx(stride1 / 2, rel=0.01)


def test_zoom_is_linked_and_double_click_resets(lesson, qtbot):
    window = lesson((1366, 768))
    canvas = window.canvas
    before = _widths([p for _, _, p in canvas.maps()])
    conv = canvas.conv[0]
    centre = conv.view_box.mapViewToScene(QPointF(14, 14))
    at = canvas.mapFromScene(centre)
    wheel = QWheelEvent(QPointF(at), QPointF(canvas.viewport().mapToGlobal(at)), QPoint(0, 0),
                        QPoint(0, 480), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(canvas.viewport(), wheel)
    qtbot.wait(30)
    zoomed = _widths([p for _, _, p in canvas.maps()])
    assert zoomed[1] > before[1] * 1.5                    # the conv map zoomed in …
    assert _same(zoomed), zoomed                          # … and every map followed
    assert canvas.board_scale.zoomed
    qtbot.mouseClick(canvas.viewport(), Qt.LeftButton, pos=at)    # a double-click, as Qt
    qtbot.mouseDClick(canvas.viewport(), Qt.LeftButton, pos=at)   # delivers it: click,
    qtbot.mouseRelease(canvas.viewport(), Qt.LeftButton, pos=at)  # double-click, release
    qtbot.waitUntil(lambda: not canvas.board_scale.zoomed)
    qtbot.wait(50)                                         # the views repaint
    _assert_fitted(canvas)
    QApplication.sendEvent(canvas.viewport(), wheel)
    qtbot.wait(30)
    assert canvas.board_scale.zoomed
    window.reset_zoom_action.trigger()
    assert not canvas.board_scale.zoomed
    qtbot.wait(50)
    _assert_fitted(canvas)


def test_padding_is_drawn_around_the_input_at_the_same_scale(lesson, qtbot):
    window = lesson((1366, 768))
    window.state.padding = (3, 3)
    settle(qtbot, window)
    plot = window.canvas.input
    assert plot.rect.x() == -3 and plot.rect.width() == 34
    conv = window.canvas.conv[0]
    assert _same(_widths([plot, conv]))
    frame = window.canvas._pad_items[0].path().boundingRect()
    assert (frame.x(), frame.width()) == (-3, 34)
