"""The window's training job without a window: colour data, hand-made start, pause and stop."""


import numpy as np
import pytest

from convgui.training_job import TrainingRun, TrainingSettings, default_layers
from core.datasets import load_sample


def run_to_end(run):
    steps = run.job()
    try:
        while True:
            next(steps)
    except StopIteration as stop:
        return stop.value


def test_colour_photos_with_class_names():
    data = load_sample("Tiny photos 32x32")
    run = TrainingRun(data, TrainingSettings("conv:4x3x3,relu,maxpool:2", epochs=2,
                                             batch_size=16))
    result = run_to_end(run)
    assert result.network.input_shape == (32, 32, 3)
    assert result.network.class_names == list(data.class_names)
    assert result.confusion.shape == (3, 3) and result.confusion.sum() == run.sizes[1]
    assert run.kernels.shape == (3, 3, 3, 4)
    assert len(run.epochs) == 2 and all(0 <= e[3] <= 1 for e in run.epochs)


def test_hand_made_start_must_match_layer_one():
    data = load_sample("MNIST digits")
    bank = np.ones((3, 3, 1, 2))
    run = TrainingRun(data, TrainingSettings(default_layers(bank), start="handmade",
                                             kernels=bank, limit=64, epochs=1))
    result = run_to_end(run)
    assert not np.array_equal(result.network.layers[0].params["W"], bank)  # it learned
    wrong = TrainingRun(data, TrainingSettings("conv:8x5x5", start="handmade", kernels=bank))
    with pytest.raises(ValueError, match="hand-made bank holds 2 kernel"):
        run_to_end(wrong)


def test_a_paused_job_keeps_reporting_without_training_and_stop_scores_it():
    data = load_sample("MNIST digits")
    run = TrainingRun(data, TrainingSettings("conv:2x3x3", epochs=5, limit=256))
    steps = run.job()
    next(steps)
    run.pause()
    reported = [next(steps) for _ in range(3)]
    assert len(set(reported)) == 1 and len(run.steps) <= 2
    run.request_stop()
    with pytest.raises(StopIteration) as end:
        while True:
            next(steps)
    result = end.value.value
    assert result.stopped_early and result.confusion.sum() == 200
