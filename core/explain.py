"""The arithmetic behind one output pixel, spelled out: what the hover inspector shows.

Computed independently of the engine (a direct patch × kernel product), so the inspector is also
a live check of the feature maps.
"""

from dataclasses import dataclass

import numpy as np

from .geometry import Window, input_window, resolve_padding
from .pipeline import activate

__all__ = ["ConvPixel", "PoolPixel", "explain_conv_pixel", "explain_pool_pixel", "format_number",
           "sum_expression"]

_MAX_TERMS = 12


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
    image = np.asarray(image, dtype=np.float64)
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
    feature_map = np.asarray(feature_map, dtype=np.float64)
    window = input_window((row, col), spec.pool_shape, ((0, 0), (0, 0)), spec.pool_stride)
    values = window.patch(feature_map)
    if spec.pool_mode == "max":
        r, c = np.unravel_index(int(np.argmax(values)), values.shape)
        return PoolPixel(row, col, window, values, "max", float(values[r, c]),
                         (int(window.rows[r]), int(window.cols[c])))
    return PoolPixel(row, col, window, values, "avg", float(values.mean()))


def format_number(value):
    """A number as the inspector writes it: integers without a point, others with 4 digits.

    Examples
    --------
    >>> format_number(3.0), format_number(0.123456)
    ('3', '0.1235')
    """
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def sum_expression(patch, kernel, total):
    """``'0.5·1 + 0.2·(−1) + … = 0.3'``: the products that make an output value.

    Long sums list the first terms and the count of the rest.

    Examples
    --------
    >>> import numpy as np
    >>> sum_expression(np.array([1.0, 2.0]), np.array([3.0, -1.0]), 1.0)
    '1·3 + 2·(−1) = 1'
    """
    terms = []
    for p, k in zip(np.ravel(patch), np.ravel(kernel)):
        k_text = format_number(k)
        if k < 0:
            k_text = f"(−{k_text[1:]})"
        p_text = format_number(p) if p >= 0 else f"(−{format_number(p)[1:]})"
        terms.append(f"{p_text}·{k_text}")
    if len(terms) > _MAX_TERMS:
        shown = " + ".join(terms[:_MAX_TERMS])
        return f"{shown} + … ({len(terms) - _MAX_TERMS} more) = {format_number(total)}"
    return f"{' + '.join(terms)} = {format_number(total)}"
