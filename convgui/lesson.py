"""The first screen and the caption line: what a fresh start shows, and one sentence saying what
is on screen now.

A fresh start opens on a real MNIST digit with the assignment's vertical-edge kernel, 'same'
padding, ReLU and 2×2 max pooling, drawn with the diverging colormap (0 is white, positive red,
negative blue). :func:`caption_text` is derived from the state and the latest result only, so it
can never describe an earlier image or setting.
"""

import numpy as np

from core.choices import ACTIVATION_SHORT_LABELS, label
from core.kernels import find_preset

__all__ = ["FIRST_LESSON", "apply_first_lesson", "caption_text"]

#: The settings of the first screen (state field → value); the kernel is a preset id.
FIRST_LESSON = {
    "kernels": "assignment_vertical_edges",
    "padding": "same",
    "stride": (1, 1),
    "dilation": (1, 1),
    "flip": False,
    "activation": "relu",
    "pool_mode": "max",
    "pool_shape": (2, 2),
    "pool_stride": (2, 2),
    "colormap": "diverging",
    "mapping": "symmetric",
}

#: The first screen's image: index 1 of the MNIST sample is a clear "2", whose slanted and
#: vertical strokes both light up under a vertical-edge kernel.
FIRST_INDEX = 1


def apply_first_lesson(state):
    """Put the first screen's settings into ``state`` (its dataset stays).

    Examples
    --------
    >>> from convgui.state import ExplorerState
    >>> state = ExplorerState()
    >>> apply_first_lesson(state)
    >>> state.kernels[:, :, 0, 0].tolist(), state.padding, state.pool_mode
    ([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]], 'same', 'max')
    """
    for name, value in FIRST_LESSON.items():
        if name == "kernels":
            value = find_preset(value).kernel
        setattr(state, name, value)
    dataset = state.dataset
    if dataset is not None and len(dataset.images) > FIRST_INDEX:
        state.index = FIRST_INDEX


def _shape(hw):
    return f"{hw[0]}×{hw[1]}"


def _padding_words(padding):
    if isinstance(padding, str):
        return f"'{padding}' padding"
    if np.ndim(padding) == 2:
        (t, b), (l, r) = padding
        return f"padding ({t},{b}) ({l},{r})"
    return f"padding {padding[0]}, {padding[1]}"


def caption_text(state, view, kernel_name=None):
    """One line saying what the feature-map board shows, from ``state`` and ``view`` (the
    latest :class:`convgui.compute.LayerResult`, or None).

    Examples
    --------
    >>> from convgui.state import ExplorerState
    >>> caption_text(ExplorerState(), None)
    'No image open.'
    """
    dataset = state.dataset
    if dataset is None or view is None:
        return "No image open."
    what = dataset.label_text(view.index) if view.index < len(dataset.images) else ""
    number = f" #{view.index}" if len(dataset.images) > 1 else ""
    parts = [f"{dataset.name}{number}" + (f" (label {what})" if what else "")]
    spec = view.spec
    kh, kw, _, count = spec.kernels.shape
    kernel = kernel_name or f"{kh}×{kw} kernel"
    if count > 1:
        kernel = f"bank of {count} {kh}×{kw} kernels"
    how = _padding_words(spec.padding)
    if getattr(spec, "padding_mode", "zeros") != "zeros":
        how += f" ({spec.padding_mode})"
    for word, pair in (("stride", spec.stride), ("dilation", spec.dilation),
                       ("output padding", getattr(spec, "output_padding", (0, 0)))):
        pair = tuple(pair)
        if pair != ((0, 0) if word == "output padding" else (1, 1)):
            how += (f", {word} {pair[0]}" if pair[0] == pair[1] else f", {word} {pair[0]}×{pair[1]}")
    operation = "convolution" if spec.flip else "correlation"
    if getattr(spec, "transposed", False):
        operation = "transposed convolution"
    layer = f"layer {view.layer + 1} of {len(view.specs)}: " if len(view.specs) > 1 else ""
    parts.append(f"{layer}{operation} with {kernel}, {how}")
    sizes = [_shape(view.image.shape[:2]), _shape(view.result.conv.shape[1:3])]
    if spec.activation != "none":
        parts.append(label(ACTIVATION_SHORT_LABELS, spec.activation))
    if view.result.pooled is not None:
        parts.append(f"{_shape(spec.pool_shape)} {spec.pool_mode} pool")
        sizes.append(_shape(view.result.pooled.shape[1:3]))
    text = " → ".join(parts) + f"  ({' → '.join(sizes)})"
    if state.colormap == "diverging":
        text += " · red > 0, white 0, blue < 0"
    return text
