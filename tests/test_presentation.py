"""Presentation mode (F11): kernel visible with large digits, inspector numbers ≥ 32 px, drawn
play/pause icons, panels back from the keyboard; leaving restores every font and the layout."""

from PyQt5.QtCore import QRect, Qt
from PyQt5.QtGui import QFontInfo

from conftest import settle
from convgui.presentation import Presentation


def activate(qtbot, window):
    """Make ``window`` the active one, so its keyboard shortcuts work (as after a click)."""
    from PyQt5.QtWidgets import QApplication

    QApplication.setActiveWindow(window)
    qtbot.waitUntil(window.isActiveWindow)


def test_f11_twice_restores_every_font_and_the_layout(make_window, qtbot):
    window = make_window(first_lesson=True)
    settle(qtbot, window)
    activate(qtbot, window)
    fonts = Presentation.fonts_of(window)
    layout = bytes(window.saveState())
    visible = {d.objectName(): d.isVisible()
               for d in (window.left_dock, window.right_dock, window.inspector_dock)}
    widths = (window.left_dock.width(), window.right_dock.width())
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_F11)
    assert window.presentation_action.isChecked()
    assert Presentation.fonts_of(window) != fonts            # something really grew
    qtbot.keyClick(window.canvas, Qt.Key_F11)
    assert not window.presentation_action.isChecked()
    qtbot.wait(30)
    after = Presentation.fonts_of(window)
    changed = [type(w).__name__ + ":" + w.objectName() for w in fonts if after[w] != fonts[w]]
    assert changed == []
    assert {d.objectName(): d.isVisible()
            for d in (window.left_dock, window.right_dock, window.inspector_dock)} == visible
    assert bytes(window.saveState()) == layout
    qtbot.wait(100)                                          # the side panels as wide as before
    assert (window.left_dock.width(), window.right_dock.width()) == widths


def test_presentation_keeps_the_kernel_and_reads_from_the_back(
        make_window, qtbot, monkeypatch, desktop_font):
    window = make_window(first_lesson=True)
    # The projector's 1366×768 screen (the offscreen one is 800×600, which full screen would
    # take): the window is sized by hand instead.
    monkeypatch.setattr(window, "showFullScreen", window.show)
    monkeypatch.setattr("convgui.presentation.available_screen",
                        lambda _window: QRect(0, 0, 1366, 768))
    window.resize(1366, 768)
    settle(qtbot, window)
    activate(qtbot, window)
    window.toggle_presentation(True)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.size().width() == 1366)
    qtbot.wait(50)
    grid = window.kernel_editor.grid
    assert window.right_dock.isVisible() and grid.isVisible()
    assert grid._font_for(grid._cell_size()).pixelSize() >= 32
    window.inspector.pinned = True                  # a pinned pixel (a click, off screen here)
    window.inspector.inspect("conv", 0, 12, 14)
    panel = window.inspector_panel
    qtbot.waitUntil(lambda: panel.details.isVisible())
    assert QFontInfo(panel.patch_grid.font()).pixelSize() >= 32
    check_numbers_fit_and_never_overlap(qtbot, panel)
    assert not window.left_dock.isVisible()
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key_1, Qt.ControlModifier)   # the panel from the keyboard
    qtbot.waitUntil(window.left_dock.isVisible)
    play = window.step_controls.play_button
    assert not play.icon().isNull() and "⏸" not in play.text()
    qtbot.keyClick(window.canvas, Qt.Key_Space)
    assert play.text() == "Pause" and not play.icon().isNull()
    qtbot.keyClick(window.canvas, Qt.Key_Space)
    window.toggle_presentation(False)


def drawn_text(grid, row, col):
    """The text the grid's delegate draws in cell (row, col), in the cell's real rectangle."""
    from PyQt5.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.initFrom(grid.viewport())
    index = grid.model().index(row, col)
    option.rect = grid.visualRect(index)
    grid.itemDelegate().initStyleOption(option, index)
    return option, option.text


def check_numbers_fit_and_never_overlap(qtbot, panel):
    """Large digits: every cell draws a number that fits, never an elided "0.…", with at least
    two significant digits; rows as tall as the font; the sum below the grids, not over them."""
    qtbot.wait(50)
    for grid in (panel.patch_grid, panel.kernel_grid, panel.product_grid):
        for row in range(grid.rowCount()):
            assert grid.rowHeight(row) >= grid.fontMetrics().height()
            for col in range(grid.columnCount()):
                option, text = drawn_text(grid, row, col)
                value = float(grid.item(row, col).text())
                assert "…" not in text
                assert option.fontMetrics.horizontalAdvance(text) <= option.rect.width()
                assert abs(float(text) - value) <= 0.006 * max(1.0, abs(value))
    grids_bottom = max(g.geometry().bottom() for g in (panel.patch_grid, panel.product_grid))
    assert panel.formula.geometry().top() > grids_bottom


def test_leaving_gives_the_side_panels_back_their_width(
        make_window, qtbot, monkeypatch, desktop_font):
    window = make_window(first_lesson=True)
    monkeypatch.setattr(window, "showFullScreen", window.show)   # a 1366×768 projector
    window.resize(1366, 768)
    settle(qtbot, window)
    qtbot.wait(50)
    widths = (window.left_dock.width(), window.right_dock.width())
    scrolls = [dock.widget().verticalScrollBar().maximum()
               for dock in (window.left_dock, window.right_dock)]
    maps_width = window.canvas.width()
    window.toggle_presentation(True)
    qtbot.wait(100)
    window.toggle_presentation(False)
    qtbot.wait(100)
    assert (window.left_dock.width(), window.right_dock.width()) == widths
    assert window.canvas.width() == maps_width
    assert [dock.widget().verticalScrollBar().maximum()               # no scroll bar left over
            for dock in (window.left_dock, window.right_dock)] == scrolls

