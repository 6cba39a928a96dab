"""The arithmetic behind one output pixel, spelled out: what the hover inspector shows.

Computed independently of the engine (a direct patch × kernel product), so the inspector is also
a live check of the feature maps.
"""

from dataclasses import dataclass

import numpy as np

from .geometry import (Window, input_window, resolve_padding, resolve_transposed_padding,
                       stretched_padding)
from .padding import NUMPY_PAD_MODES
from .pipeline import activate
from .transpose import insert_zeros

__all__ = ["ConvPixel", "PoolPixel", "InputPicture", "explain_conv_pixel", "explain_pool_pixel",
           "input_picture", "spec_pads", "format_number", "sum_expression"]


def spec_pads(spec, image_hw):
    """``((top, bottom), (left, right))`` of ``spec`` for an input of ``image_hw``: the
    convolution's padding, or the pixels a transposed convolution crops off its output.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec_pads(PipelineSpec(np.ones((3, 3, 1, 1)), padding='same'), (28, 28))
    ((1, 1), (1, 1))
    """
    if spec.transposed:
        return resolve_transposed_padding(spec.padding)
    kh, kw = spec.kernels.shape[:2]
    return resolve_padding(spec.padding, image_hw, (kh, kw), spec.stride, spec.dilation)


@dataclass
class InputPicture:
    """What the input view draws: the input the kernel slides over, padding included.

    ``values`` is the image (for a transposed convolution, stretched: ``stride - 1`` zeros
    between pixels, see :func:`core.transpose.insert_zeros`); ``padded`` adds ``pads``
    (``((top, bottom), (left, right))``) around it, filled as the computation fills them.
    Coordinates in ``values`` are those of :func:`core.geometry.input_window`'s windows.
    """

    values: np.ndarray
    padded: np.ndarray
    pads: tuple


def input_picture(image, spec):
    """The :class:`InputPicture` of ``image`` ((h, w) or (h, w, c)) under ``spec``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 1)), stride=(2, 2), transposed=True)
    >>> picture = input_picture(np.ones((2, 2)), spec)
    >>> picture.values.tolist(), picture.pads, picture.padded.shape
    ([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]], ((2, 2), (2, 2)), (7, 7))
    """
    image = np.asarray(image)
    kh, kw = spec.kernels.shape[:2]
    if spec.transposed:
        values = insert_zeros(image[None], spec.stride)[0]
        pads = stretched_padding((kh, kw), spec_pads(spec, image.shape[:2]), spec.dilation,
                                 spec.output_padding)
        pads = tuple(tuple(max(0, p) for p in side) for side in pads)
        mode = "zeros"
    else:
        values, pads, mode = image, spec_pads(spec, image.shape[:2]), spec.padding_mode
    extra = ((0, 0),) * (values.ndim - 2)
    padded = np.pad(values, pads + extra, mode=NUMPY_PAD_MODES[mode]) if np.any(pads) \
        else values
    return InputPicture(values, padded, pads)

_MAX_TERMS = 12


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
    # Only the window's patch is cast to float64 (inside Window.patch): never the whole image,
    # which for a 4000x6000 photo would be a 550 MB temporary on every mouse move.
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    kernel = spec.kernels[:, :, :, kernel_index]
    if spec.flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape[:2]
    bias = float(np.ravel(spec.bias)[kernel_index if np.ndim(spec.bias) else 0])
    if spec.transposed:
        pads = spec_pads(spec, image.shape[:2])
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
        pads = spec_pads(spec, (h, w))
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
    feature_map = np.asarray(feature_map)  # Window.patch casts the window alone to float64
    window = input_window((row, col), spec.pool_shape, ((0, 0), (0, 0)), spec.pool_stride)
    values = window.patch(feature_map)
    if spec.pool_mode == "max":
        r, c = np.unravel_index(int(np.argmax(values)), values.shape)
        return PoolPixel(row, col, window, values, "max", float(values[r, c]),
                         (int(window.rows[r]), int(window.cols[c])))
    return PoolPixel(row, col, window, values, "avg", float(values.mean()))


def format_number(value, digits=4):
    """A number as the inspector writes it: integers without a point, others with ``digits``
    significant digits (4 unless a narrow cell asks for fewer).

    Examples
    --------
    >>> format_number(3.0), format_number(0.123456), format_number(0.123456, digits=2)
    ('3', '0.1235', '0.12')
    """
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.{int(digits)}g}"


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
