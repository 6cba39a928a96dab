"""The arithmetic behind one output pixel, spelled out: what the hover inspector shows.

Computed independently of the engine (a direct patch × kernel product), so the inspector is also
a live check of the feature maps.
"""

from dataclasses import dataclass

import numpy as np

from .geometry import Window, input_window, resolve_padding, resolve_transposed_padding
from .padding import NUMPY_PAD_MODES
from .pipeline import activate
from .transpose import insert_zeros

__all__ = ["ConvPixel", "PoolPixel", "explain_conv_pixel", "explain_pool_pixel"]


@dataclass
class ConvPixel:
    """One convolution output: its window, the values multiplied and their sum.

    ``patch``, ``kernel`` and ``products`` are ``(kh, kw, c)``; ``kernel`` is the kernel actually
    applied (rotated 180° for true convolution); ``inside`` marks taps on real pixels (False on
    padding, where the patch holds 0 or, with another padding mode, the pixel it copies).
    ``total`` includes ``bias``. For a transposed convolution the window is over the stretched
    input (see :func:`core.geometry.input_window`), ``kernel`` is rotated accordingly and
    ``inside`` is False on inserted zeros too.
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
    bias: float = 0.0


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
    bias = float(np.ravel(spec.bias)[kernel_index if np.ndim(spec.bias) else 0])
    if spec.transposed:
        pads = resolve_transposed_padding(spec.padding)
        window = input_window((row, col), (kh, kw), pads, spec.stride, spec.dilation,
                              transposed=True)
        stretched = insert_zeros(image[None], spec.stride)[0]
        inside = window.inside(stretched.shape[:2])
        sh, sw = spec.stride
        inside &= (window.rows % sh == 0)[:, None] & (window.cols % sw == 0)[None, :]
        patch = window.patch(stretched)
        kernel = kernel[::-1, ::-1]
    else:
        h, w = image.shape[:2]
        pads = resolve_padding(spec.padding, (h, w), (kh, kw), spec.stride, spec.dilation)
        window = input_window((row, col), (kh, kw), pads, spec.stride, spec.dilation)
        inside = window.inside((h, w))
        if spec.padding_mode == "zeros":
            patch = window.patch(image)
        else:
            (t, b), (l, r) = pads
            padded = np.pad(image, ((t, b), (l, r), (0, 0)),
                            mode=NUMPY_PAD_MODES[spec.padding_mode])
            patch = padded[(window.rows + t)[:, None], (window.cols + l)[None, :]]
    products = patch * kernel
    total = float(products.sum()) + bias
    activated = float(activate(np.array(total), spec.activation))
    return ConvPixel(row, col, window, inside, patch, kernel, products, total, activated, bias)


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
