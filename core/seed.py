"""The seven functions of the "Convolutions and Pooling" assignment, with its exact signatures.

Each one checks the shapes the assignment specifies, then calls the general engine
(:func:`core.engine.conv2d` / :func:`core.engine.pool2d`). All return float64 arrays.
Cross-correlation (no kernel flip) and zero padding throughout, as in the assignment.
"""

import numpy as np

from ._checks import as_array, check_ndim
from .engine import conv2d, pool2d

__all__ = [
    "convolve_grayscale_valid",
    "convolve_grayscale_same",
    "convolve_grayscale_padding",
    "convolve_grayscale",
    "convolve_channels",
    "convolve",
    "pool",
]


def _grayscale_args(images, kernel):
    images = as_array(images, "images")
    check_ndim(images, "images", (3,), "(m, h, w) grayscale images")
    kernel = as_array(kernel, "kernel")
    check_ndim(kernel, "kernel", (2,), "a (kh, kw) kernel")
    return images, kernel


def _padding_tuple(padding):
    if isinstance(padding, str) or not hasattr(padding, "__len__") or len(padding) != 2:
        raise TypeError(f"padding must be a tuple (ph, pw), got {padding!r}")
    return tuple(padding)


def convolve_grayscale_valid(images, kernel):
    """Valid convolution (no padding) of grayscale images.

    Parameters
    ----------
    images : ndarray, shape (m, h, w)
    kernel : ndarray, shape (kh, kw)

    Returns
    -------
    ndarray, shape (m, h - kh + 1, w - kw + 1), float64

    Examples
    --------
    >>> import numpy as np
    >>> convolve_grayscale_valid(np.zeros((5, 28, 28)), np.ones((3, 3))).shape
    (5, 26, 26)
    """
    images, kernel = _grayscale_args(images, kernel)
    return conv2d(images, kernel, padding="valid")


def convolve_grayscale_same(images, kernel):
    """Same convolution of grayscale images: zero padding keeps the output at (h, w).

    Odd kernels get ``k // 2`` zeros on each side; for even kernels the extra row/column of
    padding goes to the bottom/right (TensorFlow's SAME).

    Examples
    --------
    >>> import numpy as np
    >>> convolve_grayscale_same(np.zeros((5, 28, 28)), np.ones((3, 3))).shape
    (5, 28, 28)
    """
    images, kernel = _grayscale_args(images, kernel)
    return conv2d(images, kernel, padding="same")


def convolve_grayscale_padding(images, kernel, padding):
    """Convolution of grayscale images with ``padding = (ph, pw)`` zeros on each side.

    Examples
    --------
    >>> import numpy as np
    >>> convolve_grayscale_padding(np.zeros((5, 28, 28)), np.ones((3, 3)), (2, 4)).shape
    (5, 30, 34)
    """
    images, kernel = _grayscale_args(images, kernel)
    return conv2d(images, kernel, padding=_padding_tuple(padding))


def convolve_grayscale(images, kernel, padding='same', stride=(1, 1)):
    """Strided convolution of grayscale images.

    Parameters
    ----------
    images : ndarray, shape (m, h, w)
    kernel : ndarray, shape (kh, kw)
    padding : 'same', 'valid' or (ph, pw)
    stride : (sh, sw)

    Examples
    --------
    >>> import numpy as np
    >>> convolve_grayscale(np.zeros((5, 28, 28)), np.ones((3, 3)), 'valid', (2, 2)).shape
    (5, 13, 13)
    """
    images, kernel = _grayscale_args(images, kernel)
    return conv2d(images, kernel, padding=padding, stride=stride)


def convolve_channels(images, kernel, padding='same', stride=(1, 1)):
    """Convolution of multi-channel images with one (kh, kw, c) kernel, summed over channels.

    Examples
    --------
    >>> import numpy as np
    >>> convolve_channels(np.zeros((2, 32, 32, 3)), np.ones((3, 3, 3)), 'valid').shape
    (2, 30, 30)
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (4,), "(m, h, w, c) images")
    kernel = as_array(kernel, "kernel")
    check_ndim(kernel, "kernel", (3,), "a (kh, kw, c) kernel")
    return conv2d(images, kernel, padding=padding, stride=stride)


def convolve(images, kernels, padding='same', stride=(1, 1)):
    """Convolution of multi-channel images with a bank of nc kernels (kh, kw, c, nc).

    Examples
    --------
    >>> import numpy as np
    >>> convolve(np.zeros((2, 32, 32, 3)), np.ones((3, 3, 3, 4)), 'valid').shape
    (2, 30, 30, 4)
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (4,), "(m, h, w, c) images")
    kernels = as_array(kernels, "kernels")
    check_ndim(kernels, "kernels", (4,), "a (kh, kw, c, nc) kernel bank")
    return conv2d(images, kernels, padding=padding, stride=stride)


def pool(images, kernel_shape, stride, mode='max'):
    """Max (``mode='max'``) or average (``mode='avg'``) pooling of (m, h, w, c) images.

    Examples
    --------
    >>> import numpy as np
    >>> pool(np.zeros((2, 32, 32, 3)), (2, 2), (2, 2), mode='avg').shape
    (2, 16, 16, 3)
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (4,), "(m, h, w, c) images")
    return pool2d(images, kernel_shape, stride=stride, mode=mode, dtype=np.float64)
