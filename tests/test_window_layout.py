"""The window fits 1366×768 and works from 1024×768: readable kernel cells, side panels that
never scroll sideways, an inspector that folds while it has nothing to say, a remembered size."""

import re

import pytest
from PyQt5.QtCore import QPoint, QRect, Qt

from conftest import hover, settle

SIZES = [(1024, 768), (1366, 768), (1920, 1080)]


def _sized(make_window, qtbot, size):
    window = make_window(first_lesson=True)
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() <= size[0] and window.height() <= size[1])
    qtbot.wait(50)
    settle(qtbot, window)
    return window


@pytest.mark.parametrize("size", SIZES)
def test_the_window_fits_with_readable_kernel_cells_and_no_sideways_scrolling(
        make_window, qtbot, desktop_font, size):
    window = _sized(make_window, qtbot, size)
    assert (window.width(), window.height()) == size
    grid = window.findChild(type(window.kernel_editor.grid), "kernelGrid")
    assert grid is window.kernel_editor.grid
    assert grid.cell_rect(0, 0).width() >= 40            # the 3×3 lesson kernel
    window.state.kernels = [[1.0] * 5] * 5               # and a 5×5 one
    qtbot.waitUntil(lambda: grid.cell_rect(4, 4).width() >= 40)
    no_panel_scrolls_sideways(qtbot, window)
    every_map_is_in_view(window)
    window.state.padding = (1, 1)
    window.state.transposed = True                       # more rows in the left panel
    settle(qtbot, window)
    no_panel_scrolls_sideways(qtbot, window)
    window.state.transposed = False
    window.layer_strip.add_layer()                       # and layers
    window.layer_strip.add_layer()
    settle(qtbot, window)
    no_panel_scrolls_sideways(qtbot, window)


def no_panel_scrolls_sideways(qtbot, window):
    qtbot.wait(30)
    for dock in (window.left_dock, window.right_dock):
        bar = dock.widget().horizontalScrollBar()
        assert bar.maximum() == 0, (dock.objectName(), bar.maximum())


def every_map_is_in_view(window):
    """Each map of the board lies wholly inside the visible canvas: a long title never pushes the
    last maps out of the window (at 1024 px the pooled map used to be cut off)."""
    canvas = window.canvas
    visible = canvas.viewport().rect()
    for name, _, plot in canvas.maps():
        item = plot.image_item
        drawn = canvas.mapFromScene(item.sceneBoundingRect()).boundingRect()
        assert visible.contains(drawn), (name, drawn, visible)


def test_the_inspector_folds_to_one_line_until_it_has_something_to_say(
        make_window, qtbot, desktop_font):
    window = _sized(make_window, qtbot, (1366, 768))
    panel = window.findChild(type(window.inspector_panel), "inspector")
    assert panel is window.inspector_panel
    assert not panel.details.isVisible()
    folded = window.inspector_dock.height()
    assert folded < 100
    hover(qtbot, window, window.canvas.conv[0], 10, 10)
    qtbot.waitUntil(lambda: panel.details.isVisible())
    qtbot.waitUntil(lambda: window.inspector_dock.height() > folded + 100)
    assert "= " in panel.formula.text()
    opened = window.inspector_dock.height()
    # Off the maps, down onto the inspector itself: it stays open to be read, at its height.
    qtbot.mouseMove(window.windowHandle(), QPoint(5, window.height() // 2))
    qtbot.mouseMove(window.windowHandle(),
                    window.inspector_dock.mapTo(window, QPoint(40, opened // 2)))
    qtbot.wait(100)
    assert panel.details.isVisible() and window.inspector_dock.height() == opened
    qtbot.keyClick(window.canvas, Qt.Key_Escape)           # nothing to explain: one line again
    qtbot.waitUntil(lambda: not panel.details.isVisible())
    qtbot.waitUntil(lambda: window.inspector_dock.height() < 100)


def test_window_size_and_panels_are_remembered_and_fitted_to_a_smaller_screen(
        make_window, qtbot, monkeypatch, desktop_font):
    from convgui import window_layout
    from convgui.main_window import MainWindow

    first = make_window()
    first.resize(1100, 700)
    first.right_dock.hide()
    qtbot.waitUntil(lambda: first.width() == 1100)
    first.close()
    second = MainWindow(restore=True, first_lesson=False)   # as the app builds it
    qtbot.addWidget(second)
    assert second.geometry_restored
    assert (second.width(), second.height()) == (1100, 700)
    second.show()
    qtbot.waitExposed(second)
    assert not second.right_dock.isVisible() and second.left_dock.isVisible()
    monkeypatch.setattr(window_layout, "available_screen", lambda window: QRect(0, 0, 1050, 600))
    frame = window_layout.fit_to_screen(second, restored=True)
    assert QRect(0, 0, 1050, 600).contains(frame)


def test_a_first_start_is_not_forced_to_1500x900_on_a_small_screen(make_window, monkeypatch):
    from convgui import window_layout

    window = make_window()
    monkeypatch.setattr(window_layout, "available_screen",
                        lambda window: QRect(0, 0, 1366, 740))
    frame = window_layout.fit_to_screen(window)
    assert QRect(0, 0, 1366, 740).contains(frame)


def test_menu_texts_have_no_stray_underscores(window):
    texts = []
    for menu_action in window.menuBar().actions():
        texts += [action.text() for action in menu_action.menu().actions()]
    for text in texts:
        plain = text.replace("&&", "")
        assert not re.search(r"&(\s|$)", plain), text      # '& ' shows as '_' under a space
    assert "&Data && operation" in texts and "&Kernel && display" in texts


def test_opening_the_inspector_leaves_the_maps_where_they_are(make_window, qtbot, desktop_font):
    """The inspector unfolds under the maps when a pixel is hovered: the hovered pixel stays under
    the mouse (a click then pins that pixel, not one that slid in under it)."""
    from conftest import window_point

    window = _sized(make_window, qtbot, (1366, 768))
    plot = window.canvas.conv[0]
    before = window_point(window, plot, 20, 12)
    folded = window.inspector_dock.height()
    hover(qtbot, window, plot, 20, 12)
    qtbot.waitUntil(lambda: window.inspector_dock.height() > folded + 100)
    qtbot.wait(50)
    assert window_point(window, plot, 20, 12) == before
    qtbot.mouseClick(window.windowHandle(), Qt.LeftButton, pos=before)
    assert window.inspector.pinned and window.inspector.target == ("conv", 0, 20, 12)


def test_a_bank_of_four_kernels_shows_every_tab(make_window, qtbot, desktop_font):
    import numpy as np

    window = _sized(make_window, qtbot, (1366, 768))
    window.state.kernels = np.zeros((3, 3, 1, 4))
    tabs = window.kernel_editor.controls.kernel_tabs if hasattr(
        window.kernel_editor, "controls") else window.kernel_editor.kernel_tabs
    qtbot.waitUntil(lambda: tabs.count() == 4)
    qtbot.wait(30)
    for index in range(4):                       # no tab behind the scroll arrows
        assert tabs.rect().contains(tabs.tabRect(index)), (index, tabs.tabRect(index))


def test_typing_weights_never_changes_the_panels_width(make_window, qtbot, desktop_font):
    """A weight that draws wider ("-1") must not re-lay out the window on every edit."""
    window = _sized(make_window, qtbot, (1366, 768))
    grid = window.kernel_editor.grid
    qtbot.wait(50)
    widths = []
    for text in ("-1", "0.5", "-0.25", "2"):
        line = grid.edit_cell(1, 1)
        line.clear()
        qtbot.keyClicks(line, text)
        qtbot.keyClick(line, Qt.Key_Return)
        qtbot.wait(30)
        widths.append((window.right_dock.width(), window.canvas.width()))
    assert len(set(widths)) == 1, widths
