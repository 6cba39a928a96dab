"""The layer stack in the window: add and select layers by clicking, edit a deep layer's kernel,
hover a deep pixel, undo, remember, and a bad stack that keeps the last result."""

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt
from scipy.signal import correlate2d

from convgui.pixel_ref import Spot
from tests.conftest import settle

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _two_layers(qtbot, window):
    """Layer 1: Sobel x, ReLU, max pool 2; then a layer added with the strip's button."""
    state = window.state
    state.kernels = SOBEL_X
    state.activation = "relu"
    state.pool_mode = "max"
    qtbot.mouseClick(window.layer_strip.add_button, Qt.LeftButton)
    settle(qtbot, window)
    return state


def _layer_one_by_hand(image):
    conv = np.maximum(correlate2d(image, SOBEL_X, mode="valid"), 0)
    h, w = conv.shape[0] // 2 * 2, conv.shape[1] // 2 * 2
    return conv[:h, :w].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


def _type_weight(qtbot, editor, row, col, text):
    line = editor.grid.edit_cell(row, col)
    line.clear()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key_Return)


def test_add_select_and_edit_a_deep_layer(window, qtbot):
    state = _two_layers(qtbot, window)
    strip = window.layer_strip
    assert state.layer_count == 2 and state.selected_layer == 1
    assert strip.buttons[1].isVisible() and strip.buttons[1].isChecked()
    assert window.tabs.currentWidget() is window.layers_tab
    image = np.asarray(state.image, dtype=np.float64)
    layer_one = _layer_one_by_hand(image)
    view = window.computation.latest
    np.testing.assert_allclose(view.stack[0].final[0, :, :, 0], layer_one, atol=1e-4)
    before_one = window.layers_tab.board.maps_of(0, "pooled")[0].values.copy()

    # Layer 2's kernel, typed into the editor: only the centre weight, 2.
    assert state.kernels.shape == (3, 3, 1, 1)
    for row in range(3):
        for col in range(3):
            _type_weight(qtbot, window.kernel_editor, row, col, "2" if (row, col) == (1, 1)
                         else "0")
    settle(qtbot, window)
    padded = np.pad(layer_one, 1)  # the added layer keeps the size ("same")
    expected = np.maximum(correlate2d(padded, np.pad([[2.0]], 1), mode="valid"), 0)
    shown = window.layers_tab.board.maps_of(1, "conv")[0].values
    np.testing.assert_allclose(shown, expected, atol=1e-4)
    np.testing.assert_array_equal(window.layers_tab.board.maps_of(0, "pooled")[0].values,
                                  before_one)
    # Layer 1 kept its own kernel; selecting it by clicking brings it back into the editor.
    qtbot.mouseClick(strip.buttons[0], Qt.LeftButton)
    np.testing.assert_array_equal(state.kernels[:, :, 0, 0], SOBEL_X)
    assert state.pool_mode == "max" and "Editing layer 1 of 2" in strip.summary.text()
    qtbot.mouseClick(strip.buttons[1], Qt.LeftButton)
    np.testing.assert_array_equal(state.kernels[:, :, 0, 0], np.pad([[2.0]], 1))


def test_hovering_a_layer_two_pixel_outlines_its_input_field(window, qtbot):
    state = _two_layers(qtbot, window)
    tab = window.layers_tab
    assert tab.isVisible()
    board = tab.board
    spot = Spot(1, "conv", 0, 4, 6)
    for _ in range(20):
        scene = board.scene_pos_of(spot)
        pos = board.mapFromScene(scene)
        qtbot.mouseMove(board.viewport(), QPoint(pos.x(), pos.y()))
        if board._last_spot == spot:
            break
        qtbot.mouseMove(board.viewport(), QPoint(1, 1))
        qtbot.wait(20)
    assert board._last_spot == spot
    # By hand: conv 3 (r 3, j 1), max pool 2 (r 4, j 2), conv 3 with padding 1 (r 4 + 2·2 = 8,
    # start −1·2 = −2): row 4 sees input rows 4·2 − 2 = 6 … 13, col 6 sees cols 10 … 17.
    input_map = board.maps_of(-1, "input")[0]
    rects = [item.rect() for item in board.marks]
    outline = [(r.top() - input_map.top, r.left() - input_map.left, r.height(), r.width())
               for r in rects if r.left() < input_map.values.shape[1]]
    assert (6, 10, 8, 8) in outline
    text = tab.field.text()
    assert "input rows 6…13, cols 10…17" in text and "r = 8×8" in text and "j = 2×2" in text
    assert "4 + (3 − 1)·2 = <b>8</b>" in text
    # The inspector explains the pixel over the maps of layer 1, and where those come from.
    panel = window.inspector_panel
    assert "Layer 2 K1 conv [4, 6]" in panel.heading.text()
    assert ("Reads L1 pool rows 3…5, cols 5…7 ← L1 conv rows 6…11, cols 10…15 ← input rows "
            "6…13, cols 10…17") in panel.formula.text()
    # A click pins the pixel (moving away keeps it); Esc releases it.
    qtbot.mouseClick(board.viewport(), Qt.LeftButton, pos=QPoint(pos.x(), pos.y()))
    assert tab.pinned == spot and "pinned" in panel.heading.text()
    qtbot.mouseMove(board.viewport(), QPoint(2, 2))
    assert tab.pinned == spot and "r = 8×8" in tab.field.text()
    window.unpin_action.trigger()
    assert tab.pinned is None
    assert state.layer_count == 2


def test_undo_redo_of_adding_and_selecting(window, qtbot):
    state = _two_layers(qtbot, window)
    state.select_layer(0)
    window.history.undo()
    assert state.selected_layer == 1 and state.layer_count == 2
    assert state.kernels.shape == (3, 3, 1, 1)
    window.history.undo()  # the added layer goes, in one step
    assert state.layer_count == 1 and state.selected_layer == 0
    np.testing.assert_array_equal(state.kernels[:, :, 0, 0], SOBEL_X)
    window.history.redo()
    assert state.layer_count == 2 and state.selected_layer == 1


def test_channel_mismatch_gives_a_message_and_keeps_the_last_result(window, qtbot):
    state = _two_layers(qtbot, window)
    good = window.computation.latest
    qtbot.mouseClick(window.layer_strip.buttons[0], Qt.LeftButton)
    settle(qtbot, window)
    good = window.computation.latest
    # A second kernel in layer 1 makes 2 maps, but layer 2's kernels read 1.
    qtbot.mouseClick(window.kernel_editor.buttons["add"], Qt.LeftButton)
    qtbot.wait(50)
    assert state.kernels.shape[3] == 2
    assert window.computation.latest is good
    message = window.statusBar().currentMessage()
    assert "layer 2's kernels have 1 channel(s)" in message and "2 maps of layer 1" in message
    window.tabs.setCurrentWidget(window.layers_tab)
    assert window.layers_tab.problem.isVisibleTo(window.layers_tab)
    assert "layer 2" in window.layers_tab.problem.text()
    # Removing layer 1 instead leaves a stack that fits: layer 2 now reads the image.
    window.history.undo()
    settle(qtbot, window)
    qtbot.mouseClick(window.layer_strip.remove_button, Qt.LeftButton)
    settle(qtbot, window)
    assert state.layer_count == 1 and state.kernels.shape == (3, 3, 1, 1)


def test_the_stack_is_remembered(make_window, qtbot):
    first = make_window()
    state = _two_layers(qtbot, first)
    state.stride = (2, 2)
    qtbot.mouseClick(first.layer_strip.add_button, Qt.LeftButton)
    state.select_layer(1)
    expected = state.stack()
    first.close()
    second = make_window(restore=True)
    assert second.state.layer_count == 3 and second.state.selected_layer == 1
    for got, want in zip(second.state.stack(), expected):
        np.testing.assert_array_equal(got.kernels, want.kernels)
        assert (got.stride, got.padding, got.pool_mode) == (want.stride, want.padding,
                                                            want.pool_mode)
    assert second.state.stride == (2, 2)
    assert [b.isVisible() for b in second.layer_strip.buttons] == [True, True, True, False]


def test_the_strip_says_when_no_layer_can_be_added_or_removed(window, qtbot, errors):
    strip = window.layer_strip
    assert not strip.remove_button.isEnabled()
    for _ in range(3):
        qtbot.mouseClick(strip.add_button, Qt.LeftButton)
    assert window.state.layer_count == 4 and not strip.add_button.isEnabled()
    strip.add_layer()
    assert errors and "most layers" in errors[-1][1]
    assert window.state.layer_count == 4


@pytest.mark.parametrize("selected", [0, 1])
def test_the_feature_maps_tab_shows_the_selected_layer(window, qtbot, selected):
    state = _two_layers(qtbot, window)
    state.select_layer(selected)
    settle(qtbot, window)
    view = window.computation.latest
    assert view.layer == selected
    expected = view.stack[selected].activated[0, :, :, 0]
    np.testing.assert_array_equal(window.canvas.conv[0].values, expected)
    if selected:  # its input is layer 1's output
        np.testing.assert_array_equal(window.canvas.input.values,
                                      view.stack[0].final[0, :, :, 0])
        window.tabs.setCurrentWidget(window.pipeline_tab)
        qtbot.waitUntil(lambda: bool(window.pipeline_tab.board.plots), timeout=5000)
        assert window.pipeline_tab.board.tile_title(0, 0).startswith("Input M1 (layer 1)")
        np.testing.assert_array_equal(window.pipeline_tab.board.tile_values(0, 0),
                                      view.stack[0].final[0, :, :, 0])


def test_training_starts_from_the_stack_and_opens_a_deep_layer_in_the_editor(window, qtbot):
    state = _two_layers(qtbot, window)
    window.train_action.trigger()
    panel = window.training_panel
    qtbot.waitExposed(panel)
    panel.start_from.setCurrentIndex(panel.start_from.findData("frozen"))
    assert panel.layers.text() == ("conv:1x3x3,relu,maxpool:2,conv:1x3x3:padding=same,relu,"
                                   "maxpool:2")
    assert "receptive field 3 → 4 → 8 → 10 px" in panel.stack_label.text()
    panel.epochs.setValue(1)
    panel.limit.setValue(64)
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    convs = [layer for layer in panel.result.network.layers if layer.kind == "conv"]
    np.testing.assert_array_equal(convs[0].params["W"][:, :, 0, 0], SOBEL_X)  # frozen
    learned = convs[1].params["W"].astype(np.float64)
    assert not np.allclose(learned, np.full((3, 3, 1, 1), 1 / 9))  # started there, learned
    state.select_layer(0)
    panel.open_layer.setCurrentIndex(1)
    qtbot.mouseClick(panel.open_button, Qt.LeftButton)
    assert state.selected_layer == 1
    np.testing.assert_allclose(state.kernels, learned)
    np.testing.assert_array_equal(state.stack()[0].kernels[:, :, 0, 0], SOBEL_X)
    window.history.undo()  # one step back: layer 1 selected, layer 2 as it was
    assert state.selected_layer == 0
    np.testing.assert_allclose(state.stack()[1].kernels[:, :, 0, 0], np.full((3, 3), 1 / 9))


def test_processing_a_dataset_says_it_needs_one_layer(window, qtbot, errors):
    _two_layers(qtbot, window)
    window.batch_action.trigger()
    dialog = window.batch_dialog
    assert not dialog.start_button.isEnabled()
    assert "the stack holds 2" in dialog.summary.text()
    assert dialog.start() is False
    assert errors and "remove layers 2 to 2" in errors[-1][1]
    qtbot.mouseClick(window.layer_strip.remove_button, Qt.LeftButton)
    dialog.refresh()
    assert dialog.start_button.isEnabled()
    dialog.close()


def test_keyboard_selects_adds_and_removes_layers(window, qtbot):
    state = window.state
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, Qt.Key_N, Qt.ControlModifier | Qt.ShiftModifier)
    assert state.layer_count == 2 and state.selected_layer == 1
    qtbot.keyClick(window, Qt.Key_1, Qt.AltModifier)
    assert state.selected_layer == 0
    qtbot.keyClick(window, Qt.Key_2, Qt.AltModifier)
    assert state.selected_layer == 1
    window.left_dock.hide()  # e.g. presentation mode: the keys still work
    qtbot.keyClick(window, Qt.Key_Delete, Qt.ControlModifier | Qt.ShiftModifier)
    assert state.layer_count == 1


def test_no_layer_is_stacked_on_a_transposed_convolution(window, qtbot, errors):
    window.state.transposed = True
    qtbot.mouseClick(window.layer_strip.add_button, Qt.LeftButton)
    assert window.state.layer_count == 1
    assert errors and "transposed convolution" in errors[-1][1]


def test_a_colour_dataset_refits_layer_one_only(window, qtbot):
    state = _two_layers(qtbot, window)
    window.open_sample("Chelsea the cat")
    settle(qtbot, window)
    stack = state.stack()
    assert stack[0].kernels.shape == (3, 3, 3, 1) and stack[1].kernels.shape == (3, 3, 1, 1)
    np.testing.assert_array_equal(stack[0].kernels[:, :, 2, 0], SOBEL_X)
    view = window.computation.latest
    assert view.layer == 1 and view.stack[1].final.shape[-1] == 1
    assert state.channel_labels() == ("M1",)


@pytest.mark.parametrize("stored", ['{"selected": 0, "layers": [{"kernels": "x"}]}',
                                    '{"selected": 5, "layers": [{}]}', "[[[", "[1, 2]"])
def test_a_damaged_remembered_stack_is_ignored_with_a_warning(make_window, qtbot, stored):
    from convgui.session import settings

    first = make_window()
    first.state.kernels = SOBEL_X
    first.close()
    settings().setValue("session/layers", stored)
    second = make_window(restore=True)
    assert any("layers" in warning for warning in second.restore_warnings)
    assert second.state.layer_count == 1
    np.testing.assert_array_equal(second.state.kernels[:, :, 0, 0], SOBEL_X)
    settle(qtbot, second)
    assert second.computation.latest is not None


def test_copy_as_code_reproduces_the_whole_stack(window, qtbot):
    _two_layers(qtbot, window)
    window.state.select_layer(0)
    code = window.copy_as_code()
    namespace = {}
    exec(code, namespace)
    expected = window.computation.latest.stack[1].final
    np.testing.assert_allclose(namespace["output"], expected, atol=1e-4)


def test_a_pooled_pixel_shows_its_window_and_field(window, qtbot):
    _two_layers(qtbot, window)
    tab = window.layers_tab
    spot = Spot(0, "pooled", 0, 3, 4)
    tab.inspect(spot)
    board = tab.board

    def outlined(layer, stage):
        placed = board.maps_of(layer, stage, 0)[0]
        return {(r.top() - placed.top, r.left() - placed.left, r.height(), r.width())
                for r in (item.rect() for item in board.marks)}
    # Max pool 2×2 of pixel [3, 4] reads conv rows 6…7, cols 8…9; with the 3×3 conv before it
    # (r = 3 + (2 − 1)·1 = 4, j = 2) that is input rows 6…9, cols 8…11.
    assert (6, 8, 2, 2) in outlined(0, "conv")
    assert (6, 8, 4, 4) in outlined(-1, "input")
    assert "rows 6…9, cols 8…11" in tab.field.text() and "r = 4×4" in tab.field.text()
    panel = window.inspector_panel
    assert "Layer 1 K1 max pool [3, 4]" in panel.heading.text()
    image = np.asarray(window.state.image, dtype=np.float64)
    expected = np.maximum(correlate2d(image, SOBEL_X, mode="valid"), 0)[6:8, 8:10]
    shown = np.array([[float(panel.patch_grid.cell_text(r, c)) for c in range(2)]
                      for r in range(2)])
    np.testing.assert_allclose(shown, expected, rtol=1e-3, atol=1e-3)


def test_an_input_pixel_lights_up_every_deep_pixel_that_sees_it(window, qtbot):
    _two_layers(qtbot, window)
    tab = window.layers_tab
    tab.inspect(Spot(-1, "input", 0, 10, 13))
    # Conv 3×3 valid: rows 8…10, cols 11…13; max pool 2: rows 4…5, cols 5…6; the "same" 3×3
    # conv after it: rows 3…6, cols 4…7.
    text = tab.field.text()
    assert "L1 conv rows 8…10, cols 11…13" in text
    assert "L1 pool rows 4…5, cols 5…6" in text
    assert "L2 conv rows 3…6, cols 4…7" in text
    placed = tab.board.maps_of(1, "conv", 0)[0]
    rects = {(r.top() - placed.top, r.left() - placed.left, r.height(), r.width())
             for r in (item.rect() for item in tab.board.marks)}
    assert (3, 4, 4, 4) in rects


def test_field_text_writes_the_columns_only_when_they_differ_from_the_rows():
    from core.pipeline import PipelineSpec
    from convgui.layer_texts import field_html

    # A 3×5 kernel then 2×2 max pooling: pooled [2, 3] reads conv rows 4–5, cols 6–7, which
    # read input rows 4…7 (5 + 3 − 1) and cols 6…11 (7 + 5 − 1): a field of 4×6, jump 2.
    wide = field_html([PipelineSpec(np.ones((3, 5, 1, 1)), pool_mode="max")], (28, 28),
                      Spot(0, "pooled", 0, 2, 3))
    assert "sees input rows 4…7, cols 6…11: field r = 4×6, jump j = 2×2" in wide
    rows, columns = wide.split("<br>")[1:]
    assert rows.startswith("r: 1 → 3 → 4, j: 1 → 1 → 2")
    assert columns.startswith("Columns: r: 1 → 5 → 6, j: 1 → 1 → 2")
    square = field_html([PipelineSpec(np.ones((3, 3, 1, 1)), pool_mode="max")], (28, 28),
                        Spot(0, "pooled", 0, 2, 3))
    assert "Columns" not in square and len(square.split("<br>")) == 2


def test_the_size_formula_is_the_selected_layers(make_window, qtbot):
    window = make_window(first_lesson=True)      # 28×28, 'same', 2×2 max pool
    settle(qtbot, window)
    window.layer_strip.add_layer()               # reads 14×14, pools to 7×7
    window.layer_strip.add_layer()               # reads 7×7
    settle(qtbot, window)
    formula = window.operation_panel.formula.text()
    assert "7 + 1 + 1 − 3 + 1 = 7" in formula and "28" not in formula
    window.state.selected_layer = 0
    qtbot.waitUntil(lambda: "28 + 1 + 1 − 3 + 1 = 28" in window.operation_panel.formula.text())


def test_every_layer_title_sits_above_its_own_block_with_its_shape(window, qtbot):
    _two_layers(qtbot, window)
    window.tabs.setCurrentWidget(window.layers_tab)
    board = window.layers_tab.board
    qtbot.waitUntil(lambda: len(board.texts) >= 3)
    lefts = {}
    for placed in board.placed:                 # each stage's block starts at its first map
        lefts.setdefault((placed.layer, placed.stage), placed.left)
    titles = [text.toPlainText() for text in board.texts]
    assert titles[0] == "Input 28×28" and titles[1].startswith("L1 conv ")
    for text, left in zip(board.texts, lefts.values()):
        assert text.pos().x() == left                          # over its own block
        assert text.mapRectToView(text.boundingRect()).bottom() <= 0    # above the maps
