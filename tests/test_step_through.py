"""Step-through: the kernel slides in stride steps, the output fills in, keys drive it."""

import numpy as np
from PyQt5.QtCore import Qt

from conftest import settle

KERNEL = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def brute(image, kernel, pad, stride):
    padded = np.pad(image.astype(np.float64), pad)
    oh = (padded.shape[0] - 3) // stride + 1
    ow = (padded.shape[1] - 3) // stride + 1
    return np.array([[np.sum(padded[r * stride:r * stride + 3, c * stride:c * stride + 3]
                             * kernel) for c in range(ow)] for r in range(oh)])


def shown_image(window):
    """The first map as the user sees it: its drawn values, NaN where step-through covers it."""
    plot = window.canvas.conv[0]
    shown = np.array(plot.image_item.image, dtype=np.float64)
    for row in range(shown.shape[0]):
        for col in range(shown.shape[1]):
            if plot.is_covered(row, col):
                shown[row, col] = np.nan
    return shown


def start(window, qtbot):
    qtbot.mouseClick(window.step_controls.enable_check, Qt.LeftButton)
    assert window.stepper.active


def test_stepping_fills_the_output_in_raster_order(window, qtbot):
    window.state.kernels = KERNEL
    window.state.padding = "same"
    window.state.stride = (2, 2)
    settle(qtbot, window)
    start(window, qtbot)
    window.canvas.setFocus()
    for _ in range(16):
        qtbot.keyClick(window.canvas, Qt.Key_Right)
    # 28 / 2 = 14 outputs per row: step 16 is row 1, column 2.
    assert window.stepper.position == 16
    assert window.inspector.target == ("conv", 0, 1, 2)
    expected = brute(window.state.image, KERNEL, ((0, 1), (0, 1)), 2)
    shown = shown_image(window).reshape(-1)
    np.testing.assert_allclose(shown[:17], expected.reshape(-1)[:17], atol=1e-5)
    assert np.isnan(shown[17:]).all()
    # The kernel's window in the input: rows 2..4, cols 4..6 (no padding at the top/left).
    rows = sorted({r for r, _ in window.canvas.input.marked})
    cols = sorted({c for _, c in window.canvas.input.marked})
    assert rows == [2, 3, 4] and cols == [4, 5, 6]
    assert "step 17 / 196" in window.step_controls.where.text()
    qtbot.keyClick(window.canvas, Qt.Key_Left)
    assert window.stepper.position == 15
    assert window.state.index == 0  # arrows step the kernel, not the images


def test_play_advances_and_pause_stops(window, qtbot):
    window.state.kernels = KERNEL
    settle(qtbot, window)
    window.step_controls.speed.setValue(50)
    qtbot.mouseClick(window.step_controls.play_button, Qt.LeftButton)
    assert window.stepper.active
    qtbot.waitUntil(lambda: window.stepper.position >= 5, timeout=3000)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Space)
    stopped_at = window.stepper.position
    qtbot.wait(150)
    assert window.stepper.position == stopped_at
    assert window.step_controls.play_button.text() == "Play"


def test_scrubbing_and_turning_off_restores_the_full_map(window, qtbot):
    window.state.kernels = KERNEL
    settle(qtbot, window)
    start(window, qtbot)
    window.step_controls.slider.setValue(100)
    assert window.stepper.position == 100
    assert window.inspector.target == ("conv", 0, 100 // 26, 100 % 26)
    qtbot.mouseClick(window.step_controls.enable_check, Qt.LeftButton)
    assert not window.stepper.active
    full = shown_image(window)
    assert not np.isnan(full).any()
    np.testing.assert_allclose(full, brute(window.state.image, KERNEL, ((0, 0), (0, 0)), 1),
                               atol=1e-5)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert window.state.index == 1


def test_changing_the_kernel_keeps_stepping_at_the_same_place(window, qtbot):
    window.state.kernels = KERNEL
    settle(qtbot, window)
    start(window, qtbot)
    window.stepper.seek(30)
    window.state.kernels = -KERNEL
    settle(qtbot, window)
    assert window.stepper.position == 30
    expected = -brute(window.state.image, KERNEL, ((0, 0), (0, 0)), 1).reshape(-1)[:31]
    np.testing.assert_allclose(shown_image(window).reshape(-1)[:31], expected, atol=1e-5)


def test_an_8x8_crop_for_the_lesson_and_back(window, qtbot):
    window.state.index = 5
    window.state.kernels = KERNEL
    settle(qtbot, window)
    full = window.state.dataset
    window.inspector.inspect("input", 0, 20, 3)
    qtbot.mouseClick(window.step_controls.crop_check, Qt.LeftButton)
    settle(qtbot, window)
    # Centred on the inspected pixel, kept inside the image: rows 16..23, cols 0..7.
    np.testing.assert_array_equal(window.state.image, full.images[5][16:24, 0:8])
    assert window.canvas.conv[0].values.shape == (6, 6)
    assert window.data_panel.label_value.text() == f"<b>{int(full.labels[5])}</b>"
    start(window, qtbot)
    window.stepper.seek(35)
    assert window.stepper.row_col() == (5, 5)
    qtbot.mouseClick(window.step_controls.crop_check, Qt.LeftButton)
    assert window.state.dataset is full and window.state.index == 5
    assert not window.step_controls.crop_check.isChecked()


def test_a_step_moves_the_cover_without_re_rendering_any_map(window, qtbot, monkeypatch):
    window.state.kernels = KERNEL
    settle(qtbot, window)
    start(window, qtbot)
    renders = []
    for _, _, plot in window.canvas.maps():
        monkeypatch.setattr(plot.image_item, "setImage",
                            lambda *args, **kwargs: renders.append(args))
    window.canvas.setFocus()
    for _ in range(5):
        qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert window.stepper.position == 5
    assert renders == []
    plot = window.canvas.conv[0]
    assert not plot.is_covered(0, 5) and plot.is_covered(0, 6) and plot.is_covered(1, 0)


def test_a_kernel_edit_does_not_redraw_the_unchanged_input(window, qtbot, monkeypatch):
    window.state.kernels = KERNEL
    settle(qtbot, window)
    drawn = []
    original = window.canvas.input.set_values
    monkeypatch.setattr(window.canvas.input, "set_values",
                        lambda *args, **kwargs: drawn.append(args) or original(*args, **kwargs))
    window.state.kernels = 2 * KERNEL
    settle(qtbot, window)
    assert drawn == []
    window.state.padding = "same"  # new padding: the padded input is drawn again
    settle(qtbot, window)
    assert len(drawn) == 1 and drawn[0][1].shape == (30, 30)
    window.state.index = 1  # another image
    settle(qtbot, window)
    assert len(drawn) == 2
    np.testing.assert_array_equal(drawn[1][0], window.state.image)
