"""The Process-dataset dialog and its worker, driven from the real window.

Results are checked against ``run_pipeline`` applied directly; exports are read back with NumPy
and QImage.
"""

import os

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage

from convgui import batch_dialog as gui_batch
from convgui import dialogs, workers
from convgui.main_window import MainWindow
from core import batch as core_batch
from core.datasets import Dataset
from core.pipeline import run_pipeline

EDGE = np.array([[1.0, 0.0, -1.0]] * 3)


@pytest.fixture
def answers(monkeypatch):
    """Scripted dialog answers; every question asked is recorded."""
    script = {"save": [], "folder": [], "yes_no": [], "asked": [], "errors": []}

    def pop(kind):
        return script[kind].pop(0) if script[kind] else None

    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: pop("save"))
    monkeypatch.setattr(dialogs, "ask_folder", lambda *a, **k: pop("folder"))

    def yes_no(parent, title, question):
        script["asked"].append(title)
        return bool(pop("yes_no"))

    monkeypatch.setattr(dialogs, "ask_yes_no", yes_no)
    monkeypatch.setattr(dialogs, "show_error",
                        lambda parent, title, message: script["errors"].append(message))
    return script


@pytest.fixture
def window(qtbot):
    window = MainWindow(restore=False, first_lesson=False)
    qtbot.addWidget(window)
    rng = np.random.default_rng(5)
    images = rng.random((300, 20, 20)).astype(np.float32)
    window.set_dataset(Dataset(images, labels=rng.integers(0, 10, 300), name="test.npz: X_train",
                               key="X_train"))
    window.state.kernels = EDGE
    window.state.activation = "relu"
    window.state.pool_mode = "max"
    yield window
    dialog = getattr(window, "batch_dialog", None)
    if dialog is not None and dialog.worker is not None:
        dialog.cancel()
        dialog.worker.wait()


def open_dialog(window):
    window.batch_action.trigger()
    return window.batch_dialog


def run_to_end(qtbot, dialog, start=None):
    with qtbot.waitSignal(dialog.jobEnded, timeout=20_000) as ended:
        assert (start or dialog.start)() is not False
    return ended.args[0]


def expected(window, start=0, stop=None):
    images = window.state.dataset.images[start:stop]
    return run_pipeline(images, window.state.spec(), dtype=np.float32).final


def test_menu_action_opens_the_dialog(window):
    file_menu = next(a.menu() for a in window.menuBar().actions()
                     if a.text().replace("&", "") == "File")
    texts = [a.text() for a in file_menu.actions()]
    assert "Process &dataset…" in texts
    assert texts.index("Process &dataset…") < texts.index("&Export")
    assert window.batch_action.shortcut().toString() == "Ctrl+B"
    from PyQt5.QtWidgets import QAction
    ctrl_b = [a for a in window.findChildren(QAction) if a.shortcut().toString() == "Ctrl+B"]
    assert ctrl_b == [window.batch_action]      # one action, no ambiguous shortcut
    dialog = open_dialog(window)
    assert dialog.isVisible() and not dialog.isModal()
    assert "300 images" in dialog.summary.text()
    assert "(300, 9, 9, 1) float32" in dialog.size_label.text()
    assert open_dialog(window) is dialog


def test_completed_batch_equals_core_and_progress_is_ordered(qtbot, window, answers):
    dialog = open_dialog(window)
    seen = []
    dialog.set_range(20, 260)

    on_progress = dialog._on_progress

    def record_progress(done, total):
        seen.append(("progress", done, total))
        on_progress(done, total)

    original_run = dialog.run_job

    def run(job, on_done, message):
        # Recorders connected before the worker starts (a fast job may end before any
        # connection made after start() would exist).
        def done(result):
            seen.append(("finished",))
            on_done(result)
        original_run(job, done, message)

    dialog._on_progress = record_progress
    dialog.run_job = run
    assert run_to_end(qtbot, dialog) == "finished"
    assert seen[-1] == ("finished",) and seen[-2] == ("progress", 240, 240)
    dones = [entry[1] for entry in seen[:-1]]
    assert dones == sorted(dones) and all(entry[2] == 240 for entry in seen[:-1])
    result = dialog.result
    assert result.start == 20 and len(result) == 240
    np.testing.assert_allclose(result.outputs, expected(window, 20, 260), atol=1e-6)
    np.testing.assert_array_equal(result.labels, window.state.dataset.labels[20:260])
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == 240
    assert answers["asked"] == [] and answers["errors"] == []


def test_worker_signals_in_strict_order(qtbot, window):
    dataset, spec = window.state.dataset, window.state.spec()

    def job():
        result = yield from gui_batch.batch_job(dataset, spec, start=0, stop=300)()
        return result

    worker = workers.Worker(job, interval=0.0)
    signals = [worker.progress, worker.finished]
    with qtbot.waitSignals(signals, order="strict", timeout=20_000):
        worker.start()
    worker.wait()
    with qtbot.waitSignals([worker.progress, worker.progress, worker.cancelled], order="strict",
                           timeout=20_000):
        steps = []

        def slow_job():
            for i in range(1, 1000):
                steps.append(i)
                if i == 2:
                    worker.cancel()  # seen by the worker before it asks for step 3
                yield i, 1000

        worker._job = slow_job
        worker.start()
    worker.wait()
    assert steps == [1, 2]


def test_cancel_mid_way_leaves_no_file(qtbot, window, answers, tmp_path, monkeypatch):
    target = tmp_path / "maps.npy"
    answers["save"] = [str(target)]
    dialog = open_dialog(window)
    dialog.to_disk.setChecked(True)
    monkeypatch.setattr(core_batch, "iter_batch", _slow(core_batch.iter_batch))

    def cancel_on_first_progress(done, total):
        dialog.cancel()

    original_run = dialog.run_job

    def run(job, on_done, message):
        original_run(job, on_done, message)
        dialog.worker.progress.connect(cancel_on_first_progress)

    dialog.run_job = run
    assert run_to_end(qtbot, dialog) == "cancelled"
    assert os.listdir(tmp_path) == []
    assert dialog.result is None
    assert "Cancelled" in dialog.status.text()
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()


def _slow(iter_batch):
    """iter_batch with one image per chunk and a short pause per chunk (for cancel tests)."""
    import time

    def slow(images, spec, *, out, start=0, stop=None, chunk=None):
        for step in iter_batch(images, spec, out=out, start=start, stop=stop, chunk=1):
            time.sleep(0.002)
            yield step
    return slow


def test_disk_output_is_a_memmap_equal_to_core(qtbot, window, answers, tmp_path):
    target = tmp_path / "maps"
    answers["save"] = [str(target)]
    dialog = open_dialog(window)
    dialog.to_disk.setChecked(True)
    assert run_to_end(qtbot, dialog) == "finished"
    assert os.listdir(tmp_path) == ["maps.npy"]
    assert dialog.result.path == str(tmp_path / "maps.npy")
    np.testing.assert_allclose(np.load(tmp_path / "maps.npy"), expected(window), atol=1e-6)


def test_too_big_for_memory_asks_before_starting(qtbot, window, answers, tmp_path, monkeypatch):
    monkeypatch.setattr(core_batch, "fits_in_memory", lambda nbytes, **kw: False)
    dialog = open_dialog(window)
    assert "too big for memory" in dialog.size_label.text()
    answers["yes_no"] = [False]
    assert dialog.start() is False
    assert answers["asked"] == ["Too big for memory"] and dialog.worker is None
    answers["yes_no"] = [True]
    answers["save"] = [str(tmp_path / "big.npy")]
    assert run_to_end(qtbot, dialog) == "finished"
    assert dialog.result.path == str(tmp_path / "big.npy")


def test_window_stays_responsive_during_a_batch(qtbot, window, answers, monkeypatch):
    monkeypatch.setattr(core_batch, "iter_batch", _slow(core_batch.iter_batch))
    dialog = open_dialog(window)
    with qtbot.waitSignal(dialog.jobEnded, timeout=20_000):
        dialog.start()
        assert dialog.is_running()
        window.state.index = 5  # browsing keeps working while the batch runs
        qtbot.waitUntil(lambda: window.computation.is_current(), timeout=5000)
        assert window.computation.latest.index == 5
        assert dialog.cancel_button.isEnabled() and not dialog.export_npz_button.isEnabled()
    assert len(dialog.result) == 300


def test_thumbnail_grid_shows_the_results(qtbot, window, answers):
    dialog = open_dialog(window)
    dialog.set_range(0, 150)
    run_to_end(qtbot, dialog)
    grid = dialog.grid
    assert grid.pages == 2 and grid.list.count() == 100
    labels = window.state.dataset.labels
    assert grid.list.item(3).text() == f"#3\n{labels[3]}"
    grid.next.click()
    assert grid.list.count() == 50 and grid.list.item(0).text().startswith("#100\n")
    assert grid.where.text() == "101–150 of 150"
    icon = grid.list.item(0).icon().pixmap(9, 9).toImage()
    assert not icon.isNull()
    grid.imageActivated.emit(120)
    assert window.state.index == 120


def test_exports_read_back_equal(qtbot, window, answers, tmp_path):
    dialog = open_dialog(window)
    dialog.set_range(10, 40)
    run_to_end(qtbot, dialog)
    want = expected(window, 10, 40)

    answers["save"] = [str(tmp_path / "out")]
    assert run_to_end(qtbot, dialog, dialog.export_npz) == "finished"
    with np.load(tmp_path / "out.npz") as archive:
        assert sorted(archive.files) == ["X_train", "Y_train"]
        np.testing.assert_allclose(archive["X_train"], want, atol=1e-6)
        np.testing.assert_array_equal(archive["Y_train"], window.state.dataset.labels[10:40])

    folder = tmp_path / "pngs"
    folder.mkdir()
    answers["folder"] = [str(folder)]
    assert run_to_end(qtbot, dialog, dialog.export_png_folder) == "finished"
    names = sorted(os.listdir(folder))
    labels = window.state.dataset.labels
    assert len(names) == 30 and names[0] == f"10_label{labels[10]}.png"
    image = QImage(str(folder / names[2])).convertToFormat(QImage.Format_Grayscale8)
    assert (image.width(), image.height()) == (9, 9)
    low, high = want.min(), want.max()
    row = np.array([image.pixelColor(c, 4).red() for c in range(9)])
    np.testing.assert_allclose(row, np.rint((want[2, 4, :, 0] - low) * 255 / (high - low)),
                               atol=1)

    answers["save"] = [str(tmp_path / "sheet.png")]
    dialog.sheet_columns.setValue(6)
    assert run_to_end(qtbot, dialog, dialog.export_sheet) == "finished"
    sheet = QImage(str(tmp_path / "sheet.png"))
    assert (sheet.width(), sheet.height()) == (6 * 36 + 7 * 2, 5 * (36 + 14) + 6 * 2)  # 5 x 6 cells


def test_overwrite_prompt_is_respected(qtbot, window, answers, tmp_path):
    dialog = open_dialog(window)
    dialog.set_range(0, 12)
    run_to_end(qtbot, dialog)
    target = tmp_path / "out.npz"
    target.write_bytes(b"keep")
    answers["save"] = [str(target)]
    answers["yes_no"] = [False]
    assert dialog.export_npz() is None
    assert answers["asked"] == ["Replace the file?"]
    assert target.read_bytes() == b"keep"

    first_png = f"00_label{window.state.dataset.labels[0]}.png"
    (tmp_path / first_png).write_bytes(b"keep")
    answers["folder"] = [str(tmp_path)]
    answers["yes_no"] = [False]
    assert dialog.export_png_folder() is None
    assert answers["asked"][-1] == "Replace the files?"
    assert sorted(os.listdir(tmp_path)) == sorted(["out.npz", first_png])
    assert (tmp_path / first_png).read_bytes() == b"keep"

    answers["save"] = [str(target)]
    answers["yes_no"] = [True]
    assert run_to_end(qtbot, dialog, dialog.export_npz) == "finished"
    assert np.load(target)["X_train"].shape == (12, 9, 9, 1)


def test_errors_are_reported_and_leave_nothing(qtbot, window, answers, tmp_path):
    images = np.ones((40, 20, 20))
    images[33, 1, 1] = np.nan
    window.set_dataset(Dataset(images, name="nan.npz: data", key="data"))
    answers["save"] = [str(tmp_path / "x.npy")]
    dialog = open_dialog(window)
    dialog.to_disk.setChecked(True)
    assert run_to_end(qtbot, dialog) == "failed"
    assert "image" in answers["errors"][0] and "Nothing was written" in answers["errors"][0]
    assert os.listdir(tmp_path) == []

    window.state.kernels = np.ones((15, 15))
    window.state.pool_mode = "off"
    window.state.stride = (1, 1)
    window.state.padding = "valid"
    window.state.dilation = (2, 2)
    assert not dialog.start_button.isEnabled()
    assert "Cannot process" in dialog.size_label.text()
    assert dialog.start() is False and "kernel" in answers["errors"][-1]


def test_closing_the_dialog_cancels(qtbot, window, answers, monkeypatch):
    monkeypatch.setattr(core_batch, "iter_batch", _slow(core_batch.iter_batch))
    dialog = open_dialog(window)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=5000)
    dialog.close()
    assert not dialog.is_running()
    qtbot.keyClick(window, Qt.Key_Right)


def test_range_spin_boxes_follow_the_dataset(qtbot, window, answers):
    dialog = open_dialog(window)
    assert (dialog.first.value(), dialog.last.value()) == (0, 299)
    dialog.set_range(50, 11)
    assert "Cannot process" in dialog.size_label.text()
    assert dialog.start() is False and "before it starts" in answers["errors"][-1]
    window.set_dataset(Dataset(np.zeros((7, 20, 20)), name="small"))
    assert (dialog.first.value(), dialog.last.value()) == (0, 6)
    assert "7 images" in dialog.summary.text()


# ------------------------------------------------------------------------------------------
# results you can trust


def test_every_array_of_the_file_is_saved_in_its_layout(qtbot, window, answers, tmp_path,
                                                         relu_max_pool_loops):
    rng = np.random.default_rng(9)
    arrays = {}
    for split, count in (("train", 30), ("valid", 7), ("test", 9)):
        arrays[f"X_{split}"] = rng.random((count, 12, 12)).astype(np.float32)
        arrays[f"Y_{split}"] = rng.integers(0, 10, count)
    np.savez(tmp_path / "MNIST.npz", **arrays)
    window.open_path(str(tmp_path / "MNIST.npz"))
    dialog = open_dialog(window)
    assert dialog.every_array.isVisibleTo(dialog) and dialog.every_array.isChecked()
    assert "X_valid, X_test" in dialog.every_array.text()
    assert run_to_end(qtbot, dialog) == "finished"
    answers["save"].append(str(tmp_path / "out.npz"))
    assert run_to_end(qtbot, dialog, dialog.export_npz) == "finished"
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == sorted(arrays)
        for split in ("train", "valid", "test"):
            np.testing.assert_allclose(out[f"X_{split}"],
                                       relu_max_pool_loops(arrays[f"X_{split}"], EDGE),
                                       atol=1e-5)
            np.testing.assert_array_equal(out[f"Y_{split}"], arrays[f"Y_{split}"])


def test_result_of_another_dataset_is_cleared_never_saved_under_its_name(qtbot, window,
                                                                        answers, tmp_path):
    dialog = open_dialog(window)
    assert run_to_end(qtbot, dialog) == "finished"
    assert dialog.grid.list.count() > 0
    photos = Dataset(np.random.default_rng(1).random((5, 30, 30)), name="photos")
    window.set_dataset(photos)
    window.batch_action.trigger()  # Ctrl+B again
    assert dialog.result is None and dialog.grid.list.count() == 0
    assert "previous result was cleared" in dialog.status.text()
    assert not dialog.export_npz_button.isEnabled()
    answers["save"].append(str(tmp_path / "photos_processed.npz"))
    assert dialog.export_npz() is None
    assert os.listdir(tmp_path) == []


def test_changed_settings_turn_saving_off_until_set_back(qtbot, window, answers, tmp_path):
    dialog = open_dialog(window)
    assert run_to_end(qtbot, dialog) == "finished"
    assert dialog.export_npz_button.isEnabled()
    window.state.stride = (2, 2)
    assert not dialog.export_npz_button.isEnabled()
    assert "settings changed" in dialog.status.text()
    answers["save"].append(str(tmp_path / "stale.npz"))
    assert dialog.export_npz() is None
    assert any("changed since this result was computed" in e for e in answers["errors"])
    assert os.listdir(tmp_path) == []
    window.state.stride = (1, 1)
    assert dialog.export_npz_button.isEnabled()


def test_small_maps_become_readable_nearest_neighbour_thumbnails(qtbot, window, answers):
    from convgui.thumbnail_grid import enlarged

    window.state.pool_mode = "max"   # 20x20 -> 18x18 -> 9x9 maps
    dialog = open_dialog(window)
    assert run_to_end(qtbot, dialog) == "finished"
    icon = dialog.grid.list.item(0).icon()
    size = dialog.grid.list.iconSize()
    pixmap = icon.pixmap(size)
    assert pixmap.width() >= 6 * 9       # not a 9-pixel speck
    image = pixmap.toImage()
    # every 6x6 block is one flat colour: nearest neighbour, no smoothing
    block = [image.pixel(x, y) for x in range(6) for y in range(6)]
    assert len(set(block)) == 1
    tile = np.arange(4, dtype=np.uint8).reshape(2, 2)
    np.testing.assert_array_equal(enlarged(tile, 4), [[0, 0, 1, 1], [0, 0, 1, 1],
                                                      [2, 2, 3, 3], [2, 2, 3, 3]])
