"""The layers of a small CNN, each with a forward pass and its backward pass in NumPy.

Every layer works on a batch, channels last: images ``(n, h, w, c)``, vectors ``(n, d)``. A layer
keeps what its backward pass needs from the last ``forward(..., training=True)``;
``backward(dy)`` returns the gradient with respect to its input and leaves the gradients of its
parameters in ``grads`` (same keys as ``params``).

Layers are described by a plain dict (:meth:`Layer.config`), which is how model files store the
architecture (see :mod:`core.nn.model_file`).
"""

import numpy as np

from .._checks import as_pair
from ..engine import conv2d, pool2d
from ..geometry import output_size, resolve_padding
from ..padding import check_padding_mode
from .conv_grad import input_gradient, kernel_gradient

__all__ = ["Layer", "Conv2D", "ReLU", "MaxPool", "AvgPool", "Flatten", "Dense",
           "layer_from_config"]


class Layer:
    """Base class: no parameters, shape unchanged."""

    kind = ""

    def __init__(self):
        self.params = {}
        self.grads = {}
        #: False for the first layer: its input gradient is never needed, so it is not computed.
        self.needs_input_grad = True
        #: True when the optimiser must leave this layer's parameters alone ("freeze").
        self.frozen = False

    def build(self, input_shape, rng, dtype):
        """Create the parameters for one sample of ``input_shape``; return the output shape."""
        return tuple(input_shape)

    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def config(self):
        """A JSON-ready dict that :func:`layer_from_config` turns back into this layer."""
        return {"type": self.kind}

    def describe(self):
        """A short text such as ``'conv 8×5×5'`` for progress messages and panels."""
        return self.kind


def _he_normal(rng, shape, fan_in, dtype):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


class Conv2D(Layer):
    """A bank of ``filters`` kernels of ``kernel_hw`` with padding, stride, dilation and bias.

    The forward pass is the engine's :func:`core.conv2d` (cross-correlation); the backward pass
    is in :mod:`core.nn.conv_grad`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Conv2D(4, (3, 3), padding="same")
    >>> layer.build((28, 28, 1), np.random.default_rng(0), np.float32)
    (28, 28, 4)
    >>> layer.params["W"].shape, layer.params["b"].shape
    ((3, 3, 1, 4), (4,))
    """

    kind = "conv"

    def __init__(self, filters, kernel_hw, *, padding="valid", stride=1, dilation=1, bias=True,
                 padding_mode="zeros"):
        super().__init__()
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"filters must be a positive int, got {filters!r}")
        self.filters = int(filters)
        self.kernel_hw = as_pair(kernel_hw, "kernel_hw")
        self.padding = padding
        self.stride = as_pair(stride, "stride")
        self.dilation = as_pair(dilation, "dilation")
        self.bias = bool(bias)
        self.padding_mode = check_padding_mode(padding_mode)
        self.pads = None
        self._x = None

    def build(self, input_shape, rng, dtype):
        if len(input_shape) != 3:
            raise ValueError(f"a conv layer needs images (h, w, c) as input, got shape "
                             f"{tuple(input_shape)}")
        h, w, c = input_shape
        self.pads = resolve_padding(self.padding, (h, w), self.kernel_hw, self.stride,
                                    self.dilation)
        self.padding = [list(p) for p in self.pads]
        check_padding_mode(self.padding_mode, self.pads, (h, w))
        oh, ow = (output_size(size, k, sum(p), s, d) for size, k, p, s, d in zip(
            (h, w), self.kernel_hw, self.pads, self.stride, self.dilation))
        kh, kw = self.kernel_hw
        self.params["W"] = _he_normal(rng, (kh, kw, c, self.filters), kh * kw * c, dtype)
        if self.bias:
            self.params["b"] = np.zeros(self.filters, dtype=dtype)
        self.input_hw = (h, w)
        return (oh, ow, self.filters)

    def forward(self, x, training=False):
        if training:
            self._x = x
        return conv2d(x, self.params["W"], padding=self.pads, stride=self.stride,
                      dilation=self.dilation, dtype=x.dtype, padding_mode=self.padding_mode,
                      bias=self.params["b"] if self.bias else None)

    def backward(self, dy):
        x, self._x = self._x, None
        if not self.frozen:
            self.grads["W"] = kernel_gradient(x, dy, self.kernel_hw, self.pads, self.stride,
                                              self.dilation, self.padding_mode
                                              ).astype(dy.dtype, copy=False)
            if self.bias:
                self.grads["b"] = dy.sum(axis=(0, 1, 2))
        if not self.needs_input_grad:
            return None
        return input_gradient(dy, self.params["W"], x.shape[1:3], self.pads, self.stride,
                              self.dilation, self.padding_mode)

    def config(self):
        return {"type": self.kind, "filters": self.filters, "kernel": list(self.kernel_hw),
                "padding": [list(p) for p in self.pads] if self.pads else self.padding,
                "stride": list(self.stride), "dilation": list(self.dilation), "bias": self.bias,
                "padding_mode": self.padding_mode}

    def describe(self):
        kh, kw = self.kernel_hw
        extras = [f"{name} {a}" if a == b else f"{name} {a},{b}"
                  for name, (a, b) in (("stride", self.stride), ("dilation", self.dilation))
                  if (a, b) != (1, 1)]
        if self.padding_mode != "zeros":
            extras.append(f"{self.padding_mode} border")
        return " ".join([f"conv {self.filters}×{kh}×{kw}"] + extras)


class ReLU(Layer):
    """``max(x, 0)``; the backward pass lets the gradient through where the input was positive.

    Examples
    --------
    >>> import numpy as np
    >>> relu = ReLU()
    >>> relu.forward(np.array([[-1.0, 2.0]]), training=True)
    array([[0., 2.]])
    >>> relu.backward(np.array([[5.0, 5.0]]))
    array([[0., 5.]])
    """

    kind = "relu"

    def forward(self, x, training=False):
        y = np.maximum(x, 0)
        if training:
            self._mask = x > 0
        return y

    def backward(self, dy):
        mask, self._mask = self._mask, None
        return dy * mask


class Pool(Layer):
    mode = ""

    def __init__(self, size, stride=None):
        super().__init__()
        self.size = as_pair(size, "size")
        self.stride = as_pair(self.size if stride is None else stride, "stride")

    def build(self, input_shape, rng, dtype):
        if len(input_shape) != 3:
            raise ValueError(f"a pooling layer needs images (h, w, c) as input, got shape "
                             f"{tuple(input_shape)}")
        h, w, c = input_shape
        oh, ow = (output_size(n, k, 0, s) for n, k, s in zip((h, w), self.size, self.stride))
        return (oh, ow, c)

    def forward(self, x, training=False):
        y = pool2d(x, self.size, stride=self.stride, mode=self.mode, dtype=x.dtype)
        if training:
            self._x, self._y = x, y
        return y

    def _tap_views(self, array, out_hw):
        """``[(i, j, view)]``: the strided view of ``array`` each window tap reads."""
        (kh, kw), (sh, sw), (oh, ow) = self.size, self.stride, out_hw
        return [(i, j, array[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw])
                for i in range(kh) for j in range(kw)]

    def config(self):
        return {"type": self.kind, "size": list(self.size), "stride": list(self.stride)}

    def describe(self):
        kh, kw = self.size
        text = f"{self.kind} {kh}" if kh == kw else f"{self.kind} {kh}×{kw}"
        return text if self.stride == self.size else f"{text} stride {self.stride[0]}"


class MaxPool(Pool):
    """Max pooling; the backward pass routes each window's gradient to its winner only.

    When several pixels of a window tie for the maximum (zeros after a ReLU often do), the first
    one in row-major order wins, as in the forward pass of common frameworks.

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool(2)
    >>> x = np.array([1.0, 3, 2, 0]).reshape(1, 2, 2, 1)
    >>> pool.forward(x, training=True)[0, :, :, 0]
    array([[3.]])
    >>> pool.backward(np.ones((1, 1, 1, 1)))[0, :, :, 0]
    array([[0., 1.],
           [0., 0.]])
    """

    kind = "maxpool"
    mode = "max"

    def backward(self, dy):
        x, y = self._x, self._y
        self._x = self._y = None
        dx = np.zeros_like(x)
        waiting = np.ones(y.shape, dtype=bool)   # windows whose winner is not found yet
        wins = np.empty(y.shape, dtype=bool)
        share = np.empty_like(dy)
        out_hw = y.shape[1:3]
        disjoint = all(s >= k for s, k in zip(self.stride, self.size))
        for (_, _, xv), (_, _, dv) in zip(self._tap_views(x, out_hw), self._tap_views(dx, out_hw)):
            np.equal(xv, y, out=wins)
            wins &= waiting
            waiting ^= wins
            if disjoint:  # each input pixel is in one window: write, no accumulation
                np.multiply(dy, wins, out=dv)
            else:
                np.multiply(dy, wins, out=share)
                dv += share
        return dx


class AvgPool(Pool):
    """Average pooling; the backward pass shares each window's gradient equally.

    Examples
    --------
    >>> import numpy as np
    >>> pool = AvgPool(2)
    >>> _ = pool.forward(np.zeros((1, 2, 2, 1)), training=True)
    >>> pool.backward(np.full((1, 1, 1, 1), 4.0))[0, :, :, 0]
    array([[1., 1.],
           [1., 1.]])
    """

    kind = "avgpool"
    mode = "avg"

    def backward(self, dy):
        x, self._x, self._y = self._x, None, None
        dx = np.zeros_like(x)
        share = dy / (self.size[0] * self.size[1])
        for _, _, dv in self._tap_views(dx, dy.shape[1:3]):
            dv += share
        return dx


class Flatten(Layer):
    """``(n, h, w, c)`` → ``(n, h·w·c)``; the backward pass reshapes back."""

    kind = "flatten"

    def build(self, input_shape, rng, dtype):
        self._shape = tuple(input_shape)
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        return x.reshape(len(x), -1)

    def backward(self, dy):
        return dy.reshape((len(dy),) + self._shape)


class Dense(Layer):
    """A fully connected layer ``x @ W + b``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(10)
    >>> layer.build((1152,), np.random.default_rng(0), np.float32)
    (10,)
    """

    kind = "dense"

    def __init__(self, units):
        super().__init__()
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units must be a positive int, got {units!r}")
        self.units = int(units)

    def build(self, input_shape, rng, dtype):
        if len(input_shape) != 1:
            raise ValueError(f"a dense layer needs vectors as input (flatten first), got shape "
                             f"{tuple(input_shape)}")
        (d,) = input_shape
        self.params["W"] = _he_normal(rng, (d, self.units), d, dtype)
        self.params["b"] = np.zeros(self.units, dtype=dtype)
        return (self.units,)

    def forward(self, x, training=False):
        if training:
            self._x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        x, self._x = self._x, None
        if not self.frozen:
            self.grads["W"] = x.T @ dy
            self.grads["b"] = dy.sum(axis=0)
        if not self.needs_input_grad:
            return None
        return dy @ self.params["W"].T

    def config(self):
        return {"type": self.kind, "units": self.units}

    def describe(self):
        return f"dense {self.units}"


def layer_from_config(config):
    """Build a layer (without parameters) from a :meth:`Layer.config` dict.

    Examples
    --------
    >>> layer_from_config({"type": "maxpool", "size": [2, 2], "stride": [2, 2]}).describe()
    'maxpool 2'
    """
    if not isinstance(config, dict) or not isinstance(config.get("type"), str):
        raise ValueError(f"a layer must be an object with a 'type', got {config!r}")
    kind = config["type"]
    try:
        if kind == "conv":
            padding = config.get("padding", "valid")
            if isinstance(padding, list):
                padding = tuple(tuple(p) if isinstance(p, list) else p for p in padding)
            return Conv2D(config["filters"], tuple(config["kernel"]), padding=padding,
                          stride=tuple(config.get("stride", (1, 1))),
                          dilation=tuple(config.get("dilation", (1, 1))),
                          bias=config.get("bias", True),
                          padding_mode=config.get("padding_mode", "zeros"))
        if kind in ("maxpool", "avgpool"):
            cls = MaxPool if kind == "maxpool" else AvgPool
            stride = config.get("stride")
            return cls(tuple(config["size"]), None if stride is None else tuple(stride))
        if kind == "dense":
            return Dense(config["units"])
        if kind in ("relu", "flatten"):
            return ReLU() if kind == "relu" else Flatten()
    except KeyError as exc:
        raise ValueError(f"layer {kind!r} misses its {exc.args[0]!r}") from None
    raise ValueError(f"unknown layer type {kind!r}; known: conv, relu, maxpool, avgpool, "
                     "flatten, dense")
