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

__all__ = ["Field", "INPUT_FIELD", "grow_field", "receptive_fields", "input_region"]


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


#: The field of an input pixel: itself.
INPUT_FIELD = Field(size=(1, 1), jump=(1, 1), start=(0, 0))


def grow_field(field, geometry):
    """The :class:`Field` after one sliding-window step on top of ``field``.

    ``geometry`` is ``(extent, stride, top/left padding)`` per axis ``(rows, cols)``, where the
    extent of a kernel ``k`` with dilation ``d`` is ``d (k - 1) + 1``.

    Examples
    --------
    >>> grow_field(Field((6, 6), (2, 2), (0, 0)), [(3, 1, 1), (3, 1, 1)])
    Field(size=(10, 10), jump=(2, 2), start=(-2, -2))
    """
    size, jump, start = [], [], []
    for axis, (extent, stride, pad) in enumerate(geometry):
        size.append(field.size[axis] + (extent - 1) * field.jump[axis])
        start.append(field.start[axis] - pad * field.jump[axis])
        jump.append(field.jump[axis] * stride)
    return Field(tuple(size), tuple(jump), tuple(start))


def receptive_fields(layers):
    """The :class:`Field` of each layer's output, up to the first flatten/dense layer.

    Examples
    --------
    >>> from core.nn import build_network
    >>> net = build_network("conv:8x5x5,relu,maxpool:2,conv:4x3x3:stride=2", (28, 28), 10)
    >>> [(f.size[0], f.jump[0]) for f in receptive_fields(net.layers)]
    [(5, 1), (5, 1), (6, 2), (10, 4)]
    """
    field = INPUT_FIELD
    fields = []
    for layer in layers:
        if isinstance(layer, (Flatten, Dense)):
            break
        geometry = _geometry(layer)
        if geometry is not None:
            field = grow_field(field, geometry)
        fields.append(field)
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
