"""No stale view: every counter, read-out, picker and message follows the current state and
result; a compute error clears the maps with the reason in the view; NaN/inf never black out
the other images."""

import numpy as np
import pytest

from conftest import hover, settle


def _open_array(window, tmp_path, images, name="data.npy"):
    path = tmp_path / name
    np.save(path, images)
    window.open_path(str(path))
    return path


def test_opening_another_dataset_ends_step_through_and_its_counter(window, qtbot):
    window.open_sample("Camera man")
    settle(qtbot, window)
    window.step_controls.enable_check.click()
    window.stepper.seek(9)
    assert "step 10 / " in window.step_controls.where.text()
    window.open_sample("MNIST digits")
    settle(qtbot, window)
    assert not window.stepper.active and window.step_controls.where.text() == ""
    window.stepper.seek(0)                      # a seek while off writes no counter either
    assert window.step_controls.where.text() == ""


def test_the_readout_follows_the_image_under_the_mouse(window, qtbot):
    settle(qtbot, window)
    hover(qtbot, window, window.canvas.input, 14, 14)
    first = float(window.state.image[14, 14])
    assert window.status_readout.label.text().endswith(f"= {first:.5g}")
    window.state.index = 7
    settle(qtbot, window)
    now = float(window.state.image[14, 14])
    assert now != first
    assert window.status_readout.label.text().endswith(f"= {now:.5g}")
    window.open_sample("Tiny photos 32x32")
    assert window.status_readout.label.text() == ""


def test_the_readout_of_a_padded_input_names_the_pixel_under_the_mouse(make_window, qtbot):
    window = make_window(first_lesson=True)            # 'same' padding: one pixel all round
    settle(qtbot, window)
    image = np.asarray(window.state.image, dtype=np.float64)
    for row, col in ((11, 11), (10, 10), (27, 27), (0, 5)):
        hover(qtbot, window, window.canvas.input, row, col)
        assert window.status_readout.label.text() == f"input [{row}, {col}] = {image[row, col]:.5g}"
    hover(qtbot, window, window.canvas.input, -1, -1)  # the zero padding reads 0
    assert window.status_readout.label.text() == "input [-1, -1] = 0"


def test_the_channel_picker_goes_away_for_grayscale_data(window, qtbot):
    window.open_sample("Tiny photos 32x32")
    settle(qtbot, window)
    window.inspector.pinned = True
    window.inspector.inspect("conv", 0, 3, 3)
    assert window.inspector_panel.channel_combo.isVisibleTo(window.inspector_panel)
    window.open_sample("MNIST digits")
    settle(qtbot, window)
    assert not window.inspector_panel.channel_combo.isVisibleTo(window.inspector_panel)


def test_a_hint_about_a_kernel_goes_with_undo(window, qtbot):
    editor = window.kernel_editor
    window.state.kernels = np.array([[1.0, 0, -1]] * 3)
    window.history.clear()
    window.state.kernels = np.array([[1.0, 0, -1]] * 3) * 2
    editor.buttons["normalise"].click()                       # sums to 0: cannot normalise
    assert editor.hint_label.isVisibleTo(editor) and "sum to 0" in editor.hint_label.text()
    window.undo_action.trigger()
    np.testing.assert_array_equal(window.state.kernel_2d, [[1.0, 0, -1]] * 3)
    assert not editor.hint_label.isVisibleTo(editor)


def test_a_compute_error_clears_the_maps_says_why_and_the_next_image_recovers(
        window, qtbot, tmp_path):
    images = np.random.default_rng(1).uniform(0, 1, (3, 12, 12)).astype(np.float32)
    images[0, 4, 4] = np.nan
    images[1, 2, 3] = np.inf
    _open_array(window, tmp_path, images)
    qtbot.waitUntil(lambda: window.computation.failure is not None)
    notice = window.canvas.notice
    assert notice.isVisible() and "NaN or infinity" in notice.text()
    assert "Cannot compute" in window.caption.text()
    assert all(plot.values is None and plot.image_item.image is None
               for plot in window.canvas.conv)              # the old digit's maps are gone
    np.testing.assert_array_equal(window.canvas.input.values, images[0])
    assert window.canvas.input.hole_count == 1               # the NaN drawn in magenta
    window.state.index = 1                                    # names the image shown
    qtbot.waitUntil(lambda: "image #1 has NaN" in (window.computation.failure or ""))
    assert "image #1" in notice.text()
    window.state.index = 2                                    # a good image
    settle(qtbot, window)
    assert not notice.isVisible() and window.computation.failure is None
    assert window.canvas.conv[0].values is not None
    assert "Cannot compute" not in window.caption.text()


def test_nan_and_inf_images_do_not_black_out_the_others(window, qtbot, tmp_path):
    rng = np.random.default_rng(2)
    images = rng.uniform(0, 1, (4, 10, 10)).astype(np.float32)
    images[0, 0, 0] = np.inf
    images[1, :, :] = np.nan
    _open_array(window, tmp_path, images)
    window.state.index = 3
    settle(qtbot, window)
    assert window.state.value_range == (0.0, 1.0)
    levels = tuple(window.canvas.input.image_item.getLevels())
    assert levels == (0.0, 1.0)                               # not (0, inf)
    window.state.kernels = np.ones((1, 1))
    settle(qtbot, window)
    conv = window.canvas.conv[0]
    low, high = conv.image_item.getLevels()
    assert low == pytest.approx(images[3].min()) and high == pytest.approx(images[3].max())
