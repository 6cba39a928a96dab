"""Kernel grid keys, the generated F1 key list, and the small texts of #11."""

import numpy as np
from PyQt5.QtCore import QRect, Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QApplication

from conftest import settle

EDGES = np.array([[1.0, 0.0, -1.0]] * 3)


def _activate(qtbot, window):
    QApplication.setActiveWindow(window)
    qtbot.waitUntil(window.isActiveWindow)


def test_esc_cancels_a_cell_edit_and_keeps_the_old_value(window, qtbot):
    _activate(qtbot, window)
    window.state.kernels = EDGES
    grid = window.kernel_editor.grid
    window.inspector.pinned = True                     # Esc also releases a pinned pixel …
    window.inspector.inspect("conv", 0, 3, 3)
    editor = grid.edit_cell(1, 0)
    qtbot.keyClicks(editor, "7")
    qtbot.keyClick(editor, Qt.Key_Escape)
    assert not editor.isVisible() and grid.editing is None
    np.testing.assert_array_equal(window.state.kernel_2d, EDGES)
    assert window.inspector.pinned                     # … but not while a cell is edited


def test_typing_letters_in_a_cell_never_triggers_a_panel_shortcut(window, qtbot):
    _activate(qtbot, window)
    window.state.kernels = EDGES
    grid = window.kernel_editor.grid
    editor = grid.edit_cell(0, 0)
    qtbot.keyClicks(editor, "abc")                     # C is Clear, R Random, N Normalise …
    np.testing.assert_array_equal(window.state.kernel_2d, EDGES)
    assert editor.text() == "abc"
    qtbot.keyClick(editor, Qt.Key_Escape)
    np.testing.assert_array_equal(window.state.kernel_2d, EDGES)


def test_transpose_turns_a_rectangular_kernel(window, qtbot):
    window.state.kernels = np.array([[1.0, 2.0, 3.0]])
    qtbot.mouseClick(window.kernel_editor.buttons["transpose"], Qt.LeftButton)
    np.testing.assert_array_equal(window.state.kernel_2d, [[1.0], [2.0], [3.0]])
    assert window.operation_panel.formula.text()      # the new shape computes


def test_f1_lists_every_shortcut_and_fits_on_the_screen(window, qtbot, monkeypatch):
    from convgui import main_window

    monkeypatch.setattr(main_window, "available_screen", lambda w: QRect(0, 0, 1024, 700))
    _activate(qtbot, window)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_F1)
    helper = window._help
    text = helper.toPlainText()
    keys = {seq.toString(QKeySequence.NativeText)
            for action in window.findChildren(QAction) for seq in action.shortcuts()
            if not seq.isEmpty()}
    assert len(keys) >= 25
    missing = [key for key in keys if key not in text]
    assert missing == []
    assert "Reset zoom" in text and "Presentation mode" in text and "Transpose" in text
    assert QRect(0, 0, 1024, 700).contains(helper.frameGeometry())
    helper.close()


def test_same_padding_says_what_stride_does(window):
    combo = window.operation_panel.padding_combo
    label = combo.itemText(combo.findData("same"))
    assert "stride" in label and "keep size" not in label
    assert "stride 2" in combo.toolTip()


def test_step_through_on_a_photo_points_at_the_crop(window, qtbot):
    window.open_sample("Camera man")
    settle(qtbot, window)
    width = window.width()
    window.step_controls.enable_check.click()
    where = window.step_controls.where.text()
    assert "8×8 crop" in where and "/ 147,456" in where
    qtbot.wait(50)
    assert window.width() == width                 # a long counter never widens the window
    window.step_controls.crop_check.click()
    settle(qtbot, window)
    assert window.stepper.active                   # the crop keeps stepping, from its start
    assert window.step_controls.where.text().startswith("step 1 / ")
    assert "8×8 crop" not in window.step_controls.where.text()
    crop = np.asarray(window.state.image, dtype=np.float64)
    assert crop.shape[:2] == (8, 8) and np.ptp(crop) > 0   # something to see, not a flat corner
    window.step_controls.crop_check.click()        # and back to the whole photo, still stepping
    settle(qtbot, window)
    assert window.stepper.active and "/ 147,456" in window.step_controls.where.text()
