"""Pipeline, compare and 1-D tabs, copy-as-code and presentation mode, driven through the UI."""

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication
from scipy import signal

from conftest import settle

SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def correlate(image, kernel):
    return signal.correlate2d(image.astype(np.float64), kernel, mode="valid")


def show_tab(qtbot, window, name):
    index = [window.tabs.tabText(i) for i in range(window.tabs.count())].index(name)
    window.tabs.setCurrentIndex(index)
    settle(qtbot, window)


def test_pipeline_row_shows_conv_relu_pool_with_shapes(window, qtbot):
    window.state.kernels = SOBEL_X
    window.state.activation = "relu"
    window.state.pool_mode = "max"
    show_tab(qtbot, window, "Pipeline")
    tab = window.pipeline_tab
    conv = correlate(window.state.image, SOBEL_X)
    np.testing.assert_allclose(tab.board.tile_values(0, 1), conv, atol=1e-4)
    np.testing.assert_allclose(tab.board.tile_values(0, 2), np.maximum(conv, 0), atol=1e-4)
    relu = np.maximum(conv, 0)
    pooled = relu[:26, :26].reshape(13, 2, 13, 2).max(axis=(1, 3))
    np.testing.assert_allclose(tab.board.tile_values(0, 3), pooled, atol=1e-4)
    assert [tile.caption for tile in tab.rows[0]] == ["28×28", "26×26", "26×26", "13×13"]


def test_pipeline_channels_add_up_for_colour_input(window, qtbot):
    window.open_sample("Tiny photos 32x32")
    bank = np.stack([SOBEL_X, SOBEL_X.T, -SOBEL_X], axis=2)
    window.state.kernels = bank
    show_tab(qtbot, window, "Pipeline")
    image = window.state.image.astype(np.float64)
    tab = window.pipeline_tab
    partials = [tab.board.tile_values(1, ch) for ch in range(3)]
    for ch in range(3):
        np.testing.assert_allclose(partials[ch], correlate(image[:, :, ch], bank[:, :, ch]),
                                   atol=1e-3)
    np.testing.assert_allclose(tab.board.tile_values(1, 3), sum(partials), atol=1e-3)


def test_pipeline_contrasts_correlation_and_convolution(window, qtbot):
    kernel = np.arange(9.0).reshape(3, 3)
    window.state.kernels = kernel
    show_tab(qtbot, window, "Pipeline")
    tab = window.pipeline_tab
    image = window.state.image.astype(np.float64)
    last = len(tab.rows) - 1
    np.testing.assert_array_equal(tab.board.tile_values(last, 1), kernel[::-1, ::-1])
    convolution = signal.convolve2d(image, kernel, mode="valid")
    np.testing.assert_allclose(tab.board.tile_values(last, 3), convolution, atol=1e-3)
    np.testing.assert_allclose(tab.board.tile_values(last, 4),
                               convolution - correlate(image, kernel), atol=1e-3)


def test_compare_sobel_x_and_y_gives_gradient_magnitude(window, qtbot):
    window.state.kernels = SOBEL_X
    show_tab(qtbot, window, "Compare")
    tab = window.compare_tab
    assert tab.variant_combo.currentData() == "transpose"
    image = window.state.image
    gx, gy = correlate(image, SOBEL_X), correlate(image, SOBEL_X.T)
    np.testing.assert_allclose(tab.board.tile_values(0, 2), np.hypot(gx, gy), atol=1e-3)
    tab.combine_combo.setCurrentIndex(tab.combine_combo.findData("difference"))
    np.testing.assert_allclose(tab.board.tile_values(0, 2), gx - gy, atol=1e-3)


def test_compare_strides_reports_shapes_that_cannot_be_combined(window, qtbot):
    window.state.kernels = SOBEL_X
    show_tab(qtbot, window, "Compare")
    tab = window.compare_tab
    tab.variant_combo.setCurrentIndex(tab.variant_combo.findData("stride"))
    assert tab.board.tile_values(0, 1).shape == (13, 13)
    assert "different shapes" in tab.message.text()


def test_compare_with_saved_settings(window, qtbot):
    window.state.kernels = SOBEL_X
    show_tab(qtbot, window, "Compare")
    tab = window.compare_tab
    qtbot.mouseClick(tab.save_button, Qt.LeftButton)
    window.state.kernels = 2 * SOBEL_X
    settle(qtbot, window)
    gx = correlate(window.state.image, SOBEL_X)
    np.testing.assert_allclose(tab.board.tile_values(0, 0), 2 * gx, atol=1e-3)  # A: now
    np.testing.assert_allclose(tab.board.tile_values(0, 1), gx, atol=1e-3)      # B: saved


def test_copy_as_code_runs_and_matches_the_view(window, qtbot):
    window.state.kernels = SOBEL_X
    window.state.padding = "same"
    window.state.stride = (2, 1)
    window.state.activation = "abs"
    window.state.index = 4
    settle(qtbot, window)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_C, Qt.ControlModifier | Qt.ShiftModifier)
    code = QApplication.clipboard().text()
    assert "core.conv2d" in code
    namespace = {}
    exec(compile(code, "<copied>", "exec"), namespace)
    output = np.squeeze(namespace["output"])
    np.testing.assert_allclose(output, window.canvas.conv[0].values, atol=1e-4)


def test_one_d_tab_reproduces_the_lesson(window, qtbot):
    show_tab(qtbot, window, "1-D convolution")
    tab = window.conv1d_tab
    tab.set_values([3, 4, 5], [2, 1, 0])
    tab.set_mode("full")
    np.testing.assert_array_equal(tab.walkthrough().output, [6, 11, 14, 5, 0])


def test_presentation_mode_hides_panels_and_restores(window, qtbot):
    assert window.left_dock.isVisible() and window.right_dock.isVisible()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_F11)
    assert window.presentation_action.isChecked()
    assert not window.left_dock.isVisible() and window.right_dock.isVisible()  # kernel stays
    assert window.inspector_dock.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key_F11)
    assert not window.presentation_action.isChecked()
    qtbot.waitUntil(lambda: window.left_dock.isVisible() and window.right_dock.isVisible())
    assert window.styleSheet() == ""


def test_pipeline_follows_the_kernel_being_edited(window, qtbot):
    bank = np.stack([SOBEL_X, SOBEL_X.T], axis=-1)[:, :, None, :]
    window.state.kernels = bank
    show_tab(qtbot, window, "Pipeline")
    window.state.active_kernel = 1
    np.testing.assert_allclose(window.pipeline_tab.board.tile_values(0, 1),
                               correlate(window.state.image, SOBEL_X.T), atol=1e-3)


def test_compare_computes_only_the_shown_kernel_and_reuses_the_main_result(window, qtbot,
                                                                           monkeypatch):
    import convgui.compare_tab as compare_tab

    bank = np.stack([SOBEL_X, SOBEL_X.T, np.ones((3, 3)), -SOBEL_X], axis=-1)[:, :, None, :]
    window.state.kernels = bank
    window.state.active_kernel = 3
    settle(qtbot, window)
    computed = []
    original = compare_tab.run_pipeline
    monkeypatch.setattr(compare_tab, "run_pipeline",
                        lambda images, spec, **kw: computed.append(spec.kernels.shape)
                        or original(images, spec, **kw))
    show_tab(qtbot, window, "Compare")
    tab = window.compare_tab
    image = window.state.image
    # A (current settings) is the main result's map; B (transposed) is one kernel's work.
    np.testing.assert_allclose(tab.board.tile_values(0, 0), correlate(image, -SOBEL_X), atol=1e-3)
    np.testing.assert_allclose(tab.board.tile_values(0, 1), correlate(image, -SOBEL_X.T),
                               atol=1e-3)
    assert computed == [(3, 3, 1, 1)]


def test_pipeline_reuses_the_main_map_for_the_correlation(window, qtbot, monkeypatch):
    import convgui.pipeline_tab as pipeline_tab

    kernel = np.arange(9.0).reshape(3, 3)
    window.state.kernels = kernel
    settle(qtbot, window)
    flips = []
    original = pipeline_tab.convolve
    monkeypatch.setattr(pipeline_tab, "convolve",
                        lambda images, spec, **kw: flips.append(spec.flip)
                        or original(images, spec, **kw))
    show_tab(qtbot, window, "Pipeline")
    assert flips == [True]  # only the true convolution is new work
    last = len(window.pipeline_tab.rows) - 1
    np.testing.assert_allclose(window.pipeline_tab.board.tile_values(last, 2),
                               correlate(window.state.image, kernel), atol=1e-3)
