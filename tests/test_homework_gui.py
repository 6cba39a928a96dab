"""File ▸ Check my solution… used like a student would: pick a folder, wait, click, hover."""

import importlib.util

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, QPointF, Qt
from PyQt5.QtGui import QColor

from core.datasets import load_sample
from core.homework import build_cases
from conftest import settle
from homework_files import source, write_folder
from test_main_window import EDGE, brute_conv, shown_conv, type_into_spin


@pytest.fixture(scope="module")
def small_cases():
    gray = load_sample("MNIST digits").images[:3]
    color = load_sample("Tiny photos 32x32").images[:2]
    cases = build_cases(gray, color)
    return {1: cases[1][:3], 5: cases[5][:2], 6: cases[6][:3]}


def load_function(path, name):
    spec = importlib.util.spec_from_file_location(path.stem.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def correct_function(tmp_path, task, name):
    path = tmp_path / f"correct_{task}.py"
    path.write_text(source(task), encoding="utf-8")
    return load_function(path, name)


def open_dialog(window, qtbot, monkeypatch, folder, cases, timeout=5.0):
    from convgui import dialogs
    from convgui.homework_panel import HomeworkDialog

    window.homework_dialog = HomeworkDialog(window, cases=cases, timeout=timeout)
    qtbot.addWidget(window.homework_dialog)
    monkeypatch.setattr(dialogs, "ask_folder", lambda *a, **k: str(folder))
    return window.homework_dialog


def click_row(qtbot, dialog, row):
    table = dialog.table
    table.scrollToItem(table.item(row, 1))
    rect = table.visualItemRect(table.item(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    assert table.currentRow() == row


def hover_pixel(qtbot, dialog, tile, row, col):
    plot = dialog.board.plots[0][tile][0]
    scene = plot.view_box.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    pos = dialog.board.mapFromScene(scene)
    point = dialog.board.viewport().mapTo(dialog, QPoint(pos.x(), pos.y()))
    qtbot.mouseMove(dialog.windowHandle(), QPoint(2, 2))
    qtbot.mouseMove(dialog.windowHandle(), point)


def test_menu_check_shows_verdicts_maps_and_the_reference_computation(
        window, qtbot, monkeypatch, tmp_path, small_cases):
    folder = write_folder(tmp_path / "student", ["same_top_left"])
    dialog = open_dialog(window, qtbot, monkeypatch, folder, small_cases)
    with qtbot.waitSignal(dialog.jobEnded, timeout=60_000) as ended:
        window.homework_action.trigger()
    assert ended.args == ["finished"]
    assert "File" in [a.text().replace("&", "") for a in window.menuBar().actions()]
    rows = dialog.case_rows()
    assert len(rows) == sum(len(v) for v in small_cases.values())
    colours = {case.verdict: dialog.table.item(row, 2).background().color().name()
               for row, case in rows}
    assert colours == {"pass": QColor("#c8e6c9").name(), "convention": QColor("#fff3b0").name()}
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == len(rows)

    # The even-kernel 'same' case: the student's output, the reference and the difference.
    row, case = next((r, c) for r, c in rows if c.case.label == "even 2×2 kernel")
    qtbot.waitExposed(dialog)
    click_row(qtbot, dialog, row)
    assert "top/left" in dialog.details.toPlainText()
    images, kernel = case.case.images, case.case.kernel
    student = load_function(folder / "1-convolve_grayscale_same.py", "convolve_grayscale_same")
    reference = correct_function(tmp_path, 1, "convolve_grayscale_same")
    mine, ref = student(images, kernel)[0], reference(images, kernel)[0]
    assert np.allclose(dialog.board.tile_values(0, 0), mine)
    assert np.allclose(dialog.board.tile_values(0, 1), ref)
    assert np.allclose(dialog.board.tile_values(0, 2), mine - ref)

    # Hover the first pixel that differs: the inspector spells out the reference's sum.
    r, c = np.argwhere(~np.isclose(mine, ref))[0]
    qtbot.waitUntil(lambda: (hover_pixel(qtbot, dialog, 1, r, c) or
                             f"[{r}, {c}]" in dialog.value_label.text()), timeout=5000)
    assert f"Reference [{r}, {c}]" in dialog.inspector_panel.heading.text()
    padded = np.pad(images[0].astype(float), ((0, 1), (0, 1)))
    expected = float(np.sum(padded[r:r + 2, c:c + 2] * kernel))
    assert expected == pytest.approx(ref[r, c])
    assert f"reference <b>{ref[r, c]:.6g}</b>" in dialog.value_label.text()
    assert f"yours <b>{mine[r, c]:.6g}</b>" in dialog.value_label.text()

    # "Show in the window": the main window reproduces the student's convention.
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    assert window.state.padding == ((1, 0), (1, 0))
    panel = window.operation_panel
    assert panel.asymmetric_check.isChecked()
    assert (panel.pad_h.value(), panel.pad_bottom.value()) == (1, 0)
    settle(qtbot, window)
    np.testing.assert_allclose(window.canvas.conv[0].values, mine, atol=1e-5)

    # A kernel bank: the channel spin box picks the kernel, the inspector follows.
    row, case = next((r, c) for r, c in rows if c.case.task == 5 and c.case.kernel.shape[3] == 2)
    click_row(qtbot, dialog, row)
    assert dialog.channel_spin.isEnabled() and dialog.channel_spin.maximum() == 1
    dialog.channel_spin.setValue(1)
    bank = correct_function(tmp_path, 5, "convolve")
    out = bank(case.case.images, case.case.kernel, padding="same", stride=(1, 1))
    assert np.allclose(dialog.board.tile_values(0, 1), out[0, :, :, 1])


def test_cancel_stops_a_hanging_file_and_keeps_the_window_responsive(
        window, qtbot, monkeypatch, tmp_path, small_cases):
    folder = tmp_path / "hang"
    folder.mkdir()
    (folder / "1-convolve_grayscale_same.py").write_text(
        "def convolve_grayscale_same(images, kernel):\n    while True:\n        pass\n")
    dialog = open_dialog(window, qtbot, monkeypatch, folder, small_cases, timeout=60)
    dialog.show()
    assert dialog.start(folder)
    assert dialog.cancel_button.isEnabled() and not dialog.choose_button.isEnabled()
    ticks = []
    qtbot.waitUntil(lambda: ticks.append(1) or len(ticks) > 5, timeout=5000)  # event loop runs
    with qtbot.waitSignal(dialog.jobEnded, timeout=15_000) as ended:
        qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    assert ended.args == ["cancelled"]
    assert "Cancelled" in dialog.status.text()
    assert dialog.choose_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_a_folder_that_is_not_one_gets_a_message(window, qtbot, monkeypatch, tmp_path, errors,
                                                 small_cases):
    dialog = open_dialog(window, qtbot, monkeypatch, tmp_path / "nowhere", small_cases)
    assert not dialog.start(tmp_path / "nowhere")
    assert errors and "not a folder" in errors[0][1]
    assert dialog.report is None and not dialog.is_running()


def test_padding_control_expresses_asymmetric_padding(window, qtbot):
    window.state.kernels = EDGE
    panel = window.operation_panel
    panel.padding_combo.setCurrentIndex(panel.padding_combo.findData("custom"))
    assert not panel.pad_bottom.isEnabled() and not panel.pad_bottom.isVisible()
    assert panel.asymmetric_check.isVisible()
    type_into_spin(qtbot, panel.pad_h, "2")
    type_into_spin(qtbot, panel.pad_w, "1")
    assert window.state.padding == (2, 1)
    qtbot.mouseClick(panel.asymmetric_check, Qt.LeftButton)
    assert panel.pad_bottom.isEnabled() and panel.pad_bottom.isVisible()
    assert panel.pad_label.text().strip() == "top, left"
    assert window.state.padding == ((2, 2), (1, 1))
    type_into_spin(qtbot, panel.pad_bottom, "0")
    type_into_spin(qtbot, panel.pad_right, "4")
    assert window.state.padding == ((2, 0), (1, 4))
    settle(qtbot, window)
    assert shown_conv(window).shape == (28, 31)
    np.testing.assert_allclose(shown_conv(window),
                               brute_conv(window.state.image, EDGE, ((2, 0), (1, 4))), atol=1e-5)
    window.state.padding = (3, 3)
    assert not panel.asymmetric_check.isChecked() and not panel.pad_bottom.isEnabled()
    assert (panel.pad_h.value(), panel.pad_w.value()) == (3, 3)
    window.state.padding = [[0, 1], [2, 3]]  # as a saved session gives it back
    assert window.state.padding == ((0, 1), (2, 3)) and panel.asymmetric_check.isChecked()


def test_cases_can_run_on_the_open_dataset(window, qtbot, monkeypatch, tmp_path):
    from convgui.homework_panel import HomeworkDialog, dataset_cases
    from core.datasets import Dataset

    rng = np.random.default_rng(5)
    photos = rng.integers(0, 256, (3, 20, 18, 3), dtype=np.uint8)
    window.set_dataset(Dataset(photos, name="my photos", key="pictures"))
    cases = dataset_cases(window.state.dataset)
    assert cases[4][0].call.startswith("convolve_channels(pictures, kernel 3×3×3")
    assert cases[4][0].images is not photos and np.array_equal(cases[4][0].images, photos)
    assert cases[0][0].images.shape == (3, 20, 18)

    folder = write_folder(tmp_path / "student")
    dialog = HomeworkDialog(window, timeout=5.0)
    qtbot.addWidget(dialog)
    dialog.refresh_sources()
    assert dialog.source_combo.count() == 2
    dialog.source_combo.setCurrentIndex(dialog.source_combo.findData("dataset"))
    with qtbot.waitSignal(dialog.jobEnded, timeout=60_000):
        assert dialog.start(folder)
    rows = dialog.case_rows()
    assert {case.verdict for _, case in rows} == {"pass"}
    main = next(case for _, case in rows if case.case.task == 6)
    assert main.shape == (3, 10, 9, 3)
    means = photos.reshape(3, 10, 2, 9, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(main.output, means)
