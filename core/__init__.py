"""Convolution Explorer's numeric core: pure NumPy, no GUI imports.

The seven functions of the "Convolutions and Pooling" assignment, with their exact signatures,
sit on one general engine (:func:`conv2d`, :func:`pool2d`) and its shape arithmetic
(:mod:`core.geometry`).

>>> import numpy as np
>>> from core import convolve_grayscale_valid
>>> convolve_grayscale_valid(np.zeros((2, 28, 28)), np.ones((3, 3))).shape
(2, 26, 26)
"""

from .engine import POOL_MODES, conv2d, pool2d
from .geometry import (
    PADDING_WORDS,
    Window,
    input_window,
    output_shape,
    output_size,
    outputs_reading,
    resolve_padding,
    resolve_transposed_padding,
    stretched_padding,
    transposed_output_size,
)
from .padding import NUMPY_PAD_MODES, PADDING_MODES
from .transpose import conv_transpose2d, insert_zeros
from .seed import (
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_same,
    convolve_grayscale_valid,
    pool,
)

__all__ = [
    "conv2d",
    "conv_transpose2d",
    "insert_zeros",
    "pool2d",
    "POOL_MODES",
    "PADDING_MODES",
    "NUMPY_PAD_MODES",
    "PADDING_WORDS",
    "Window",
    "input_window",
    "output_shape",
    "output_size",
    "outputs_reading",
    "resolve_padding",
    "resolve_transposed_padding",
    "stretched_padding",
    "transposed_output_size",
    "convolve_grayscale_valid",
    "convolve_grayscale_same",
    "convolve_grayscale_padding",
    "convolve_grayscale",
    "convolve_channels",
    "convolve",
    "pool",
]
