"""File ▸ Export ▸ Figure… used as a person would: the menu, typing, clicking."""

import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from convgui import dialogs


def export_menu_actions(window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if "File" in a.text())
    export = next(a.menu() for a in file_menu.actions() if a.menu() and "Export" in a.text())
    return {a.text().replace("&", "").split(" (")[0]: a for a in export.actions()}


@pytest.mark.parametrize("choice, suffix", [(0, "png"), (2, "svg")])
def test_figure_export_from_the_menu(make_window, qtbot, tmp_path, monkeypatch, errors, choice,
                                     suffix):
    window = make_window()
    target = tmp_path / f"board.{suffix}"
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *a, **k: str(target))
    actions = export_menu_actions(window)
    actions["Figure"].trigger()
    dialog = window.figure_dialog
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
