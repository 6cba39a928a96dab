"""One pixel of one map: which map (input, a kernel's feature map or its pooled map) and where.

A :class:`PixelRef` (a pixel of the feature-map canvas) travels from the canvas (hover, click) to the inspector, the step-through,
the status read-out and the layers tab. It is a named tuple, so it unpacks and compares like
the plain ``(kind, kernel, row, col)`` tuple it replaces. A :class:`Spot` is the same for
the Layers tab's stack, where a map also has its layer.

Examples
--------
>>> pixel = PixelRef("conv", 0, 3, 4)
>>> pixel == ("conv", 0, 3, 4), pixel.kernel, pixel.row
(True, 0, 3)
>>> kind, k, row, col = pixel
>>> kind
'conv'
"""

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["PixelRef", "Spot"]


class PixelRef(NamedTuple):
    """A pixel of a map: ``kind`` is ``'input'``, ``'conv'`` or ``'pooled'``; ``kernel`` the
    kernel's index (0 for the input); ``row``, ``col`` its place in that map."""

    kind: str
    kernel: int
    row: int
    col: int


@dataclass(frozen=True)
class Spot:
    """A pixel of the board: ``layer`` from 0 (-1 for the input), ``stage`` ``'input'``,
    ``'conv'`` or ``'pooled'``, the ``kernel`` (map) and ``row``, ``col`` in that map."""

    layer: int
    stage: str
    kernel: int
    row: int
    col: int
