"""Padding modes, bias and transposed convolution in the window, driven like a person.

Views are compared with numpy.pad plus brute-force loops and a brute-force scatter-add
(``test_core_arithmetic``), never with the window's own code path.
"""

import json

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from convgui import dialogs
from conftest import hover, settle
from test_core_arithmetic import brute_conv, brute_transpose
from test_main_window import type_into_spin

BLUR = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 4


def choose(qtbot, combo, key):
    """Pick the item whose data is ``key`` with the keyboard, as a person would."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == key:
            return
        qtbot.keyClick(combo, Qt.Key_Down)
    assert combo.currentData() == key


def switch_to_transposed(window, qtbot, stride="2", pad="1", output_pad="1"):
    panel = window.operation_panel
    choose(qtbot, panel.operation_combo, "transposed")
    assert window.state.transposed
    type_into_spin(qtbot, panel.stride_h, stride)
    type_into_spin(qtbot, panel.stride_w, stride)
    choose(qtbot, panel.padding_combo, "custom")
    type_into_spin(qtbot, panel.pad_h, pad)
    type_into_spin(qtbot, panel.pad_w, pad)
    type_into_spin(qtbot, panel.output_pad_h, output_pad)
    type_into_spin(qtbot, panel.output_pad_w, output_pad)
    settle(qtbot, window)


def test_transposed_convolution_view_formula_and_stretched_input(window, qtbot):
    window.state.kernels = BLUR
    switch_to_transposed(window, qtbot)
    image = window.state.image.astype(np.float64)
    expected = brute_transpose(image[None], BLUR, 2, 1, 1, 1)[0]
    shown = window.canvas.conv[0].values
    assert shown.shape == (56, 56)
    np.testing.assert_allclose(shown, expected, atol=1e-5)
    assert "Transposed conv 56×56" in window.canvas.conv[0].plot.titleLabel.text
    formula = window.operation_panel.formula.text()
    assert "(28 − 1)·2 − 1 − 1 + (3 − 1) + 1 + 1 = 56" in formula
    # The input is drawn stretched: pixels 2 apart, zeros between, padding d(k-1)-p = 1 on
    # the top/left and 1 + output padding = 2 on the bottom/right.
    stretched = window.canvas.input.values
    assert stretched.shape == (55, 55)
    np.testing.assert_array_equal(stretched[::2, ::2], window.state.image)
    assert not stretched[1::2].any() and not stretched[:, 1::2].any()
    assert window.canvas.input.image_item.image.shape == (58, 58)
    assert "stretched ×2" in window.canvas.input.plot.titleLabel.text
    # 'same'/'full' and the padding mode have no meaning here.
    panel = window.operation_panel
    model = panel.padding_combo.model()
    assert not model.item(panel.padding_combo.findData("same")).isEnabled()
    assert not panel.padding_mode_combo.isVisible() and panel.output_pad_h.isVisible()
    choose(qtbot, panel.operation_combo, "convolution")
    assert panel.padding_mode_combo.isVisible() and not panel.output_pad_h.isVisible()


def test_impossible_output_padding_says_why_in_the_view_and_recovers(window, qtbot):
    window.state.kernels = BLUR
    switch_to_transposed(window, qtbot, output_pad="0")
    before = window.canvas.conv[0].values.copy()
    type_into_spin(qtbot, window.operation_panel.output_pad_h, "2")
    assert "must be smaller than the stride" in window.operation_panel.formula.text()
    qtbot.waitUntil(lambda: "output_padding" in window.statusBar().currentMessage(),
                    timeout=3000)
    assert "output_padding" in window.canvas.notice.text()      # said in the view itself
    assert window.canvas.conv[0].values is None                  # no map of other settings
    type_into_spin(qtbot, window.operation_panel.output_pad_h, "0")
    qtbot.waitUntil(lambda: window.canvas.conv[0].values is not None, timeout=3000)
    np.testing.assert_array_equal(window.canvas.conv[0].values, before)
    assert not window.canvas.notice.isVisible()


def test_hover_on_a_transposed_output_marks_its_window_on_the_stretched_input(window, qtbot):
    window.state.kernels = BLUR
    switch_to_transposed(window, qtbot)
    hover(qtbot, window, window.canvas.conv[0], 20, 25)
    # Output (r, c) reads stretched rows r - 1 .. r + 1 (padding d(k-1) - p = 1), columns alike.
    marked = sorted(window.canvas.input.marked)
    assert marked == [(r, c) for r in range(19, 22) for c in range(24, 27)]
    heading = window.inspector.panel.heading.text()
    assert "[20, 25]" in heading
    assert f"{window.canvas.conv[0].values[20, 25]:.4g}"[:4] in heading


def test_hover_on_an_input_pixel_marks_every_output_it_adds_into(window, qtbot):
    window.state.kernels = BLUR
    switch_to_transposed(window, qtbot)
    y, x = 10, 12
    hover(qtbot, window, window.canvas.input, 2 * y, 2 * x)
    poked = np.zeros((1, 28, 28))
    poked[0, y, x] = 1.0
    touched = brute_transpose(poked, np.ones((3, 3)), 2, 1, 1, 1)[0]
    expected = [tuple(map(int, rc)) for rc in np.argwhere(touched != 0)]
    assert sorted(window.canvas.conv[0].marked) == expected
    assert f"pixel [{y}, {x}] of the image" in window.inspector.panel.heading.text()
    hover(qtbot, window, window.canvas.input, 2 * y + 1, 2 * x)
    assert "an inserted zero" in window.inspector.panel.heading.text()


def test_step_through_walks_the_transposed_output(window, qtbot):
    window.state.kernels = BLUR
    switch_to_transposed(window, qtbot)
    qtbot.mouseClick(window.step_controls.enable_check, Qt.LeftButton)
    window.step_controls.slider.setValue(56 * 3 + 4)  # output row 3, column 4
    assert window.inspector.target == ("conv", 0, 3, 4)
    assert sorted(window.canvas.input.marked) == [(r, c) for r in range(2, 5)
                                                  for c in range(3, 6)]


def test_padding_mode_combo_changes_the_output_and_the_drawn_border(window, qtbot):
    window.state.kernels = BLUR
    window.state.index = 1
    panel = window.operation_panel
    choose(qtbot, panel.padding_combo, "custom")
    type_into_spin(qtbot, panel.pad_h, "2")
    type_into_spin(qtbot, panel.pad_w, "3")
    choose(qtbot, panel.padding_mode_combo, "circular")
    assert window.state.padding_mode == "circular"
    settle(qtbot, window)
    image = window.state.image.astype(np.float64)
    expected = brute_conv(image[None], BLUR, (2, 3), 1, 1, "circular")[0]
    np.testing.assert_allclose(window.canvas.conv[0].values, expected, atol=1e-5)
    drawn = window.canvas.input.image_item.image
    np.testing.assert_array_equal(drawn, np.pad(window.state.image, ((2, 2), (3, 3)), "wrap"))
    assert "circular padding" in window.canvas.input.plot.titleLabel.text


def test_bias_typed_for_each_kernel_of_a_bank(window, qtbot):
    window.state.kernels = np.stack([BLUR, -BLUR], axis=2)[:, :, None, :]
    panel = window.operation_panel
    window.state.active_kernel = 1
    assert panel.bias_label.text() == "Bias (K2)"
    type_into_spin(qtbot, panel.bias_spin, "-0.5")
    assert window.state.bias == (0.0, -0.5)
    choose(qtbot, panel.activation_combo, "relu")
    settle(qtbot, window)
    image = window.state.image.astype(np.float64)
    plain = brute_conv(image[None], BLUR, "valid", 1, 1, "zeros")[0]
    np.testing.assert_allclose(window.canvas.conv[0].values, np.maximum(plain, 0), atol=1e-5)
    np.testing.assert_allclose(window.canvas.conv[1].values, np.maximum(-plain - 0.5, 0),
                               atol=1e-5)
    window.state.active_kernel = 0
    assert panel.bias_spin.value() == 0.0


def test_new_settings_survive_a_restart_and_go_into_exports_and_code(make_window, qtbot,
                                                                      tmp_path, monkeypatch):
    first = make_window()
    first.state.kernels = BLUR
    switch_to_transposed(first, qtbot)
    first.state.bias = (0.25,)
    settle(qtbot, first)
    target = tmp_path / "maps.npz"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    first.exports.arrays_action.trigger()
    image = first.state.image.astype(np.float64)
    expected = brute_transpose(image[None], BLUR, 2, 1, 1, 1)[0] + 0.25
    with np.load(target, allow_pickle=False) as saved:
        np.testing.assert_allclose(saved["conv"][:, :, 0], expected, atol=1e-12)
        settings = json.loads(str(saved["settings"]))
    assert settings["transposed"] is True and settings["output_padding"] == [1, 1]
    assert settings["bias"] == [0.25] and settings["padding_mode"] == "zeros"
    first.copy_as_code()
    namespace = {"images": first.state.image[None]}
    exec(QApplication.clipboard().text(), namespace)
    np.testing.assert_allclose(namespace["output"][0], expected, atol=1e-12)
    first.close()
    second = make_window(restore=True)
    state = second.state
    assert state.transposed and state.stride == (2, 2) and state.output_padding == (1, 1)
    assert state.bias == (0.25,)
    assert second.operation_panel.operation_combo.currentData() == "transposed"


def test_f1_explains_transposed_convolution_and_that_it_is_not_an_inverse(window, qtbot):
    qtbot.keyClick(window.canvas, Qt.Key_F1)
    text = window._help.toPlainText()
    assert "Transposed convolution" in text and "not an inverse" in text
    assert "Padding mode" in text and "Bias" in text
    window._help.close()


def test_pipeline_tab_breaks_down_a_transposed_convolution_with_bias(window, qtbot):
    from test_teaching_tabs import show_tab

    window.open_sample("Tiny photos 32x32")
    rng = np.random.default_rng(11)
    bank = rng.normal(size=(3, 3, 3))
    window.state.kernels = bank
    window.state.transposed = True
    window.state.stride = (2, 2)
    window.state.bias = (0.5,)
    show_tab(qtbot, window, "Pipeline")
    board = window.pipeline_tab.board
    image = window.state.image.astype(np.float64)
    partials = [board.tile_values(1, ch) for ch in range(3)]
    for ch in range(3):
        expected = brute_transpose(image[None, :, :, ch], bank[:, :, ch], 2, 0, 0, 1)[0]
        np.testing.assert_allclose(partials[ch], expected, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(board.tile_values(1, 3), sum(partials) + 0.5, rtol=1e-4,
                               atol=1e-2)
    assert board.tile_values(1, 3).shape == (65, 65)
