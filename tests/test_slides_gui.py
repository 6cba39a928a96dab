"""File ▸ Export ▸ Animation… and Figure… used as a person would: menus, clicks, waiting."""

import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from PyQt5.QtCore import QTimer
from scipy.signal import correlate2d

from convgui import dialogs


def export_menu_actions(window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if "File" in a.text())
    export = next(a.menu() for a in file_menu.actions() if a.menu() and "Export" in a.text())
    return {a.text().replace("&", "").split(" (")[0]: a for a in export.actions()}


def open_animation_dialog(window, qtbot):
    actions = export_menu_actions(window)
    actions["Animation"].trigger()
    dialog = window.exports.animation_dialog
    qtbot.waitExposed(dialog)
    return dialog


def expected_outputs(window, crop=8):
    """The 8×8 crop's correlation with the current kernel, by scipy (valid padding, stride 1)."""
    image = np.asarray(window.state.image, float)
    h, w = image.shape[:2]
    top, left = (h - crop) // 2, (w - crop) // 2
    piece = image[top:top + crop, left:left + crop]
    kernel = window.computation.latest.spec.kernels[:, :, 0, 0]
    return correlate2d(piece, kernel, mode="valid")


def test_animation_dialog_writes_a_gif_in_the_background(make_window, qtbot, tmp_path,
                                                         monkeypatch, errors):
    window = make_window()
    window.state.padding = "valid"
    target = tmp_path / "lesson.gif"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *a, **k: str(target))
    dialog = open_animation_dialog(window, qtbot)
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findText("960 × 540"))
    dialog.fps_spin.setValue(10)
    dialog.update_estimate()
    expected = expected_outputs(window)
    assert f"{expected.size} frames" in dialog.estimate.text()
    assert "MB" in dialog.estimate.text() or "kB" in dialog.estimate.text()
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    with qtbot.waitSignal(dialog.jobEnded, timeout=60000) as ended:
        qtbot.mouseClick(dialog.export_button, 1)
        assert dialog.cancel_button.isEnabled() and not dialog.export_button.isEnabled()
    timer.stop()
    assert ended.args == ["finished"] and errors == []
    assert len(ticks) > 3  # the event loop kept running while frames were written
    with Image.open(target) as im:
        assert im.n_frames == expected.size and im.size == (960, 540)
        assert im.info["duration"] == 100
    assert "Saved" in dialog.status.text()
    assert os.listdir(tmp_path) == ["lesson.gif"]


def test_cancel_stops_and_leaves_no_file(make_window, qtbot, tmp_path, monkeypatch, errors):
    window = make_window()
    target = tmp_path / "whole.png"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *a, **k: str(target))
    dialog = open_animation_dialog(window, qtbot)
    qtbot.mouseClick(dialog.crop_check, 1)  # the whole image: hundreds of frames
    assert not dialog.crop_spin.isEnabled()
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("apng"))
    with qtbot.waitSignal(dialog.jobEnded, timeout=60000) as ended:
        qtbot.mouseClick(dialog.export_button, 1)
        qtbot.waitUntil(lambda: dialog.progress_bar.value() >= 2, timeout=30000)
        qtbot.mouseClick(dialog.cancel_button, 1)
    assert ended.args == ["cancelled"]
    assert "Nothing was written" in dialog.status.text()
    assert os.listdir(tmp_path) == []
    assert dialog.export_button.isEnabled()


def test_frames_folder_asks_before_replacing(make_window, qtbot, tmp_path, monkeypatch, errors):
    window = make_window()
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_0001.png").write_bytes(b"old")
    monkeypatch.setattr(dialogs, "ask_folder", lambda *a, **k: str(folder))
    asked = []
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a, **k: asked.append(a[2]) or False)
    dialog = open_animation_dialog(window, qtbot)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("frames"))
    assert dialog.start_export() is False
    assert asked and "already holds 1 frame files" in asked[0]
    assert (folder / "frame_0001.png").read_bytes() == b"old"
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a, **k: True)
    dialog.crop_spin.setValue(4)
    with qtbot.waitSignal(dialog.jobEnded, timeout=60000):
        qtbot.mouseClick(dialog.export_button, 1)
    assert (folder / "frame_0001.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("choice, suffix", [(0, "png"), (2, "svg")])
def test_figure_export_from_the_menu(make_window, qtbot, tmp_path, monkeypatch, errors, choice,
                                     suffix):
    window = make_window()
    target = tmp_path / f"board.{suffix}"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *a, **k: str(target))
    actions = export_menu_actions(window)
    actions["Figure"].trigger()
    dialog = window.exports.figure_dialog
    qtbot.waitExposed(dialog)
    dialog.title_edit.clear()
    qtbot.keyClicks(dialog.title_edit, "Sobel x on a digit")
    dialog.format_combo.setCurrentIndex(choice)
    qtbot.mouseClick(dialog.inspector_check, 1)
    dialog.save()
    assert errors == [] and target.exists()
    if suffix == "svg":
        root = ET.parse(target).getroot()
        texts = [(t.text or "").strip() for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "Sobel x on a digit" in texts and "Feature maps" in texts
        assert any("Inspector" in t for t in texts)
    else:
        board = window.tabs.currentWidget()
        with Image.open(target) as im:
            assert im.size[0] >= 2 * board.width()
