"""The explorer window driven like a person: keys, clicks, typing, dropping files, exporting.

Every check compares what the window shows with an independent computation (a brute-force loop
or SciPy), never with the window's own code path.
"""

import json

import numpy as np
import pytest
from PyQt5.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt5.QtGui import QDropEvent, QImage
from scipy import signal

from convgui import dialogs
from conftest import hover, settle

EDGE = np.array([[1.0, 0.0, -1.0]] * 3)


def brute_conv(image, kernel, pads=((0, 0), (0, 0)), stride=(1, 1)):
    """Cross-correlation of one (h, w) image by explicit loops."""
    padded = np.pad(image.astype(np.float64), pads)
    kh, kw = kernel.shape
    oh = (padded.shape[0] - kh) // stride[0] + 1
    ow = (padded.shape[1] - kw) // stride[1] + 1
    out = np.zeros((oh, ow))
    for r in range(oh):
        for c in range(ow):
            patch = padded[r * stride[0]:r * stride[0] + kh, c * stride[1]:c * stride[1] + kw]
            out[r, c] = np.sum(patch * kernel)
    return out


def brute_max_pool(values, size, stride):
    oh = (values.shape[0] - size) // stride + 1
    ow = (values.shape[1] - size) // stride + 1
    return np.array([[values[r * stride:r * stride + size, c * stride:c * stride + size].max()
                      for c in range(ow)] for r in range(oh)])


def shown_conv(window, k=0):
    return window.canvas.conv[k].values


def type_into_spin(qtbot, spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key_Enter)


def test_opens_on_the_mnist_sample_with_labels(window):
    dataset = window.state.dataset
    assert dataset.images.shape[1:] == (28, 28)
    assert len(dataset.images) >= 100
    assert window.data_panel.label_value.text() != "—"
    assert window.canvas.input.values.shape == (28, 28)
    assert "28×28" in window.canvas.input.plot.titleLabel.text


def test_output_view_equals_brute_force_for_the_assignment_kernel(window, qtbot):
    window.state.kernels = EDGE
    window.computation.compute_now()
    image = window.state.image
    np.testing.assert_allclose(shown_conv(window)[:, :, ], brute_conv(image, EDGE)[:, :],
                               atol=1e-5)
    assert "26×26" in window.canvas.conv[0].plot.titleLabel.text


def test_choosing_same_padding_in_the_combo_keeps_the_size(window, qtbot):
    window.state.kernels = EDGE
    combo = window.operation_panel.padding_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Down)  # valid -> same
    assert window.state.padding == "same"
    settle(qtbot, window)
    assert shown_conv(window).shape == (28, 28)
    expected = brute_conv(window.state.image, EDGE, ((1, 1), (1, 1)))
    np.testing.assert_allclose(shown_conv(window), expected, atol=1e-5)


def test_typing_a_stride_updates_state_formula_and_output(window, qtbot):
    window.state.kernels = EDGE
    window.state.padding = "same"
    type_into_spin(qtbot, window.operation_panel.stride_h, "2")
    type_into_spin(qtbot, window.operation_panel.stride_w, "2")
    assert window.state.stride == (2, 2)
    assert "⌊(28 + 0 + 1 − 3) / 2⌋ + 1 = 14" in window.operation_panel.formula.text()
    settle(qtbot, window)
    assert shown_conv(window).shape == (14, 14)
    # TensorFlow SAME for h=28, k=3, s=2: total padding 1, all of it at the bottom/right.
    expected = brute_conv(window.state.image, EDGE, ((0, 1), (0, 1)), (2, 2))
    np.testing.assert_allclose(shown_conv(window), expected, atol=1e-5)


def test_state_changes_show_in_the_controls(window):
    panel = window.operation_panel
    window.state.stride = (3, 2)
    window.state.padding = (2, 4)
    window.state.pool_mode = "avg"
    window.state.flip = True
    assert (panel.stride_h.value(), panel.stride_w.value()) == (3, 2)
    assert panel.padding_combo.currentData() == "custom"
    assert (panel.pad_h.value(), panel.pad_w.value()) == (2, 4)
    assert panel.pad_h.isEnabled()
    assert panel.pool_combo.currentData() == "avg"
    assert panel.flip_check.isChecked()


def test_custom_padding_typed_by_the_user(window, qtbot):
    window.state.kernels = EDGE
    panel = window.operation_panel
    panel.padding_combo.setCurrentIndex(panel.padding_combo.findData("custom"))
    type_into_spin(qtbot, panel.pad_h, "2")
    type_into_spin(qtbot, panel.pad_w, "4")
    assert window.state.padding == (2, 4)
    settle(qtbot, window)
    assert shown_conv(window).shape == (30, 34)
    np.testing.assert_allclose(shown_conv(window),
                               brute_conv(window.state.image, EDGE, ((2, 2), (4, 4))), atol=1e-5)


def test_flip_checkbox_gives_true_convolution(window, qtbot):
    kernel = np.arange(9.0).reshape(3, 3) - 4
    window.state.kernels = kernel
    qtbot.mouseClick(window.operation_panel.flip_check, Qt.LeftButton)
    assert window.state.flip is True
    settle(qtbot, window)
    expected = signal.convolve2d(window.state.image.astype(np.float64), kernel, mode="valid")
    np.testing.assert_allclose(shown_conv(window), expected, atol=1e-5)


def test_max_pooling_shows_the_pooled_map_beside_the_conv_map(window, qtbot):
    window.state.kernels = EDGE
    combo = window.operation_panel.pool_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Down)  # off -> max
    assert window.state.pool_mode == "max"
    settle(qtbot, window)
    assert len(window.canvas.pooled) == 1
    conv = brute_conv(window.state.image, EDGE)
    np.testing.assert_allclose(window.canvas.pooled[0].values, brute_max_pool(conv, 2, 2),
                               atol=1e-5)
    assert "13×13" in window.canvas.pooled[0].plot.titleLabel.text


def test_relu_activation(window, qtbot):
    window.state.kernels = EDGE
    combo = window.operation_panel.activation_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Down)  # none -> relu
    assert window.state.activation == "relu"
    settle(qtbot, window)
    expected = np.maximum(brute_conv(window.state.image, EDGE), 0)
    np.testing.assert_allclose(shown_conv(window), expected, atol=1e-5)
    # The map's title names the activation as people read it, not by its key.
    assert "Conv → ReLU 26×26" in window.canvas.conv[0].plot.titleLabel.text


def test_kernel_bank_gives_one_map_per_kernel(window, qtbot):
    bank = np.stack([EDGE, EDGE.T, np.ones((3, 3)) / 9], axis=-1)[:, :, None, :]
    window.state.kernels = bank
    settle(qtbot, window)
    assert len(window.canvas.conv) == 3
    for k in range(3):
        np.testing.assert_allclose(shown_conv(window, k),
                                   brute_conv(window.state.image, bank[:, :, 0, k]), atol=1e-5)


def test_arrow_keys_browse_images(window, qtbot):
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert window.state.index == 2
    assert window.data_panel.index_spin.value() == 2
    settle(qtbot, window)
    np.testing.assert_array_equal(window.canvas.input.values, window.state.dataset.images[2])
    qtbot.keyClick(window.canvas, Qt.Key_Left)
    assert window.state.index == 1
    qtbot.keyClick(window.canvas, Qt.Key_Left)
    qtbot.keyClick(window.canvas, Qt.Key_Left)
    assert window.state.index == len(window.state.dataset.images) - 1  # wraps around


def test_slider_and_label_follow_the_index(window):
    window.data_panel.index_slider.setValue(5)
    assert window.state.index == 5
    labels = window.state.dataset.labels
    assert window.data_panel.label_value.text() == f"<b>{int(labels[5])}</b>"


def test_undo_and_redo_of_settings(window, qtbot):
    type_into_spin(qtbot, window.operation_panel.stride_h, "3")
    window.state.kernels = EDGE
    assert window.undo_action.isEnabled()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert window.state.kernels.shape[:2] == (1, 1)
    assert window.state.stride == (3, 1)
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert window.state.stride == (1, 1)
    assert window.operation_panel.stride_h.value() == 1
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.state.stride == (3, 1)
    qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    np.testing.assert_array_equal(window.state.kernel_2d, EDGE)


def test_ctrl_o_opens_a_seed_layout_npz(window, qtbot, tmp_path, monkeypatch):
    images = np.random.default_rng(1).random((6, 20, 24))
    path = tmp_path / "MNIST.npz"
    np.savez(path, X_train=images, Y_train=np.arange(6), X_test=images[:2])
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: str(path))
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_O, Qt.ControlModifier)
    assert window.state.dataset.images.shape == (6, 20, 24)
    settle(qtbot, window)
    np.testing.assert_array_equal(window.canvas.input.values, images[0])
    combo = window.data_panel.array_combo
    assert combo.isEnabled()
    combo.setCurrentIndex(combo.findData("X_test"))
    combo.activated.emit(combo.currentIndex())
    assert window.state.dataset.images.shape == (2, 20, 24)


def test_a_corrupt_file_shows_an_error_and_keeps_the_dataset(window, errors, tmp_path,
                                                            monkeypatch):
    before = window.state.dataset
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file")
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: str(bad))
    window.open_action.trigger()
    assert len(errors) == 1
    assert "broken.npz" in errors[0][1]
    assert window.state.dataset is before


def test_dropping_an_image_file_opens_it(window, qtbot, tmp_path):
    pixels = np.zeros((12, 16, 3), np.uint8)
    pixels[3:9, 4:12] = (200, 40, 10)
    image = QImage(pixels.data, 16, 12, 48, QImage.Format_RGB888).copy()
    path = tmp_path / "drawing.png"
    assert image.save(str(path))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(200, 200), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.state.dataset.images.shape == (1, 12, 16, 3))
    np.testing.assert_array_equal(window.state.dataset.images[0], pixels)
    # The kernel follows the data: one weight grid per colour channel.
    assert window.state.kernels.shape[2] == 3


def test_opening_as_grayscale_converts_colour_images(window, tmp_path):
    pixels = np.zeros((4, 6, 3), np.uint8)
    pixels[..., 0] = 200  # pure red
    path = tmp_path / "red.npy"
    np.save(path, pixels[None])
    window.grayscale_action.trigger()
    assert window.grayscale_action.isChecked()
    window.open_path(str(path))
    images = window.state.dataset.images
    assert images.shape == (1, 4, 6)
    # ITU-R BT.601 luma of pure red 200: 0.299 * 200 = 59.8
    assert abs(float(images[0, 0, 0]) - 0.299 * 200) <= 1
    assert window.state.kernels.shape[2] == 1


def test_export_feature_maps_png_matches_the_view(window, qtbot, tmp_path, monkeypatch):
    window.state.kernels = EDGE
    window.computation.compute_now()
    target = tmp_path / "edges.png"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_E, Qt.ControlModifier)
    saved = QImage(str(target)).convertToFormat(QImage.Format_RGB888)
    assert (saved.width(), saved.height()) == (26, 26)
    gray = np.frombuffer(saved.constBits().asstring(saved.byteCount()), np.uint8)
    gray = gray.reshape(26, saved.bytesPerLine())[:, :78].reshape(26, 26, 3)[:, :, 0]
    conv = brute_conv(window.state.image, EDGE)
    expected = np.rint((conv - conv.min()) / (conv.max() - conv.min()) * 255)
    assert np.abs(gray.astype(int) - expected).max() <= 1
    assert list(tmp_path.iterdir()) == [target]


def test_export_enlarged_png_uses_nearest_neighbour_blocks(window, qtbot, tmp_path,
                                                           monkeypatch):
    window.state.kernels = EDGE
    target = tmp_path / "big.png"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.exports.big_action.trigger()
    saved = QImage(str(target))
    assert (saved.width(), saved.height()) == (26 * 8, 26 * 8)
    assert saved.pixel(0, 0) == saved.pixel(7, 7)


def test_export_to_a_missing_folder_reports_and_writes_nothing(window, errors, tmp_path,
                                                               monkeypatch):
    target = tmp_path / "no_such_folder" / "maps.png"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.exports.maps_action.trigger()
    assert len(errors) == 1 and "Nothing was written" in errors[0][1]
    assert list(tmp_path.iterdir()) == []


def test_export_arrays_npz_round_trip(window, tmp_path, monkeypatch):
    window.state.kernels = EDGE
    window.state.padding = "same"
    window.state.pool_mode = "max"
    window.computation.compute_now()
    target = tmp_path / "maps.npz"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.exports.arrays_action.trigger()
    with np.load(target, allow_pickle=False) as saved:
        conv = brute_conv(window.state.image, EDGE, ((1, 1), (1, 1)))
        np.testing.assert_allclose(saved["conv"][:, :, 0], conv, atol=1e-12)
        np.testing.assert_allclose(saved["pooled"][:, :, 0], brute_max_pool(conv, 2, 2),
                                   atol=1e-12)
        np.testing.assert_array_equal(saved["input"], window.state.image)
        settings = json.loads(str(saved["settings"]))
    assert settings["padding"] == "same" and settings["pool_mode"] == "max"


def test_export_kernel_json_round_trip(window, tmp_path, monkeypatch):
    from core.kernels import load_kernel

    window.state.kernels = EDGE
    target = tmp_path / "k.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.exports.kernel_action.trigger()
    np.testing.assert_array_equal(np.squeeze(load_kernel(target)), EDGE)


def test_colormap_and_mapping_choices(window):
    window.state.kernels = EDGE
    window.computation.compute_now()
    panel = window.display_panel
    panel.mapping_combo.setCurrentIndex(panel.mapping_combo.findData("symmetric"))
    assert window.state.mapping == "symmetric"
    low, high = window.canvas.conv[0].image_item.getLevels()
    bound = np.abs(brute_conv(window.state.image, EDGE)).max()
    assert low == pytest.approx(-bound, rel=1e-5) and high == pytest.approx(bound, rel=1e-5)
    panel.mapping_combo.setCurrentIndex(panel.mapping_combo.findData("abs"))
    assert window.canvas.conv[0].image_item.image.min() >= 0
    window.state.colormap = "diverging"
    assert panel.colormap_combo.currentData() == "diverging"


def test_hovering_an_output_pixel_shows_its_value(window, qtbot):
    window.state.kernels = EDGE
    window.computation.compute_now()
    hover(qtbot, window, window.canvas.conv[0], 7, 5)
    expected = brute_conv(window.state.image, EDGE)[7, 5]
    qtbot.waitUntil(lambda: "conv K1 [7, 5]" in window.status_readout.label.text())
    assert f"{expected:.5g}" in window.status_readout.label.text()


def test_a_kernel_too_large_for_the_image_keeps_the_last_result(window, qtbot):
    window.state.kernels = EDGE
    window.computation.compute_now()
    good = window.computation.latest
    with qtbot.waitSignal(window.computation.failed, timeout=2000) as blocker:
        window.state.stride = (1, 1)
        window.state.kernels = np.ones((15, 15))
        window.state.dilation = (3, 3)
    assert "larger than the padded image" in blocker.args[0]
    assert window.computation.latest is good


def test_large_photos_are_computed_in_the_background(window, qtbot):
    window.open_sample("Chelsea the cat")
    window.state.padding = "same"
    with qtbot.waitSignal(window.computation.resultReady, timeout=10000):
        window.state.kernels = np.ones((9, 9, 3, 3)) / 243
    assert window.computation.latest.image.shape[2] == 3
    assert len(window.canvas.conv) == 3


def test_f1_shows_the_concepts(window, qtbot):
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_F1)
    helper = window._help
    assert helper.isVisible()
    assert "Padding" in helper.toPlainText() and "Stride" in helper.toPlainText()
    helper.close()


def test_settings_are_restored_on_the_next_start(make_window):
    first = make_window()
    first.open_sample("Tiny photos 32x32")
    first.state.index = 3
    first.state.stride = (2, 2)
    first.state.padding = "same"
    first.close()
    second = make_window(restore=True)
    assert second.state.dataset.name == first.state.dataset.name
    assert second.state.index == 3
    assert second.state.stride == (2, 2) and second.state.padding == "same"
    assert second.state.kernels.shape[2] == 3


def test_keys_reach_the_kernel_grid_when_it_has_focus(window, qtbot):
    window.state.kernels = np.ones((3, 3))
    grid = window.kernel_editor.grid
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key_R)  # the editor's "random kernel"
    assert not np.all(window.state.kernel_2d == 1)
    qtbot.keyClick(grid, Qt.Key_Right)  # moves between cells, does not change the image
    assert window.state.index == 0
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_R, Qt.ControlModifier)
    assert window.state.index != 0


def test_status_does_not_stay_on_computing_after_a_failed_background_job(window, qtbot):
    window.computation.sync_limit = 0          # every computation goes to the thread pool
    with qtbot.waitSignal(window.computation.failed, timeout=5000):
        window.state.kernels = np.ones((15, 15))
        window.state.dilation = (3, 3)         # 43x43 effective: larger than a 28x28 digit
    qtbot.waitUntil(lambda: not window.computation._runner.is_busy(), timeout=5000)
    qtbot.wait(20)
    assert window.status_readout.timing.text() != "computing…"
    assert "Cannot compute" in window.statusBar().currentMessage()


def test_opening_in_the_background_shows_busy_then_the_dataset(qtbot, tmp_path):
    from PyQt5.QtWidgets import QApplication

    images = np.arange(3 * 5 * 7, dtype=np.float32).reshape(3, 5, 7)
    path = tmp_path / "three.npy"
    np.save(path, images)
    from conftest import background_window

    window, busy_cursor = background_window(qtbot)
    with qtbot.waitSignal(window.state.datasetChanged, timeout=10_000):
        window.open_path(str(path))
    qtbot.waitUntil(lambda: not window.loader.is_busy(), timeout=5000)
    assert busy_cursor[0] is True                      # busy cursor while reading
    assert QApplication.overrideCursor() is None       # and gone afterwards
    np.testing.assert_array_equal(window.state.dataset.images, images)


def test_a_failed_background_open_keeps_the_dataset_and_clears_busy(qtbot, tmp_path, errors):
    from PyQt5.QtWidgets import QApplication

    from convgui.main_window import MainWindow

    window = MainWindow(restore=False, load_in_background=True)
    qtbot.addWidget(window)
    before = window.state.dataset
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not an archive")
    window.open_path(str(bad))
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not window.loader.is_busy(), timeout=5000)
    assert window.state.dataset is before
    assert QApplication.overrideCursor() is None
    assert "broken.npz" in errors[0][-1]
