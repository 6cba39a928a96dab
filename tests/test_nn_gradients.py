"""Every backward pass of core.nn against central differences of its own forward pass (float64)."""

import numpy as np
import pytest

from core.nn import (AvgPool, Conv2D, Dense, Flatten, MaxPool, ReLU, build_network,
                     softmax_cross_entropy)
from core.nn.conv_grad import input_gradient

EPS = 1e-6


def numeric_gradient(f, array):
    """Central differences of the scalar ``f()`` with respect to every element of ``array``."""
    grad = np.zeros_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + EPS
        up = f()
        flat[k] = keep - EPS
        down = f()
        flat[k] = keep
        out[k] = (up - down) / (2 * EPS)
    return grad


def check_layer(layer, input_shape, rng, x=None):
    out_shape = layer.build(input_shape, rng, np.float64)
    for name in layer.params:  # non-zero biases too
        layer.params[name][...] = rng.standard_normal(layer.params[name].shape)
    x = rng.standard_normal((2,) + tuple(input_shape)) if x is None else x
    upstream = rng.standard_normal((2,) + tuple(out_shape))

    def loss():
        return float(np.sum(layer.forward(x) * upstream))

    assert layer.forward(x).shape == upstream.shape
    layer.forward(x, training=True)
    dx = layer.backward(upstream)
    np.testing.assert_allclose(dx, numeric_gradient(loss, x), rtol=1e-6, atol=1e-7)
    for name, param in layer.params.items():
        np.testing.assert_allclose(layer.grads[name], numeric_gradient(loss, param),
                                   rtol=1e-6, atol=1e-7, err_msg=name)


CONV_CASES = [
    dict(filters=3, kernel_hw=(3, 3)),
    dict(filters=2, kernel_hw=(3, 2), padding="same"),
    dict(filters=2, kernel_hw=(2, 3), padding="full", stride=2),
    dict(filters=2, kernel_hw=(3, 3), padding=((1, 0), (2, 1)), stride=(2, 1), dilation=(1, 2)),
    dict(filters=1, kernel_hw=(2, 2), stride=3, dilation=2, bias=False),
    dict(filters=2, kernel_hw=(3, 3), padding="same", padding_mode="reflect"),
    dict(filters=2, kernel_hw=(3, 2), padding=((2, 1), (1, 0)), stride=2,
         padding_mode="replicate"),
    dict(filters=1, kernel_hw=(2, 3), padding=(1, 2), dilation=(2, 1), padding_mode="circular"),
    dict(filters=2, kernel_hw=(3, 3), padding="full", stride=(1, 2), padding_mode="symmetric"),
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("channels", [1, 3])
def test_conv_backward(case, channels):
    kwargs = dict(case)
    filters, kernel_hw = kwargs.pop("filters"), kwargs.pop("kernel_hw")
    check_layer(Conv2D(filters, kernel_hw, **kwargs), (7, 8, channels),
                np.random.default_rng(channels))


def test_relu_backward():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5, 3))
    x[np.abs(x) < 0.01] = 0.5  # keep clear of the kink for the finite differences
    check_layer(ReLU(), (4, 5, 3), rng, x)


@pytest.mark.parametrize("size,stride", [((2, 2), None), ((3, 2), (1, 2)), ((3, 3), (2, 2))])
def test_maxpool_backward(size, stride):
    rng = np.random.default_rng(2)
    x = rng.permutation(2 * 7 * 6 * 2).reshape(2, 7, 6, 2) * 0.01  # distinct values: no ties
    check_layer(MaxPool(size, stride), (7, 6, 2), rng, x)


def test_maxpool_routes_a_tie_to_one_pixel_only():
    pool = MaxPool(2)
    pool.build((2, 2, 1), None, np.float64)
    pool.forward(np.zeros((1, 2, 2, 1)), training=True)  # four equal maxima
    dx = pool.backward(np.ones((1, 1, 1, 1)))
    assert dx.sum() == 1 and dx[0, 0, 0, 0] == 1


@pytest.mark.parametrize("size,stride", [((2, 2), None), ((3, 2), (2, 1))])
def test_avgpool_backward(size, stride):
    check_layer(AvgPool(size, stride), (7, 6, 2), np.random.default_rng(3))


def test_dense_and_flatten_backward():
    rng = np.random.default_rng(4)
    check_layer(Dense(4), (6,), rng)
    check_layer(Flatten(), (3, 2, 2), rng)


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((4, 5)) * 3
    labels = np.array([0, 4, 2, 2])
    _, grad = softmax_cross_entropy(logits, labels)
    numeric = numeric_gradient(lambda: softmax_cross_entropy(logits, labels)[0], logits)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    # and the loss itself against the definition -log p(label)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(4), labels]))
    assert softmax_cross_entropy(logits, labels)[0] == pytest.approx(expected)


@pytest.mark.parametrize("stack", [
    "conv:3x3x3:padding=same,relu,maxpool:2,conv:2x2x2:stride=2,avgpool:2,dense:5,relu",
    "conv:2x3x3:dilation=2,relu,conv:2x3x3,maxpool:2",
])
def test_whole_network_gradient(stack):
    rng = np.random.default_rng(6)
    net = build_network(stack, (9, 9, 2), 3, dtype=np.float64, seed=1)
    for layer in net.layers:
        for param in layer.params.values():
            param[...] = rng.standard_normal(param.shape) * 0.5
    x = rng.standard_normal((3, 9, 9, 2))
    labels = np.array([0, 2, 1])

    def loss():
        return softmax_cross_entropy(net.forward(x), labels)[0]

    net.loss_and_gradients(x, labels)
    for index, layer in enumerate(net.layers):
        for name, param in layer.params.items():
            np.testing.assert_allclose(layer.grads[name], numeric_gradient(loss, param),
                                       rtol=1e-5, atol=1e-8, err_msg=f"layer {index} {name}")


def test_frozen_first_layer_keeps_its_kernels_and_gets_no_gradient():
    rng = np.random.default_rng(7)
    net = build_network("conv:2x3x3,relu,conv:2x3x3", (8, 8), 2, dtype=np.float64)
    net.layers[0].frozen = True
    net.loss_and_gradients(rng.standard_normal((2, 8, 8)), np.array([0, 1]))
    assert "W" not in net.layers[0].grads
    assert set(net.layers[2].grads) == {"W", "b"}
    params = [p for p, _ in net.trainable()]
    assert not any(p is net.layers[0].params["W"] for p in params)


def test_input_gradient_is_a_brute_force_scatter():
    """The transposed convolution against a loop that spreads each output back by hand."""
    rng = np.random.default_rng(8)
    h, w, c, nc, (kh, kw), (sh, sw), (dh, dw) = 9, 8, 2, 3, (3, 2), (2, 3), (2, 1)
    pads = ((1, 2), (0, 1))
    kernels = rng.standard_normal((kh, kw, c, nc))
    oh = (h + 3 - (kh - 1) * dh - 1) // sh + 1
    ow = (w + 1 - (kw - 1) * dw - 1) // sw + 1
    dy = rng.standard_normal((2, oh, ow, nc))
    padded = np.zeros((2, h + 3, w + 1, c))
    for r in range(oh):
        for q in range(ow):
            for i in range(kh):
                for j in range(kw):
                    reads = dy[:, r, q, :] @ kernels[i, j].T
                    padded[:, r * sh + i * dh, q * sw + j * dw, :] += reads
    expected = padded[:, 1:1 + h, 0:w]
    got = input_gradient(dy, kernels, (h, w), pads, (sh, sw), (dh, dw))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def conv_input_gradient_by_flipped_correlation(dy, kernels, input_hw, pads, stride, dilation):
    """The same gradient another way: the engine's true convolution (flip=True) of the
    stride-stretched, fully padded ``dy`` with the kernels' channels swapped, then cropped."""
    from core import conv2d

    (t, b), (l, r) = pads
    h, w = input_hw
    n, oh, ow, nc = dy.shape
    spread = np.zeros((n, (oh - 1) * stride[0] + 1, (ow - 1) * stride[1] + 1, nc))
    spread[:, ::stride[0], ::stride[1]] = dy
    full = conv2d(spread, kernels.transpose(0, 1, 3, 2), padding="full", dilation=dilation,
                  flip=True)
    padded = np.zeros((n, h + t + b, w + l + r, kernels.shape[2]))
    fh, fw = min(full.shape[1], padded.shape[1]), min(full.shape[2], padded.shape[2])
    padded[:, :fh, :fw] = full[:, :fh, :fw]
    return padded[:, t:t + h, l:l + w]


@pytest.mark.parametrize("case", CONV_CASES)
def test_transposed_convolution_agrees_with_the_flipped_correlation(case):
    kwargs = dict(case)
    layer = Conv2D(kwargs.pop("filters"), kwargs.pop("kernel_hw"), **kwargs)
    rng = np.random.default_rng(9)
    oh, ow, nc = layer.build((11, 10, 2), rng, np.float64)
    dy = rng.standard_normal((3, oh, ow, nc))
    args = (dy, layer.params["W"], (11, 10), layer.pads, layer.stride, layer.dilation)
    np.testing.assert_allclose(input_gradient(*args),
                               conv_input_gradient_by_flipped_correlation(*args),
                               rtol=1e-12, atol=1e-12)
