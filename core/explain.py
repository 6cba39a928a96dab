"""The arithmetic behind one output pixel, spelled out: what the hover inspector shows.

Computed independently of the engine (a direct patch × kernel product), so the inspector is also
a live check of the feature maps.
"""

from dataclasses import dataclass

import numpy as np

from .geometry import Window, input_window, resolve_padding
from .pipeline import activate

__all__ = ["ConvPixel", "PoolPixel", "explain_conv_pixel", "explain_pool_pixel"]


@dataclass
class ConvPixel:
    """One convolution output: its window, the values multiplied and their sum.

    ``patch``, ``kernel`` and ``products`` are ``(kh, kw, c)``; ``kernel`` is the kernel actually
    applied (rotated 180° for true convolution); ``inside`` marks taps on real pixels (False on
    padding, where the patch holds 0).
    """

    row: int
    col: int
    window: Window
    inside: np.ndarray
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float
    activated: float


@dataclass
class PoolPixel:
    """One pooling output: its window in the map it pools, the values, and the result."""

    row: int
    col: int
    window: Window
    values: np.ndarray
    mode: str
    result: float
    winner: tuple = None


def explain_conv_pixel(image, spec, kernel_index, row, col):
    """Spell out output pixel ``(row, col)`` of kernel ``kernel_index`` for one image.

    Parameters
    ----------
    image : ndarray, (h, w) or (h, w, c)
    spec : core.pipeline.PipelineSpec

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec = PipelineSpec(np.ones((2, 2, 1, 1)))
    >>> explain_conv_pixel(np.arange(9.0).reshape(3, 3), spec, 0, 0, 0).total
    8.0
    """
    # Only the window's patch is cast to float64 (inside Window.patch): never the whole image,
    # which for a 4000x6000 photo would be a 550 MB temporary on every mouse move.
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    kernel = spec.kernels[:, :, :, kernel_index]
    if spec.flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape[:2]
    h, w = image.shape[:2]
    pads = resolve_padding(spec.padding, (h, w), (kh, kw), spec.stride, spec.dilation)
    window = input_window((row, col), (kh, kw), pads, spec.stride, spec.dilation)
    patch = window.patch(image)
    products = patch * kernel
    total = float(products.sum())
    activated = float(activate(np.array(total), spec.activation))
    return ConvPixel(row, col, window, window.inside((h, w)), patch, kernel, products, total,
                     activated)


def explain_pool_pixel(feature_map, spec, row, col):
    """Spell out pooled pixel ``(row, col)`` of a 2-D ``feature_map`` (after activation).

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec = PipelineSpec(np.ones((1, 1, 1, 1)), pool_mode='max')
    >>> explain_pool_pixel(np.arange(16.0).reshape(4, 4), spec, 1, 1).result
    15.0
    """
    feature_map = np.asarray(feature_map)  # Window.patch casts the window alone to float64
    window = input_window((row, col), spec.pool_shape, ((0, 0), (0, 0)), spec.pool_stride)
    values = window.patch(feature_map)
    if spec.pool_mode == "max":
        r, c = np.unravel_index(int(np.argmax(values)), values.shape)
        return PoolPixel(row, col, window, values, "max", float(values[r, c]),
                         (int(window.rows[r]), int(window.cols[c])))
    return PoolPixel(row, col, window, values, "avg", float(values.mean()))
