"""How far back a deep pixel sees: receptive-field size, jump and position, layer by layer.

Through a stack of layers, with kernel ``k_l`` (dilated extent ``d_l (k_l - 1) + 1``), stride
``s_l`` and top/left padding ``p_l``, the receptive field of one output pixel grows as

    r_l = r_{l-1} + (extent_l - 1) · j_{l-1},     j_l = j_{l-1} · s_l,
    start_l = start_{l-1} - p_l · j_{l-1},

starting from ``r_0 = 1``, ``j_0 = 1``, ``start_0 = 0`` at the input. Output pixel ``y`` of
layer ``l`` then reads input rows ``start_l + y·j_l`` to ``start_l + y·j_l + r_l - 1`` (rows
outside the image are padding). Activations and flatten leave the field as it is.
"""

from dataclasses import dataclass

from .layers import Conv2D, Dense, Flatten, Pool

__all__ = ["Field", "receptive_fields", "input_region"]


@dataclass(frozen=True)
class Field:
    """The receptive field of every pixel of one layer's output, per axis ``(rows, cols)``.

    Attributes
    ----------
    size : (int, int)
        ``r``: how many input rows/columns one output pixel sees.
    jump : (int, int)
        ``j``: how far apart, in input pixels, two neighbouring output pixels' fields start.
    start : (int, int)
        Where the field of output pixel (0, 0) starts in the input (negative: in the padding).
    """

    size: tuple
    jump: tuple
    start: tuple


def _geometry(layer):
    """``(extent, stride, top/left padding)`` per axis, or None for layers that keep the field."""
    if isinstance(layer, Conv2D):
        pads = layer.pads
        if pads is None:
            raise ValueError("layers: build the network first (a conv layer's padding is known "
                             "only for an input size)")
        return [(d * (k - 1) + 1, s, p[0]) for k, s, d, p in
                zip(layer.kernel_hw, layer.stride, layer.dilation, pads)]
    if isinstance(layer, Pool):
        return [(k, s, 0) for k, s in zip(layer.size, layer.stride)]
    return None


def receptive_fields(layers):
    """The :class:`Field` of each layer's output, up to the first flatten/dense layer.

    Examples
    --------
    >>> from core.nn import build_network
    >>> net = build_network("conv:8x5x5,relu,maxpool:2,conv:4x3x3:stride=2", (28, 28), 10)
    >>> [(f.size[0], f.jump[0]) for f in receptive_fields(net.layers)]
    [(5, 1), (5, 1), (6, 2), (10, 4)]
    """
    size, jump, start = [1, 1], [1, 1], [0, 0]
    fields = []
    for layer in layers:
        if isinstance(layer, (Flatten, Dense)):
            break
        geometry = _geometry(layer)
        if geometry is not None:
            for axis, (extent, stride, pad) in enumerate(geometry):
                size[axis] += (extent - 1) * jump[axis]
                start[axis] -= pad * jump[axis]
                jump[axis] *= stride
        fields.append(Field(tuple(size), tuple(jump), tuple(start)))
    return fields


def input_region(field, out_rc, image_hw):
    """Input rows and columns (``range`` objects, clipped to the image) one output pixel sees.

    Examples
    --------
    >>> f = Field(size=(6, 6), jump=(2, 2), start=(0, 0))
    >>> input_region(f, (3, 0), (28, 28))
    (range(6, 12), range(0, 6))
    """
    ranges = []
    for axis in (0, 1):
        first = field.start[axis] + out_rc[axis] * field.jump[axis]
        ranges.append(range(max(first, 0), min(first + field.size[axis], image_hw[axis])))
    return tuple(ranges)
