"""The kernel editor, driven like a person would: typing, dragging, clicking buttons and tabs."""

import json
import types

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from convgui import dialogs
from convgui.kernel_editor import KernelEditor
from convgui.kernel_store import KernelStore
from convgui.state import ExplorerState
from core.kernels import find_preset, load_kernel


@pytest.fixture
def state():
    return ExplorerState()


@pytest.fixture
def store(tmp_path):
    return KernelStore(tmp_path / "my_kernels.json")


@pytest.fixture
def make_editor(qtbot, state, store):
    def make(kernels=None, channels=1):
        if kernels is not None:
            state.kernels = kernels
        if channels > 1:
            state.dataset = types.SimpleNamespace(images=np.zeros((2, 8, 8, channels)))
        editor = KernelEditor(state, store=store)
        qtbot.addWidget(editor)
        editor.resize(340, 600)
        editor.show()
        qtbot.waitExposed(editor)
        return editor
    return make


@pytest.fixture
def errors(monkeypatch):
    calls = []
    monkeypatch.setattr(dialogs, "show_error", lambda *args: calls.append(args))
    return calls


def _centre(editor, row, col):
    return editor.grid.cell_rect(row, col).center()


def _type_into(qtbot, editor, row, col, text, key=Qt.Key_Return):
    line = editor.grid.edit_cell(row, col)
    line.clear()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, key)
    return line


def _click(qtbot, editor, name):
    qtbot.mouseClick(editor.buttons[name], Qt.LeftButton)


# -- typing ----------------------------------------------------------------------------------


def test_typing_a_value_updates_the_state_exactly(make_editor, qtbot, state):
    editor = make_editor(np.zeros((3, 3)))
    with qtbot.waitSignal(editor.editFinished):
        _type_into(qtbot, editor, 1, 2, "0.375")
    expected = np.zeros((3, 3))
    expected[1, 2] = 0.375
    np.testing.assert_array_equal(state.kernel_2d, expected)
    assert editor.grid.editing is None


def test_typing_a_fraction_is_accepted(make_editor, qtbot, state):
    editor = make_editor(np.zeros((3, 3)))
    _type_into(qtbot, editor, 0, 0, "1/9", key=Qt.Key_Enter)
    assert state.kernel_2d[0, 0] == 1 / 9
    _type_into(qtbot, editor, 2, 2, "-2")
    assert state.kernel_2d[2, 2] == -2


def test_typing_nonsense_is_rejected_and_nothing_changes(make_editor, qtbot, state):
    editor = make_editor(np.full((3, 3), 0.5))
    before = state.kernels
    emitted = []
    state.kernelsChanged.connect(emitted.append)
    editor.editStarted.connect(lambda: emitted.append("started"))
    editor.editFinished.connect(lambda: emitted.append("finished"))
    line = _type_into(qtbot, editor, 1, 1, "abc")
    assert emitted == []
    assert state.kernels is before
    assert editor.grid.cell_text(1, 1) == "0.5"
    assert line.isVisible() and "background" in line.styleSheet()
    assert editor.hint_label.isVisibleTo(editor) and "abc" in editor.hint_label.text()
    qtbot.keyClick(line, Qt.Key_Escape)
    assert not line.isVisible()
    assert state.kernels is before and emitted == []


def test_keyboard_starts_editing_and_tab_moves_on(make_editor, qtbot, state):
    editor = make_editor(np.zeros((2, 2)))
    editor.grid.setFocus()
    qtbot.keyClick(editor.grid, Qt.Key_Right)
    qtbot.keyClicks(editor.grid, "3")
    line = editor.grid.cell_editor
    assert line.isVisible() and line.text() == "3"
    qtbot.keyClick(line, Qt.Key_Tab)
    assert state.kernel_2d[0, 1] == 3
    assert editor.grid.editing == (1, 0)
    line.clear()
    qtbot.keyClicks(line, "-1/2")
    qtbot.keyClick(line, Qt.Key_Return)
    np.testing.assert_array_equal(state.kernel_2d, [[0, 3], [-0.5, 0]])


# -- drawing ---------------------------------------------------------------------------------


def _drag(qtbot, editor, cells, button=Qt.LeftButton):
    """Press on the first cell, move over the others, release on the last.

    The events go to the top-level window, as a real mouse's do, so Qt routes them and keeps the
    grab on the grid between press and release. (QTest's widget overloads hand the press straight
    to the widget, and the moves that follow are then not delivered on the offscreen platform.)
    """
    window = editor.window()
    handle = window.windowHandle()

    def point(cell):
        return editor.grid.mapTo(window, _centre(editor, *cell))

    qtbot.mousePress(handle, button, pos=point(cells[0]))
    for cell in cells[1:]:
        qtbot.mouseMove(handle, point(cell))
    qtbot.mouseRelease(handle, button, pos=point(cells[-1]))


def test_left_drag_paints_the_brush_value_and_is_one_edit(make_editor, qtbot, state):
    editor = make_editor(np.zeros((3, 3)))
    _click(qtbot, editor, "draw")
    assert editor.actions["draw"].isChecked()
    editor.brush_spin.setValue(2.5)
    events = []
    editor.editStarted.connect(lambda: events.append("started"))
    editor.editFinished.connect(lambda: events.append("finished"))
    state.kernelsChanged.connect(lambda _: events.append("kernels"))
    _drag(qtbot, editor, [(0, 0), (0, 1), (1, 1)])
    expected = np.zeros((3, 3))
    expected[0, 0] = expected[0, 1] = expected[1, 1] = 2.5
    np.testing.assert_array_equal(state.kernel_2d, expected)
    assert events == ["started", "kernels", "kernels", "kernels", "finished"]


def test_right_drag_erases(make_editor, qtbot, state):
    editor = make_editor(np.ones((3, 3)))
    _click(qtbot, editor, "draw")
    _drag(qtbot, editor, [(2, 0), (2, 1), (2, 2)], button=Qt.RightButton)
    expected = np.ones((3, 3))
    expected[2] = 0
    np.testing.assert_array_equal(state.kernel_2d, expected)


def test_a_fast_drag_fills_the_cells_in_between(make_editor, qtbot, state):
    editor = make_editor(np.zeros((5, 5)))
    _click(qtbot, editor, "draw")
    _drag(qtbot, editor, [(0, 0), (4, 4)])
    np.testing.assert_array_equal(state.kernel_2d, np.eye(5))


def test_without_draw_mode_a_drag_changes_nothing(make_editor, qtbot, state):
    editor = make_editor(np.zeros((3, 3)))
    before = state.kernels
    _drag(qtbot, editor, [(0, 0), (0, 1), (0, 2)])
    assert state.kernels is before


# -- state -> UI -----------------------------------------------------------------------------


def test_state_changes_update_the_grid(make_editor, state):
    editor = make_editor(np.zeros((3, 3)))
    state.kernels = [[1, -2], [0.25, 1 / 3]]
    grid = editor.grid
    np.testing.assert_array_equal(grid.values(), [[1, -2], [0.25, 1 / 3]])
    assert [grid.cell_text(0, 0), grid.cell_text(0, 1), grid.cell_text(1, 0)] == ["1", "-2", "0.25"]
    assert (editor.rows_spin.value(), editor.cols_spin.value()) == (2, 2)
    assert "sum" in editor.info_label.text()
    state.kernels = find_preset("sobel_x").kernel
    assert editor.preset_combo.currentIndex() == editor.preset_index("sobel_x")


def test_active_kernel_and_channel_follow_the_state(make_editor, state):
    editor = make_editor(find_preset("assignment_bank").kernel, channels=3)
    state.active_kernel = 2
    state.active_channel = 1
    assert editor.kernel_tabs.currentIndex() == 2
    assert editor.channel_tabs.currentIndex() == 1
    np.testing.assert_array_equal(editor.grid.values(),
                                  find_preset("assignment_bank").kernel[:, :, 1, 2])


# -- size ------------------------------------------------------------------------------------


def test_size_spin_boxes_make_even_and_rectangular_kernels(make_editor, qtbot, state):
    editor = make_editor(np.arange(9.0).reshape(3, 3))
    editor.rows_spin.setValue(2)
    editor.cols_spin.setValue(4)
    assert state.kernels.shape == (2, 4, 1, 1)
    np.testing.assert_array_equal(state.kernel_2d, [[3, 4, 5, 0], [6, 7, 8, 0]])
    assert editor.grid.values().shape == (2, 4)
    editor.rows_spin.selectAll()
    qtbot.keyClicks(editor.rows_spin, "6")
    qtbot.keyClick(editor.rows_spin, Qt.Key_Return)
    assert state.kernels.shape == (6, 4, 1, 1)


def test_resizing_acts_on_the_whole_bank(make_editor, state):
    editor = make_editor(find_preset("assignment_bank").kernel, channels=3)
    editor.cols_spin.setValue(5)
    assert state.kernels.shape == (3, 5, 3, 3)
    np.testing.assert_array_equal(state.kernels[:, 1:4], find_preset("assignment_bank").kernel)


# -- presets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("preset_id", ["gaussian_5", "sobel_y", "unsharp_mask_5",
                                       "assignment_vertical_edges"])
def test_choosing_a_preset_gives_exactly_its_kernel(make_editor, state, preset_id):
    editor = make_editor()
    events = []
    editor.editStarted.connect(lambda: events.append("started"))
    editor.editFinished.connect(lambda: events.append("finished"))
    editor.preset_combo.setCurrentIndex(editor.preset_index(preset_id))
    np.testing.assert_array_equal(state.kernels[:, :, 0, 0], find_preset(preset_id).kernel)
    assert state.kernels.shape[2:] == (1, 1)
    assert events == ["started", "finished"]


def test_preset_resets_active_kernel_and_channel(make_editor, state):
    editor = make_editor(find_preset("assignment_bank").kernel, channels=3)
    state.active_kernel, state.active_channel = 2, 2
    editor.preset_combo.setCurrentIndex(editor.preset_index("assignment_channels"))
    assert state.kernels.shape == (3, 3, 3, 1)
    np.testing.assert_array_equal(state.kernels[:, :, :, 0],
                                  find_preset("assignment_channels").kernel)
    assert (state.active_kernel, state.active_channel) == (0, 0)


def test_preset_with_the_wrong_channels_is_refused(make_editor, state, errors):
    editor = make_editor(np.ones((3, 3)))
    before = state.kernels
    editor.preset_combo.setCurrentIndex(editor.preset_index("assignment_bank"))
    assert state.kernels is before
    assert len(errors) == 1 and "3 channel" in errors[0][2]
    assert editor.preset_combo.currentIndex() == 0


def test_preset_items_have_descriptions_and_category_headers(make_editor):
    editor = make_editor()
    model = editor.preset_combo.model()
    index = editor.preset_index("emboss")
    assert "Relief" in model.item(index).toolTip()
    headers = [model.item(i).text() for i in range(model.rowCount())
               if not model.item(i).isEnabled()]
    assert {"Basic", "Blur", "Sharpen", "Edges", "Assignment"} <= set(headers)


# -- operations ------------------------------------------------------------------------------


KERNEL = np.array([[1.0, 2.0, 0.0], [-1.0, 4.0, 3.0]])


def test_normalise(make_editor, qtbot, state):
    editor = make_editor(KERNEL)
    _click(qtbot, editor, "normalise")
    np.testing.assert_array_equal(state.kernel_2d, KERNEL / 9)


def test_normalise_refuses_a_zero_sum_kernel(make_editor, qtbot, state, errors):
    editor = make_editor(find_preset("sobel_x").kernel)
    before = state.kernels
    _click(qtbot, editor, "normalise")
    assert state.kernels is before
    assert "sum to 0" in editor.hint_label.text() and editor.hint_label.isVisibleTo(editor)
    assert errors == []


def test_flip_negate_clear_and_transpose(make_editor, qtbot, state):
    editor = make_editor(KERNEL)
    _click(qtbot, editor, "flip")
    np.testing.assert_array_equal(state.kernel_2d, [[3, 4, -1], [0, 2, 1]])
    _click(qtbot, editor, "negate")
    np.testing.assert_array_equal(state.kernel_2d, [[-3, -4, 1], [0, -2, -1]])
    _click(qtbot, editor, "transpose")                      # rectangular: 2×3 becomes 3×2
    np.testing.assert_array_equal(state.kernel_2d, [[-3, 0], [-4, -2], [1, -1]])
    _click(qtbot, editor, "transpose")
    _click(qtbot, editor, "clear")
    np.testing.assert_array_equal(state.kernel_2d, np.zeros((2, 3)))
    state.kernels = [[1, 2], [3, 4]]
    assert editor.actions["transpose"].isEnabled()
    _click(qtbot, editor, "transpose")
    np.testing.assert_array_equal(state.kernel_2d, [[1, 3], [2, 4]])


def test_random_stays_in_range(make_editor, qtbot, state):
    editor = make_editor(np.zeros((4, 4)))
    _click(qtbot, editor, "random")
    assert np.all(np.abs(state.kernel_2d) <= 1) and state.kernel_2d.any()


def test_shortcut_flips_when_the_editor_has_focus(make_editor, qtbot, state):
    editor = make_editor(KERNEL)
    QApplication.setActiveWindow(editor)
    editor.grid.setFocus()
    qtbot.keyClick(editor.grid, Qt.Key_F)
    np.testing.assert_array_equal(state.kernel_2d, KERNEL[::-1, ::-1])


# -- channels and the bank -------------------------------------------------------------------


def test_channel_selector_only_for_colour_data(make_editor, state):
    editor = make_editor(np.ones((3, 3)))
    assert not editor.channel_tabs.isVisibleTo(editor)
    state.dataset = types.SimpleNamespace(images=np.zeros((2, 8, 8, 3)))
    assert editor.channel_tabs.isVisibleTo(editor)
    assert [editor.channel_tabs.tabText(i) for i in range(3)] == ["R", "G", "B"]


def test_channel_selector_edits_only_that_channel(make_editor, qtbot, state):
    editor = make_editor(np.zeros((3, 3)), channels=3)
    assert state.kernels.shape == (3, 3, 3, 1)
    tabs = editor.channel_tabs
    qtbot.mouseClick(tabs, Qt.LeftButton, pos=tabs.tabRect(2).center())
    assert state.active_channel == 2
    _type_into(qtbot, editor, 1, 1, "7")
    expected = np.zeros((3, 3, 3))
    expected[1, 1, 2] = 7
    np.testing.assert_array_equal(state.kernels[:, :, :, 0], expected)


def test_bank_add_duplicate_remove(make_editor, qtbot, state):
    editor = make_editor(KERNEL)
    _click(qtbot, editor, "add")
    assert state.kernels.shape == (2, 3, 1, 2) and state.active_kernel == 1
    np.testing.assert_array_equal(state.kernels[:, :, 0, 1], [[0, 1, 0], [0, 0, 0]])
    tabs = editor.kernel_tabs
    assert tabs.count() == 2
    qtbot.mouseClick(tabs, Qt.LeftButton, pos=tabs.tabRect(0).center())
    assert state.active_kernel == 0
    _click(qtbot, editor, "duplicate")
    assert state.kernels.shape[3] == 3 and state.active_kernel == 1
    np.testing.assert_array_equal(state.kernels[:, :, 0, 1], KERNEL)
    _click(qtbot, editor, "remove")
    _click(qtbot, editor, "remove")
    assert state.kernels.shape[3] == 1
    assert not editor.actions["remove"].isEnabled()
    _click(qtbot, editor, "remove")
    assert state.kernels.shape[3] == 1


# -- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".npy"])
def test_save_and_load_round_trip(make_editor, qtbot, state, monkeypatch, tmp_path, suffix):
    bank = np.random.default_rng(3).uniform(-1, 1, size=(3, 2, 3, 2))
    editor = make_editor(bank, channels=3)
    target = tmp_path / f"bank{suffix}"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    _click(qtbot, editor, "save")
    np.testing.assert_array_equal(load_kernel(target), bank)
    state.kernels = np.zeros((3, 3, 3, 1))
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: str(target))
    _click(qtbot, editor, "open")
    np.testing.assert_array_equal(state.kernels, bank)


def test_save_asks_before_replacing_an_existing_file(make_editor, qtbot, monkeypatch, tmp_path):
    editor = make_editor(KERNEL)
    target = tmp_path / "mine.json"
    target.write_text("precious", encoding="utf-8")
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda parent, title, question:
                        asked.append(question) or False)
    _click(qtbot, editor, "save")
    assert len(asked) == 1 and "mine.json" in asked[0]
    assert target.read_text(encoding="utf-8") == "precious"     # "No" keeps the file
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a: True)
    _click(qtbot, editor, "save")
    np.testing.assert_array_equal(load_kernel(target), KERNEL)


def test_loading_a_corrupt_file_shows_an_error_and_changes_nothing(make_editor, qtbot, state,
                                                                   monkeypatch, tmp_path,
                                                                   errors):
    editor = make_editor(KERNEL)
    before = state.kernels
    broken = tmp_path / "broken.json"
    broken.write_text('{"kernel": [[1, 2], [3', encoding="utf-8")
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: str(broken))
    _click(qtbot, editor, "open")
    assert state.kernels is before
    assert len(errors) == 1 and "broken.json" in errors[0][2]


def test_loading_a_kernel_with_the_wrong_channels_is_refused(make_editor, qtbot, state,
                                                             monkeypatch, tmp_path, errors):
    editor = make_editor(KERNEL)
    path = tmp_path / "rgb.json"
    path.write_text(json.dumps({"kernel": find_preset("assignment_channels").kernel.tolist()}))
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: str(path))
    before = state.kernels
    _click(qtbot, editor, "open")
    assert state.kernels is before and "3 channel" in errors[0][2]


def test_cancelled_dialogs_do_nothing(make_editor, qtbot, state, monkeypatch, tmp_path):
    editor = make_editor(KERNEL)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: None)
    before = state.kernels
    _click(qtbot, editor, "open")
    _click(qtbot, editor, "save")
    assert state.kernels is before


# -- My kernels ------------------------------------------------------------------------------


def test_save_to_my_kernels_and_choose_it_again(make_editor, qtbot, state, store, monkeypatch):
    editor = make_editor(KERNEL)
    monkeypatch.setattr(dialogs, "ask_text", lambda *a, **k: "Lopsided")
    editor.actions["store_save"].trigger()
    assert KernelStore(store.path).names() == ["Lopsided"]
    index = editor.preset_index("mine:Lopsided")
    assert index > 0 and editor.preset_combo.currentIndex() == index
    state.kernels = np.zeros((3, 3))
    editor.preset_combo.setCurrentIndex(index)
    np.testing.assert_array_equal(state.kernel_2d, KERNEL)


def test_save_over_an_existing_name_asks_first(make_editor, state, store, monkeypatch):
    store.add("Mine", [[1]])
    editor = make_editor(KERNEL)
    answers = []
    monkeypatch.setattr(dialogs, "ask_text", lambda *a, **k: "Mine")
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a, **k: answers.append(a) or False)
    editor.actions["store_save"].trigger()
    np.testing.assert_array_equal(KernelStore(store.path).get("Mine"), [[1]])
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a, **k: True)
    editor.actions["store_save"].trigger()
    np.testing.assert_array_equal(KernelStore(store.path).get("Mine"), KERNEL)
    assert len(answers) == 1


def test_delete_from_my_kernels(make_editor, store, monkeypatch):
    store.add("Old", [[1]])
    editor = make_editor(KERNEL)
    assert editor.preset_index("mine:Old") > 0
    monkeypatch.setattr(dialogs, "ask_choice", lambda *a, **k: "Old")
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a, **k: True)
    editor.actions["store_delete"].trigger()
    assert KernelStore(store.path).names() == []
    assert editor.preset_index("mine:Old") == -1


def test_corrupt_my_kernels_file_is_reported_not_fatal(qtbot, state, tmp_path):
    path = tmp_path / "kernels.json"
    path.write_text("{{{", encoding="utf-8")
    editor = KernelEditor(state, store=KernelStore(path))
    qtbot.addWidget(editor)
    assert "could not be read" in editor.hint_label.text()
    assert any(".corrupt-" in p.name for p in tmp_path.iterdir())


def test_one_drag_is_one_undo_step_in_a_grouping_history(make_editor, qtbot, state):
    history = pytest.importorskip("convgui.history").History(state)
    editor = make_editor(np.zeros((3, 3)))
    editor.editStarted.connect(history.begin_group)
    editor.editFinished.connect(history.end_group)
    _click(qtbot, editor, "draw")
    _drag(qtbot, editor, [(0, 0), (0, 1), (0, 2)])
    _click(qtbot, editor, "negate")
    np.testing.assert_array_equal(state.kernel_2d, [[-1, -1, -1], [0, 0, 0], [0, 0, 0]])
    history.undo()
    np.testing.assert_array_equal(state.kernel_2d, [[1, 1, 1], [0, 0, 0], [0, 0, 0]])
    history.undo()
    np.testing.assert_array_equal(state.kernel_2d, np.zeros((3, 3)))


def test_bank_is_capped_with_a_message(make_editor, qtbot, state, monkeypatch, tmp_path):
    import time

    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, message:
                        shown.append(message))
    editor = make_editor(np.ones((3, 3, 1, 63)))
    _click(qtbot, editor, "add")
    assert state.kernels.shape[3] == 64
    assert not editor.actions["add"].isEnabled()
    assert not editor.actions["duplicate"].isEnabled()
    editor._on_q_add_kernel()          # e.g. a shortcut while the button is greyed out
    editor._on_q_duplicate_kernel()
    assert state.kernels.shape[3] == 64
    assert shown and "at most 64 kernels" in shown[0]
    _click(qtbot, editor, "remove")
    assert editor.actions["add"].isEnabled()
    # a file holding a bank of 1000 kernels is refused at once, the bank unchanged
    np.save(tmp_path / "huge_bank.npy", np.ones((3, 3, 1, 1000)))
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: str(tmp_path / "huge_bank.npy"))
    began = time.perf_counter()
    _click(qtbot, editor, "open")
    assert time.perf_counter() - began < 5
    assert state.kernels.shape[3] == 63
    assert "bank of 1000 kernels; at most 64" in shown[-1]
    with pytest.raises(ValueError, match="at most 64"):
        state.kernels = np.ones((3, 3, 1, 1000))
