"""The two gradients of a convolution layer, written with the engine's own correlation.

For ``y = conv2d(x, w)`` (cross-correlation, padding ``p``, stride ``s``, dilation ``d``):

* the **kernel gradient** ``dL/dw[i, j, c, k]`` is the correlation, at lag ``(i, j)``, of the
  padded input with the output gradient: ``sum over n, r, q of xp[n, r*s + i*d, q*s + j*d, c] *
  dy[n, r, q, k]``;
* the **input gradient** ``dL/dx`` is the *transposed convolution* (:func:`core.conv_transpose2d`)
  of the output gradient with the same kernels (each output gradient is spread back over the
  input pixels it read), cropped by the padding.

Both loop over images in chunks and do the arithmetic as matrix multiplies; nothing loops over
pixels.
"""

import numpy as np

from ..padding import NUMPY_PAD_MODES, border_index
from ..transpose import conv_transpose2d

__all__ = ["kernel_gradient", "input_gradient"]

# Bytes of gathered columns per chunk of images for the kernel gradient.
_CHUNK_BYTES = 8 << 20


def _pad(x, pads, mode="zeros"):
    (t, b), (l, r) = pads
    if t == b == l == r == 0:
        return x
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), mode=NUMPY_PAD_MODES[mode])


def _fold(size, before, after, mode, dtype):
    """``(size, size + before + after)`` 0/1 matrix: padded position -> the pixel it copies."""
    source = border_index(size, before, after, mode) - before
    fold = np.zeros((size, size + before + after), dtype=dtype)
    fold[source, np.arange(len(source))] = 1
    return fold


def kernel_gradient(x, dy, kernel_hw, pads, stride, dilation, mode="zeros"):
    """Gradient of the loss with respect to a kernel bank.

    Parameters
    ----------
    x : ndarray, shape (n, h, w, c)
        The layer's input.
    dy : ndarray, shape (n, oh, ow, nc)
        Gradient of the loss with respect to the layer's output (before the bias).
    kernel_hw : (int, int)
    pads : ((top, bottom), (left, right))
    stride, dilation : (int, int)
    mode : str
        The padding mode (:data:`core.padding.PADDING_MODES`) of the forward pass.

    Returns
    -------
    ndarray, shape (kh, kw, c, nc)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> g = kernel_gradient(x, np.ones((1, 2, 2, 1)), (2, 2), ((0, 0), (0, 0)), (1, 1), (1, 1))
    >>> g[:, :, 0, 0]          # each tap: the sum of the 2x2 block it reads
    array([[ 8., 12.],
           [20., 24.]])
    """
    kh, kw = kernel_hw
    (sh, sw), (dh, dw) = stride, dilation
    n, oh, ow, nc = dy.shape
    c = x.shape[3]
    grad = np.zeros((c, kh, kw, nc), dtype=dy.dtype)
    per_image = oh * ow * kh * kw * c * dy.itemsize
    step = max(1, _CHUNK_BYTES // max(per_image, 1))
    for start in range(0, n, step):
        xp = _pad(x[start:start + step], pads, mode)
        windows = np.lib.stride_tricks.sliding_window_view(
            xp, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(1, 2))
        # (n, oh, ow, c, kh, kw): the input values every output position read, tap by tap
        windows = windows[:, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, :, ::dh, ::dw]
        grad += np.tensordot(windows, dy[start:start + step], axes=([0, 1, 2], [0, 1, 2]))
    return grad.transpose(1, 2, 0, 3)


def input_gradient(dy, kernels, input_hw, pads, stride, dilation, mode="zeros"):
    """Gradient of the loss with respect to a convolution layer's input.

    It is the transposed convolution (:func:`core.conv_transpose2d`) of ``dy`` with the same
    kernels, their input and output channels swapped: every output gradient is spread back,
    weighted by the kernel, over the input pixels that output read. The padding is cropped off,
    and ``output_padding`` restores the rows/columns a stride skipped at the bottom/right. With a
    padding ``mode`` other than zeros the border pixels are copies of image pixels, so the
    gradient that reached each border pixel is added to the pixel it copies.

    Parameters
    ----------
    dy : ndarray, shape (n, oh, ow, nc)
    kernels : ndarray, shape (kh, kw, c, nc)
    input_hw : (int, int)
        ``(h, w)`` of the layer's input (before padding).
    pads : ((top, bottom), (left, right))
    stride, dilation : (int, int)
    mode : str
        The padding mode of the forward pass.

    Returns
    -------
    ndarray, shape (n, h, w, c)

    Examples
    --------
    >>> import numpy as np
    >>> dy = np.ones((1, 2, 2, 1))
    >>> dx = input_gradient(dy, np.ones((2, 2, 1, 1)), (3, 3), ((0, 0), (0, 0)), (1, 1), (1, 1))
    >>> dx[0, :, :, 0]         # how many outputs read each input pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    (t, b), (l, r) = pads
    kh, kw = kernels.shape[:2]
    n, oh, ow, nc = dy.shape
    # rows/columns of the padded input past the last window (the stride skipped them)
    skipped = [size + p0 + p1 - (s * (o - 1) + d * (k - 1) + 1)
               for size, (p0, p1), s, o, d, k in zip(input_hw, pads, stride, (oh, ow), dilation,
                                                     (kh, kw))]
    flipped = kernels.swapaxes(2, 3)
    if mode == "zeros":
        return conv_transpose2d(dy, flipped, stride=stride, padding=pads,
                                output_padding=tuple(skipped), dilation=dilation, dtype=dy.dtype)
    padded = conv_transpose2d(dy, flipped, stride=stride, output_padding=tuple(skipped),
                              dilation=dilation, dtype=dy.dtype)
    rows = _fold(input_hw[0], t, b, mode, dy.dtype)
    cols = _fold(input_hw[1], l, r, mode, dy.dtype)
    return np.einsum("ip,npqc,jq->nijc", rows, padded, cols, optimize=True)
