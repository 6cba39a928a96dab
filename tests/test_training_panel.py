"""Train ▸ Train on this dataset…: start, pause, stop, curves, kernels, confusion matrix, files."""

import numpy as np
import pytest
from PyQt5.QtCore import Qt, QTimer

from convgui import dialogs
from core.kernels import find_preset, load_kernel
from core.nn import load_model


def open_panel(window, qtbot):
    window.train_action.trigger()
    panel = window.training_panel
    qtbot.waitExposed(panel)
    return panel


def click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def set_spin(qtbot, spin, value):
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    spin.interpretText()
    assert spin.value() == value


def curve_points(curve):
    x, _ = curve.getData()
    return 0 if x is None else len(x)


def test_menu_opens_the_panel_with_the_classic_stack(window, qtbot):
    assert "Train" in [a.text().replace("&", "") for a in window.menuBar().actions()]
    panel = open_panel(window, qtbot)
    assert panel.layers.text() == "conv:8x5x5,relu,maxpool:2"
    assert "1000 labelled images 28×28" in panel.data_label.text()
    assert "X_valid" in panel.data_label.text()
    assert not panel.pause_button.isEnabled() and not panel.save_model_button.isEnabled()
    assert panel.stack_label.text() == ("sizes 28×28×1 → 24×24×8 → 12×12×8 → 10 classes · "
                                        "receptive field 5 → 6 px (jump 2)")
    panel.layers.clear()
    qtbot.keyClicks(panel.layers, "conv:4x3x3:stride=2,relu,conv:2x40x40")
    assert "layer 3" in panel.stack_label.text()  # told while typing, before Start


def test_start_pause_resume_stop_while_the_window_stays_responsive(window, qtbot):
    panel = open_panel(window, qtbot)
    set_spin(qtbot, panel.epochs, 50)
    set_spin(qtbot, panel.limit, 300)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    click(qtbot, panel.start_button)
    assert panel.is_running() and not panel.start_button.isEnabled()
    qtbot.waitUntil(lambda: curve_points(panel.loss_curve) >= 8, timeout=20000)
    first_kernels = panel.kernel_image.image.copy()
    qtbot.waitUntil(lambda: not np.array_equal(panel.kernel_image.image, first_kernels),
                    timeout=10000)  # layer 1 is redrawn as it learns
    # The event loop keeps running during training (a timer ticks while it still trains).
    qtbot.waitUntil(lambda: len(ticks) >= 5 and panel.is_running(), timeout=5000)

    click(qtbot, panel.pause_button)
    assert panel.pause_button.text() == "Resume" and "Paused" in panel.status.text()
    qtbot.wait(150)
    steps = len(panel.run.steps)
    qtbot.wait(400)
    assert len(panel.run.steps) == steps  # nothing trains while paused
    assert panel.is_running()

    click(qtbot, panel.pause_button)
    qtbot.waitUntil(lambda: len(panel.run.steps) > steps, timeout=10000)
    with qtbot.waitSignal(panel.worker.finished, timeout=20000):
        click(qtbot, panel.stop_button)
    timer.stop()
    assert panel.result.stopped_early
    assert panel.status.text().startswith("Stopped early: validation accuracy")
    assert panel.start_button.isEnabled() and panel.save_model_button.isEnabled()
    assert panel.confusion.rowCount() == 10


def test_a_finished_run_shows_accuracy_per_epoch_and_the_confusion_matrix(window, qtbot):
    panel = open_panel(window, qtbot)
    set_spin(qtbot, panel.epochs, 2)
    set_spin(qtbot, panel.limit, 200)
    click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert curve_points(panel.valid_curve) == 2
    assert "epoch 1:" in panel.epoch_label.text() and "epoch 2:" in panel.epoch_label.text()
    # the table against the network's own predictions, counted here
    data = window.state.dataset.load_alternative("X_valid")
    predicted = panel.result.network.predict(data.images)
    for true_class, predicted_class in ((3, 3), (4, 9), (7, 1)):
        expected = int(np.sum((data.labels == true_class) & (predicted == predicted_class)))
        assert panel.confusion.item(true_class, predicted_class).text() == str(expected)
    total = sum(int(panel.confusion.item(r, c).text()) for r in range(10) for c in range(10))
    assert total == 200
    assert f"{100 * np.mean(predicted == data.labels):.1f}%" in panel.status.text()


def test_frozen_hand_made_kernels_stay_and_the_rest_learns(window, qtbot):
    sobel = find_preset("sobel_x").kernel
    window.state.kernels = sobel[:, :, None, None]
    panel = open_panel(window, qtbot)
    panel.start_from.setCurrentIndex(panel.start_from.findData("frozen"))
    assert panel.layers.text().startswith("conv:1x3x3,")
    set_spin(qtbot, panel.epochs, 1)
    set_spin(qtbot, panel.limit, 128)
    click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    conv, dense = panel.result.network.layers[0], panel.result.network.layers[-1]
    np.testing.assert_array_equal(conv.params["W"][:, :, 0, 0], sobel.astype(np.float32))
    assert np.any(dense.params["W"] != 0) and "frozen" in panel.kernel_caption.text()


def test_learned_kernels_go_to_the_editor_and_to_files(window, qtbot, tmp_path, monkeypatch):
    panel = open_panel(window, qtbot)
    set_spin(qtbot, panel.epochs, 1)
    set_spin(qtbot, panel.limit, 64)
    click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    learned = panel.result.network.layers[0].params["W"]
    click(qtbot, panel.open_button)
    np.testing.assert_allclose(window.state.kernels, learned, rtol=1e-6)
    assert window.state.kernels.shape == (5, 5, 1, 8)
    targets = iter([str(tmp_path / "bank.json"), str(tmp_path / "model.npz")])
    monkeypatch.setattr(dialogs, "ask_save_target", lambda *a, **k: next(targets))
    click(qtbot, panel.save_kernels_button)
    np.testing.assert_allclose(load_kernel(tmp_path / "bank.json"), learned, rtol=1e-6)
    click(qtbot, panel.save_model_button)
    back = load_model(tmp_path / "model.npz")
    np.testing.assert_array_equal(back.layers[0].params["W"], learned)


@pytest.mark.parametrize("layers,words", [("conv:8x40x40,relu", "layer 1"),
                                          ("conv:8x5x5,softmax", "cannot read")])
def test_a_bad_stack_gets_a_message_and_changes_nothing(window, qtbot, errors, layers, words):
    before = np.array(window.state.kernels)
    panel = open_panel(window, qtbot)
    panel.layers.setText(layers)
    click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert errors[0][0] == "Training failed" and words in errors[0][1]
    assert panel.start_button.isEnabled()
    np.testing.assert_array_equal(window.state.kernels, before)


def test_closing_the_window_during_training_ends_the_job(make_window, qtbot):
    window = make_window()
    panel = open_panel(window, qtbot)
    set_spin(qtbot, panel.epochs, 100)
    click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: curve_points(panel.loss_curve) > 0, timeout=20000)
    window.close()
    assert not panel.is_running()


def test_unlabelled_data_gets_a_message(window, qtbot, errors):
    window.open_sample("Camera man")
    panel = open_panel(window, qtbot)
    assert "without labels" in panel.data_label.text()
    click(qtbot, panel.start_button)
    assert errors and errors[0][0] == "Cannot train" and "labelled" in errors[0][1]
    assert not panel.is_running()
