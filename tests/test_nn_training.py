"""Training, optimisers, the layer-stack text and the confusion matrix of core.nn."""

import numpy as np
import pytest

from core.nn import (SGD, Adam, accuracy, build_network, confusion_matrix, make_optimizer,
                     parse_layers, train)


def bars(count, rng, size=8):
    """Horizontal bars (class 0) and vertical bars (class 1) at random places, on noise."""
    x = rng.uniform(0, 0.2, (count, size, size)).astype(np.float32)
    y = np.arange(count) % 2
    where = rng.integers(1, size - 1, count)
    for k in range(count):
        if y[k] == 0:
            x[k, where[k], 1:-1] = 1
        else:
            x[k, 1:-1, where[k]] = 1
    return x, y


def test_tiny_separable_set_reaches_100_percent():
    rng = np.random.default_rng(0)
    x, y = bars(64, rng)
    net = build_network("conv:4x3x3,relu,maxpool:2", (8, 8), 2, seed=3)
    assert accuracy(net, x, y) < 1.0
    progress = list(train(net, Adam(lr=0.02), x, y, epochs=15, batch_size=16, valid=(x, y)))
    assert progress[-1].kind == "epoch" and progress[-1].valid_accuracy == 1.0
    assert accuracy(net, x, y) == 1.0
    losses = [p.loss for p in progress if p.kind == "epoch"]
    assert losses[-1] < losses[0] / 5


def test_progress_counts_batches_and_epochs():
    rng = np.random.default_rng(1)
    x, y = bars(10, rng)
    net = build_network("conv:2x3x3", (8, 8), 2)
    progress = list(train(net, SGD(lr=0.01), x, y, epochs=2, batch_size=4))
    kinds = [p.kind for p in progress]
    assert kinds == ["batch"] * 3 + ["epoch"] + ["batch"] * 3 + ["epoch"]
    assert [p.batch for p in progress[:3]] == [1, 2, 3]
    assert progress[-1].fraction == 1.0 and progress[1].fraction == pytest.approx(2 / 6)
    assert progress[-1].valid_accuracy is None


def test_stopping_the_generator_stops_training():
    rng = np.random.default_rng(2)
    x, y = bars(32, rng)
    net = build_network("conv:2x3x3", (8, 8), 2)
    before = net.layers[0].params["W"].copy()
    steps = train(net, Adam(), x, y, epochs=5, batch_size=8)
    next(steps)
    after_one = net.layers[0].params["W"].copy()
    steps.close()
    assert not np.array_equal(before, after_one)
    np.testing.assert_array_equal(net.layers[0].params["W"], after_one)


def test_sgd_momentum_and_adam_against_hand_computed_steps():
    p = np.array([1.0, -2.0])
    sgd = SGD(lr=0.1, momentum=0.5)
    sgd.step([(p, np.array([1.0, 2.0]))])    # v = -0.1, -0.2
    sgd.step([(p, np.array([1.0, 2.0]))])    # v = -0.15, -0.3
    np.testing.assert_allclose(p, [1 - 0.25, -2 - 0.5])
    q = np.array([0.0])
    adam = Adam(lr=0.1, beta1=0.5, beta2=0.5, eps=1e-12)
    adam.step([(q, np.array([2.0]))])
    adam.step([(q, np.array([1.0]))])
    # step 1 moves by lr; step 2 by lr * (bias-corrected mean) / sqrt(bias-corrected square)
    m = (0.5 * 0.5 * 2 + 0.5 * 1) / (1 - 0.25)
    v = (0.5 * 0.5 * 4 + 0.5 * 1) / (1 - 0.25)
    np.testing.assert_allclose(q, [-0.1 - 0.1 * m / np.sqrt(v)])


def test_confusion_matrix_against_counting_by_hand():
    rng = np.random.default_rng(3)
    true, pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = np.zeros((4, 4), int)
    for t, p in zip(true, pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(true, pred, 4), expected)


def test_the_default_network_shapes():
    net = build_network("conv:8x5x5,relu,maxpool:2", (28, 28), 10)
    assert net.shapes[-3:] == [(12, 12, 8), (1152,), (10,)]
    assert net.layers[-1].params["W"].shape == (1152, 10)
    assert net.layers[0].params["W"].dtype == np.float32


@pytest.mark.parametrize("text,words", [
    ("", "empty"),
    ("conv", "needs a size"),
    ("conv:8x5x5x5", "NxKHxKW"),
    ("conv:0x5x5", "at least 1"),
    ("conv:8x5x5:stride=two", "whole number"),
    ("conv:8x5x5:colour=red", "unknown option"),
    ("conv:8x5x5:mode=mirror", "must be one of zeros, reflect"),
    ("maxpool:2x2x2", "K or KHxKW"),
    ("softmax", "cannot read"),
])
def test_bad_layer_text_is_refused_with_a_reason(text, words):
    with pytest.raises(ValueError, match="layers") as info:
        parse_layers(text)
    assert words in str(info.value)


def test_a_stack_that_shrinks_the_image_away_is_refused():
    with pytest.raises(ValueError, match="layer 3"):
        build_network("conv:2x5x5,relu,conv:2x5x5", (6, 6), 2)


def test_bad_training_arguments_are_refused_before_training():
    rng = np.random.default_rng(4)
    x, y = bars(8, rng)
    net = build_network("conv:2x3x3", (8, 8), 2)
    with pytest.raises(ValueError, match="labels must be in 0..1"):
        next(train(net, Adam(), x, y + 1))
    with pytest.raises(ValueError, match="batch_size"):
        next(train(net, Adam(), x, y, batch_size=0))
    with pytest.raises(ValueError, match="built for"):
        next(train(net, Adam(), x[:, :6], y))
    with pytest.raises(ValueError, match="optimizer"):
        make_optimizer("rmsprop")
    with pytest.raises(ValueError, match="lr"):
        Adam(lr=-1)


def test_divergence_is_reported():
    rng = np.random.default_rng(5)
    x, y = bars(16, rng)
    net = build_network("conv:2x3x3", (8, 8), 2)
    with pytest.raises(ValueError, match="diverged"):
        for _ in train(net, SGD(lr=1e30, momentum=0), x * 1e10, y, epochs=3, batch_size=4):
            pass


def test_uint8_images_are_scaled():
    net = build_network("conv:2x3x3", (8, 8), 2, input_scale=1 / 255, dtype=np.float64)
    x = np.full((1, 8, 8), 255, np.uint8)
    same = build_network("conv:2x3x3", (8, 8), 2, dtype=np.float64)
    np.testing.assert_allclose(net.forward(x), same.forward(np.ones((1, 8, 8))))


def test_layer_text_with_pairs_builds_the_geometry_it_says():
    conv, pool = parse_layers("conv:2x5x3:padding=2x1:stride=1x2:dilation=2x1,maxpool:3x2:stride=1")
    assert (conv.kernel_hw, conv.padding, conv.stride, conv.dilation) == (
        (5, 3), (2, 1), (1, 2), (2, 1))
    assert (pool.size, pool.stride) == ((3, 2), (1, 1))
    net = build_network([conv], (20, 20), 2)
    # (20 + 4 - 2*4 - 1) // 1 + 1 = 16 rows; (20 + 2 - 3) // 2 + 1 = 10 columns
    assert net.shapes[1] == (16, 10, 2)
