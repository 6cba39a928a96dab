"""A stack of layers ending in a dense softmax classifier, and the text that describes one.

A stack is written as comma-separated layers, e.g. ``"conv:8x5x5,relu,maxpool:2"``:

* ``conv:NxKHxKW`` (or ``conv:NxK``) with optional ``:padding=valid|same|full|P|PHxPW``,
  ``:mode=zeros|reflect|replicate|circular|symmetric`` (what fills the padding),
  ``:stride=S|SHxSW``, ``:dilation=D|DHxDW``, ``:bias=no``;
* ``relu``; ``maxpool:K`` / ``avgpool:K`` (or ``KHxKW``) with optional ``:stride=S``;
* ``dense:N`` (a hidden fully connected layer; the flatten before it is added for you).

:func:`build_network` adds the final ``flatten`` and ``dense`` layer with one unit per class.
"""

import numpy as np

from ..choices import PADDING_WORDS
from .layers import AvgPool, Conv2D, Dense, Flatten, Layer, MaxPool, ReLU
from .loss import softmax_cross_entropy

__all__ = ["Network", "parse_layers", "build_network", "prepare_images", "DEFAULT_LAYERS"]

#: The classic small stack offered when nothing else is given: 8 kernels 5×5, ReLU, 2×2 max pool.
DEFAULT_LAYERS = "conv:8x5x5,relu,maxpool:2"


def _int(text, what, spec):
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"layers: {what} in {spec!r} must be a whole number, got {text!r}") \
            from None
    if value < 1:
        raise ValueError(f"layers: {what} in {spec!r} must be at least 1, got {value}")
    return value


def _pair_option(text, what, spec, minimum=1):
    """``"2"`` → (2, 2); ``"1x2"`` → (1, 2)."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) not in (1, 2):
        raise ValueError(f"layers: {what} in {spec!r} must be N or NxM, got {text!r}")
    values = []
    for part in parts:
        try:
            value = int(part)
        except ValueError:
            raise ValueError(f"layers: {what} in {spec!r} must be a whole number, got "
                             f"{text!r}") from None
        if value < minimum:
            raise ValueError(f"layers: {what} in {spec!r} must be at least {minimum}, got "
                             f"{value}")
        values.append(value)
    return (values[0], values[-1])


def _padding_mode(text, spec):
    from ..padding import PADDING_MODES

    mode = text.lower()
    if mode not in PADDING_MODES:
        raise ValueError(f"layers: mode in {spec!r} must be one of {', '.join(PADDING_MODES)}, "
                         f"got {text!r}")
    return mode


def _sizes(text, count, what, spec):
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) == count - 1 and count == 3:  # conv:8x5 means 8 kernels of 5x5
        parts = parts + parts[-1:]
    if len(parts) == 1 and count == 2:
        parts = parts * 2
    if len(parts) != count:
        raise ValueError(f"layers: {what} in {spec!r} must look like "
                         f"{'NxKHxKW' if count == 3 else 'K or KHxKW'}, got {text!r}")
    return [_int(p, what, spec) for p in parts]


def _options(items, allowed, spec):
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in allowed:
            raise ValueError(f"layers: unknown option {item!r} in {spec!r}; "
                             f"use {', '.join(k + '=…' for k in allowed)}")
        options[key] = value.strip()
    return options


def _parse_one(spec):
    parts = [p.strip() for p in spec.split(":")]
    kind = parts[0].lower()
    if kind == "conv":
        if len(parts) < 2:
            raise ValueError(f"layers: {spec!r} needs a size, e.g. conv:8x5x5")
        filters, kh, kw = _sizes(parts[1], 3, "the size", spec)
        opts = _options(parts[2:], ("padding", "mode", "stride", "dilation", "bias"), spec)
        padding = opts.get("padding", "valid").lower()
        if padding not in PADDING_WORDS:
            padding = tuple(_pair_option(padding, "padding", spec, minimum=0))
        bias = opts.get("bias", "yes").lower()
        if bias not in ("yes", "no", "true", "false", "1", "0"):
            raise ValueError(f"layers: bias in {spec!r} must be yes or no, got {bias!r}")
        return Conv2D(filters, (kh, kw), padding=padding,
                      stride=_pair_option(opts.get("stride", "1"), "stride", spec),
                      dilation=_pair_option(opts.get("dilation", "1"), "dilation", spec),
                      bias=bias in ("yes", "true", "1"),
                      padding_mode=_padding_mode(opts.get("mode", "zeros"), spec))
    if kind in ("maxpool", "avgpool", "pool"):
        size = _sizes(parts[1], 2, "the window", spec) if len(parts) > 1 else [2, 2]
        opts = _options(parts[2:], ("stride",), spec)
        stride = _pair_option(opts["stride"], "stride", spec) if "stride" in opts else None
        return (AvgPool if kind == "avgpool" else MaxPool)(tuple(size), stride)
    if kind == "relu" and len(parts) == 1:
        return ReLU()
    if kind == "flatten" and len(parts) == 1:
        return Flatten()
    if kind == "dense" and len(parts) == 2:
        return Dense(_int(parts[1], "the number of units", spec))
    raise ValueError(f"layers: cannot read {spec!r}; use conv:NxKHxKW, relu, maxpool:K, "
                     "avgpool:K or dense:N")


def parse_layers(text):
    """Turn ``"conv:8x5x5,relu,maxpool:2"`` into a list of layers (see the module docstring).

    Examples
    --------
    >>> [layer.describe() for layer in parse_layers("conv:8x5x5:stride=2, relu, maxpool:2")]
    ['conv 8×5×5 stride 2', 'relu', 'maxpool 2']
    """
    if not isinstance(text, str):
        raise TypeError(f"layers must be text such as 'conv:8x5x5,relu,maxpool:2', got {text!r}")
    specs = [s.strip() for s in text.split(",") if s.strip()]
    if not specs:
        raise ValueError("layers is empty; e.g. 'conv:8x5x5,relu,maxpool:2'")
    return [_parse_one(s) for s in specs]


def prepare_images(images, scale, dtype):
    """A batch as the network reads it: ``dtype``, times ``scale``, with a channel axis.

    Examples
    --------
    >>> import numpy as np
    >>> prepare_images(np.full((2, 4, 4), 255, np.uint8), 1 / 255, np.float32).shape
    (2, 4, 4, 1)
    """
    x = np.asarray(images, dtype=dtype)
    if scale != 1:
        x = x * x.dtype.type(scale)
    return x[..., None] if x.ndim == 3 else x


class Network:
    """Layers, built for one input shape, ending in ``classes`` logits.

    Parameters
    ----------
    layers : list of Layer
        The whole stack, including the final dense layer.
    input_shape : tuple
        One sample: ``(h, w)`` or ``(h, w, c)``.
    classes : int
    dtype : float32 (default) or float64
    input_scale : float
        Images are multiplied by this first (``1/255`` for uint8 data).
    seed : int
        Seeds the random initial weights.
    class_names : list of str, optional

    Examples
    --------
    >>> import numpy as np
    >>> net = build_network("conv:8x5x5,relu,maxpool:2", (28, 28), 10)
    >>> net.describe()
    'conv 8×5×5 → relu → maxpool 2 → flatten → dense 10'
    >>> net.predict(np.zeros((3, 28, 28))).shape
    (3,)
    """

    def __init__(self, layers, input_shape, classes, *, dtype=np.float32, input_scale=1.0,
                 seed=0, class_names=None):
        self.layers = list(layers)
        if not self.layers or not all(isinstance(layer, Layer) for layer in self.layers):
            raise ValueError("layers must be a non-empty list of layers")
        self.input_shape = tuple(int(s) for s in input_shape)
        if len(self.input_shape) not in (2, 3):
            raise ValueError(f"input_shape must be (h, w) or (h, w, c), got {input_shape!r}")
        self.classes = int(classes)
        self.dtype = np.dtype(dtype)
        self.input_scale = float(input_scale)
        self.class_names = list(class_names) if class_names else None
        rng = np.random.default_rng(seed)
        shape = self.input_shape if len(self.input_shape) == 3 else self.input_shape + (1,)
        self.shapes = [shape]
        for index, layer in enumerate(self.layers):
            try:
                shape = layer.build(shape, rng, self.dtype)
            except ValueError as exc:
                raise ValueError(f"layers: layer {index + 1} ({layer.describe()}): {exc}") \
                    from None
            self.shapes.append(tuple(shape))
        if shape != (self.classes,):
            raise ValueError(f"the network ends with shape {shape}, expected ({self.classes},)")

    # -- passes --------------------------------------------------------------------------------

    def forward(self, images, training=False):
        """Logits ``(n, classes)`` of a batch of raw images."""
        x = prepare_images(images, self.input_scale, self.dtype)
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, dlogits):
        """Back-propagate the gradient of the logits; fills the ``grads`` of unfrozen layers.

        The pass stops at the lowest layer that has parameters to learn, and that layer does
        not compute the gradient of its input (nothing below needs it).
        """
        trainable = [i for i, layer in enumerate(self.layers) if layer.params and not layer.frozen]
        if not trainable:
            return
        lowest = trainable[0]
        grad = dlogits
        for index in range(len(self.layers) - 1, lowest - 1, -1):
            layer = self.layers[index]
            layer.needs_input_grad = index > lowest
            grad = layer.backward(grad)

    def loss_and_gradients(self, images, labels):
        """One forward and backward pass: ``(loss, logits)``, gradients left in the layers."""
        logits = self.forward(images, training=True)
        loss, dlogits = softmax_cross_entropy(logits, labels)
        self.backward(dlogits.astype(self.dtype, copy=False))
        return loss, logits

    def trainable(self):
        """``[(param, grad)]`` of every layer that is not frozen (after a backward pass)."""
        return [(layer.params[name], layer.grads[name]) for layer in self.layers
                if not layer.frozen for name in layer.params]

    def predict(self, images, chunk=1000):
        """Predicted class of each image, computed ``chunk`` images at a time."""
        return np.concatenate([self.forward(images[s:s + chunk]).argmax(axis=1)
                               for s in range(0, len(images), chunk)])

    # -- description ---------------------------------------------------------------------------

    def architecture(self):
        """The layers as JSON-ready dicts."""
        return [layer.config() for layer in self.layers]

    def describe(self):
        """The stack in one line, e.g. ``'conv 8×5×5 → relu → maxpool 2 → flatten → dense 10'``."""
        return " → ".join(layer.describe() for layer in self.layers)

    def first_conv(self):
        """The first convolution layer, or None."""
        return next((layer for layer in self.layers if isinstance(layer, Conv2D)), None)


def build_network(layers, input_shape, classes, **kwargs):
    """A :class:`Network` from a stack (text or list of layers) plus ``flatten → dense(classes)``.

    A ``flatten`` is put before the first dense layer when the stack has none.

    Examples
    --------
    >>> build_network("conv:4x3x3,relu,dense:32,relu", (8, 8), 3).describe()
    'conv 4×3×3 → relu → flatten → dense 32 → relu → dense 3'
    """
    stack = parse_layers(layers) if isinstance(layers, str) else list(layers)
    if not any(isinstance(layer, Flatten) for layer in stack):
        first_dense = next((i for i, layer in enumerate(stack) if isinstance(layer, Dense)),
                           len(stack))
        stack.insert(first_dense, Flatten())
    stack.append(Dense(classes))
    return Network(stack, input_shape, classes, **kwargs)
