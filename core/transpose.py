"""Transposed convolution: every input pixel adds ``value * kernel`` into the output.

It is the adjoint of :func:`core.engine.conv2d` (the backward pass of a strided convolution, the
"upsampling" layer of decoders), *not* its inverse. The same result is a stride-1 convolution over
the input stretched with ``stride - 1`` zeros between its pixels (see :func:`insert_zeros` and
:func:`core.geometry.stretched_padding`); computing it that way would multiply all those zeros,
so here it is done as a scatter:

* one matrix multiply gives, for a block of images, every input pixel times every kernel tap;
* each tap's products are then added into the output with one strided slice (step = stride).

Blocks of images are sized to stay in the CPU cache, as in the engine.
"""

import numpy as np

from ._checks import as_array, as_pair, check_ndim
from .conv_arguments import conv_arguments, raise_non_finite
from .geometry import resolve_transposed_padding, transposed_output_size

__all__ = ["conv_transpose2d", "insert_zeros"]

# Bytes of one block's products plus its accumulator (about the engine's im2col block).
_BLOCK_BYTES = 4 << 20


def conv_transpose2d(images, kernels, *, stride=1, padding=0, output_padding=0, dilation=1,
                     dtype=np.float64, bias=None):
    """Transposed convolution of a batch of images with one kernel or a bank.

    Output pixel ``(y, x)`` of kernel ``o`` is the sum of ``images[n, iy, ix, c] *
    kernels[i, j, c, o]`` over all ``iy * sh - top + i * dh == y`` and
    ``ix * sw - left + j * dw == x``. That is PyTorch's ``conv_transpose2d`` with the weight
    ``kernels.transpose(2, 3, 0, 1)``, and the adjoint of :func:`core.engine.conv2d`: for a
    ``(kh, kw, c, nc)`` bank ``k``, ``<conv2d(x, k), y> == <x, conv_transpose2d(y, k')>`` with
    ``k' = k.swapaxes(2, 3)`` (for a single 2-D kernel, ``k' = k``).

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Any real dtype.
    kernels : ndarray, shape (kh, kw), (kh, kw, c) or (kh, kw, c, nc)
        As in :func:`core.engine.conv2d`: the third axis matches the images' channels.
    stride, dilation : int or (int, int)
        Of the convolution this transposes: the step between the input's pixels in the output,
        and the spacing between kernel taps.
    padding : int, (ph, pw) or ((top, bottom), (left, right))
        Of the convolution this transposes: rows and columns cropped off the output's sides.
    output_padding : int or (int, int)
        Rows/columns added at the bottom/right (to pick one of the input sizes a strided
        convolution maps to the same output size); smaller than the stride or the dilation.
    dtype : {float64, float32}
        Compute and output dtype.
    bias : float or array of shape (nc,), optional
        Added to every output pixel (one value per kernel of a bank).

    Returns
    -------
    ndarray
        ``(m, oh, ow)`` for a single kernel, ``(m, oh, ow, nc)`` for a 4-D bank, with
        ``oh = (h - 1) * sh - top - bottom + dh * (kh - 1) + ah + 1``, likewise ``ow``.

    Examples
    --------
    >>> import numpy as np
    >>> conv_transpose2d(np.array([[[1., 2.]]]), np.array([[1., 10.]]), stride=(1, 3))
    array([[[ 1., 10.,  0.,  2., 20.]]])
    >>> conv_transpose2d(np.ones((1, 3, 3)), np.ones((3, 3)), stride=2, padding=1,
    ...                  output_padding=1).shape
    (1, 6, 6)
    """
    args = conv_arguments(images, kernels, stride=stride, dilation=dilation, dtype=dtype,
                          bias=bias)
    images, k4, squeeze, dt, bias = args.images, args.kernels, args.squeeze, args.dtype, args.bias
    m, h, w = images.shape[:3]
    c = args.channels
    kh, kw, _, nc = k4.shape
    (sh, sw), (dh, dw) = args.stride, args.dilation
    ah, aw = as_pair(output_padding, "output_padding", minimum=0)
    (t, b), (l, r) = resolve_transposed_padding(padding)
    # Its messages name output_padding or padding.
    oh = transposed_output_size(h, kh, t + b, sh, dh, ah)
    ow = transposed_output_size(w, kw, l + r, sw, dw, aw)

    # The accumulator covers every position a tap writes (top/left padding included) and the
    # output padding past them; the output is cut out of it.
    hb = max((h - 1) * sh + dh * (kh - 1) + 1, t + oh)
    wb = max((w - 1) * sw + dw * (kw - 1) + 1, l + ow)
    out = np.empty((m, oh, ow, nc), dtype=dt)
    # (kh * kw * nc, c): row (i, j, o) holds the weights of tap (i, j) into output channel o.
    matrix = np.ascontiguousarray(k4.transpose(0, 1, 3, 2).reshape(kh * kw * nc, c), dtype=dt)
    taps = [(i, j) for i in range(kh) for j in range(kw)]
    per_image = (c * h * w + kh * kw * nc * h * w + nc * hb * wb) * dt.itemsize
    nb = int(max(1, min(m, _BLOCK_BYTES // per_image)))
    source = np.empty((c, nb, h, w), dtype=dt)
    products = np.empty((kh * kw * nc, nb * h * w), dtype=dt)
    acc = np.empty((nc, nb, hb, wb), dtype=dt)
    for start in range(0, m, nb):
        stop = min(m, start + nb)
        n = stop - start
        block = images[start:stop]
        src = source[:, :n]
        src[...] = block[None] if block.ndim == 3 else block.transpose(3, 0, 1, 2)
        prod = products[:, :n * h * w]
        np.matmul(matrix, src.reshape(c, n * h * w), out=prod)
        prod = prod.reshape(kh, kw, nc, n, h, w)
        total = acc[:, :n]
        total[...] = 0
        for i, j in taps:
            r0, c0 = i * dh, j * dw
            total[:, :, r0:r0 + sh * (h - 1) + 1:sh, c0:c0 + sw * (w - 1) + 1:sw] += prod[i, j]
        out[start:stop] = total[:, :, t:t + oh, l:l + ow].transpose(1, 2, 3, 0)
        if not np.isfinite(out[start:stop]).all():
            raise_non_finite(images, start, stop)
    if bias is not None:
        out += bias.astype(dt)
    return out[..., 0] if squeeze else out


def insert_zeros(images, stride):
    """Stretch images by putting ``stride - 1`` zeros between neighbouring pixels.

    This is the input a transposed convolution is drawn on (as a stride-1 convolution of it);
    the result has ``(h - 1) * sh + 1`` rows and ``(w - 1) * sw + 1`` columns.

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Axes 1 and 2 are stretched.
    stride : int or (int, int)

    Examples
    --------
    >>> import numpy as np
    >>> insert_zeros(np.array([[[1, 2], [3, 4]]]), 2)
    array([[[1, 0, 2],
            [0, 0, 0],
            [3, 0, 4]]])
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (3, 4), "(m, h, w) or (m, h, w, c)")
    sh, sw = as_pair(stride, "stride")
    m, h, w = images.shape[:3]
    stretched = np.zeros((m, (h - 1) * sh + 1, (w - 1) * sw + 1) + images.shape[3:],
                         dtype=images.dtype)
    stretched[:, ::sh, ::sw] = images
    return stretched
