"""The 1-D convolution tab, driven like a person: typing, clicking, arrow keys, Play."""

import pytest
from PyQt5.QtCore import Qt

from convgui.conv1d_tab import MAX_VALUES, Conv1DTab


@pytest.fixture
def tab(qtbot):
    widget = Conv1DTab()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key_Backspace)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.LeftButton)


def test_starts_on_the_lessons_example(tab):
    assert tab.signal() == (1, 2, 5, 4) and tab.kernel() == (6, 2) and tab.mode() == "full"
    assert tab.flipped_label.text() == "flipped kernel: [2, 6]"
    assert tab.strip.row_texts()["zero-padded signal"] == ["0", "1", "2", "5", "4", "0"]
    assert tab.strip.output_texts() == ["6", "", "", "", ""]
    assert tab.sum_label.text() == "y[0] = 2·0 + 6·1 = 6"
    assert tab.minimumSizeHint().width() >= 560


def test_typed_sequences_and_next_button_follow_the_lesson(tab, qtbot):
    type_into(qtbot, tab.signal_edit, "3, 4, 5")
    type_into(qtbot, tab.kernel_edit, "2 1 0")
    assert tab.signal() == (3, 4, 5) and tab.kernel() == (2, 1, 0)
    assert tab.flipped_label.text() == "flipped kernel: [0, 1, 2]"
    assert tab.step_count() == 5
    for _ in range(2):
        click(qtbot, tab.next_button)
    assert tab.strip.output_texts() == ["6", "11", "14", "", ""]
    assert tab.sum_label.text() == "y[2] = 0·3 + 1·4 + 2·5 = 14"
    for _ in range(5):
        click(qtbot, tab.next_button)
    assert tab.strip.output_texts() == ["6", "11", "14", "5", "0"]
    assert not tab.next_button.isEnabled()
    assert tab.step_label.text() == "step 5 of 5"


@pytest.mark.parametrize("mode, outputs, last_sum", [
    ("full", ["6", "14", "34", "34", "8"], "y[4] = 2·4 + 6·0 = 8"),
    ("same", ["6", "14", "34", "34"], "y[3] = 2·5 + 6·4 = 34"),
    ("valid", ["14", "34", "34"], "y[2] = 2·5 + 6·4 = 34"),
])
def test_modes_with_arrow_keys(tab, qtbot, mode, outputs, last_sum):
    click(qtbot, tab.mode_buttons[mode])
    assert tab.mode() == mode and tab.mode_buttons[mode].isChecked()
    tab.setFocus()
    for _ in range(len(outputs) - 1):
        qtbot.keyClick(tab, Qt.Key_Right)
    assert tab.strip.output_texts() == outputs
    assert tab.sum_label.text() == last_sum
    qtbot.keyClick(tab, Qt.Key_Left)
    assert tab.strip.output_texts() == outputs[:-1] + [""]
    assert tab.slider.value() == len(outputs) - 2


def test_same_pads_on_the_left_like_the_lesson(tab, qtbot):
    click(qtbot, tab.mode_buttons["same"])
    assert tab.strip.row_texts()["zero-padded signal"] == ["0", "1", "2", "5", "4"]
    assert "1 zero on the left, no zeros on the right" in tab.mode_label.text()


def test_invalid_text_is_refused_and_previous_values_kept(tab, qtbot):
    tab.next_step()
    type_into(qtbot, tab.signal_edit, "1, two, 3")
    assert tab.error_label.isVisible()
    assert "'two' is not a number" in tab.error_label.text()
    assert "Still showing signal 1, 2, 5, 4" in tab.error_label.text()
    assert tab.signal() == (1, 2, 5, 4)
    assert tab.strip.output_texts() == ["6", "14", "", "", ""]
    type_into(qtbot, tab.signal_edit, "[1 2 5 4 9]")
    assert not tab.error_label.isVisible()
    assert tab.signal() == (1, 2, 5, 4, 9)
    type_into(qtbot, tab.kernel_edit, "")
    assert tab.error_label.isVisible() and "kernel is empty" in tab.error_label.text()
    assert tab.kernel() == (6, 2) and tab.kernel_edit.text() == ""
    type_into(qtbot, tab.kernel_edit, "6; 2")
    assert not tab.error_label.isVisible()
    assert tab.strip.output_texts() == ["6", "", "", "", "", ""]


def test_too_many_values_are_refused(tab, qtbot):
    type_into(qtbot, tab.signal_edit, ", ".join(["1"] * (MAX_VALUES + 1)))
    assert f"at most {MAX_VALUES}" in tab.error_label.text()
    assert tab.signal() == (1, 2, 5, 4)


def test_valid_with_a_longer_kernel_is_explained(tab, qtbot):
    type_into(qtbot, tab.kernel_edit, "1, 2, 3, 4, 5")
    assert not tab.error_label.isVisible()
    click(qtbot, tab.mode_buttons["valid"])
    assert tab.error_label.isVisible() and "'valid'" in tab.error_label.text()
    assert tab.mode() == "full" and tab.mode_buttons["full"].isChecked()


def test_fractions_survive_a_round_trip_through_the_box(tab, qtbot):
    type_into(qtbot, tab.kernel_edit, "1/3 1/3 1/3")
    assert tab.kernel() == (1 / 3, 1 / 3, 1 / 3)
    tab.kernel_edit.setFocus()
    qtbot.keyClick(tab.kernel_edit, Qt.Key_Return)
    assert tab.kernel() == (1 / 3, 1 / 3, 1 / 3)
    assert tab.sum_label.text().startswith("y[0] = 0.3333·0 + 0.3333·0 + 0.3333·1 = 0.3333")


def test_negative_values_are_bracketed_in_the_sum(tab, qtbot):
    type_into(qtbot, tab.signal_edit, "-3, 1")
    type_into(qtbot, tab.kernel_edit, "-1, 2")
    assert tab.sum_label.text() == "y[0] = 2·0 + (-1)·(-3) = 3"


def test_space_plays_to_the_end_and_stops(tab, qtbot):
    tab.set_interval(20)
    tab.setFocus()
    with qtbot.waitSignal(tab.playingChanged):
        qtbot.keyClick(tab, Qt.Key_Space)
    assert tab.is_playing() and tab.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: tab.step() == 4, timeout=3000)
    qtbot.waitUntil(lambda: not tab.is_playing(), timeout=3000)
    assert tab.strip.output_texts() == ["6", "14", "34", "34", "8"]
    assert tab.play_button.text() == "Play"


def test_play_button_pauses_and_restarts_from_the_end(tab, qtbot):
    tab.set_interval(30)
    click(qtbot, tab.play_button)
    qtbot.waitUntil(lambda: tab.step() >= 1, timeout=3000)
    click(qtbot, tab.play_button)
    assert not tab.is_playing()
    paused_at = tab.step()
    qtbot.wait(100)
    assert tab.step() == paused_at
    tab.set_step(4)
    click(qtbot, tab.play_button)
    assert tab.step() == 0 and tab.is_playing()
    tab.pause()


def test_slider_scrubs_and_home_end_jump(tab, qtbot):
    tab.slider.setValue(3)
    assert tab.step() == 3
    assert tab.sum_label.text() == "y[3] = 2·5 + 6·4 = 34"
    tab.setFocus()
    qtbot.keyClick(tab, Qt.Key_Home)
    assert tab.step() == 0
    qtbot.keyClick(tab, Qt.Key_End)
    assert tab.step() == 4


def test_arrows_inside_a_text_box_do_not_step(tab, qtbot):
    tab.signal_edit.setFocus()
    qtbot.keyClick(tab.signal_edit, Qt.Key_Right)
    qtbot.keyClick(tab.signal_edit, Qt.Key_Space)
    assert tab.step() == 0 and not tab.is_playing()


def test_new_values_reset_the_step_and_stop_playback(tab, qtbot):
    tab.set_interval(5000)
    tab.set_step(3)
    tab.play()
    with qtbot.waitSignal(tab.computationChanged) as blocker:
        type_into(qtbot, tab.signal_edit, "1, 1, 1")
    assert blocker.args[0].output.tolist() == [6, 8, 8, 2]
    assert tab.step() == 0 and not tab.is_playing()


def test_picture_paints_every_mode(tab, qtbot):
    for mode in ("full", "same", "valid"):
        tab.set_mode(mode)
        tab.set_step(1)
        image = tab.strip.grab().toImage()
        assert not image.isNull() and image.width() > 100


def test_programmatic_errors_name_the_argument(tab):
    with pytest.raises(ValueError, match="signal"):
        tab.set_values(signal=[])
    with pytest.raises(ValueError, match="kernel has"):
        tab.set_values(kernel=[1] * (MAX_VALUES + 1))
    with pytest.raises(ValueError, match="mode"):
        tab.set_values(mode="circular")
