"""Transposed convolution: every input pixel adds ``value * kernel`` into the output.

It is the adjoint of :func:`core.engine.conv2d` (the backward pass of a strided convolution, the
"upsampling" layer of decoders), *not* its inverse. The same result is a stride-1 convolution over
the input stretched with ``stride - 1`` zeros between its pixels (see :func:`insert_zeros` and
:func:`core.geometry.stretched_padding`); computing it that way would multiply all those zeros.

Here it is computed by phases instead: the output pixels ``(y, x)`` with the same
``((y + top) % sh, (x + left) % sw)`` (a *phase*) are touched by the same kernel taps, each at a
whole-pixel offset of the input, so a phase is an ordinary stride-1 convolution of the input with
those taps. All phases are kernels of one bank, so the whole transposed convolution is one call
of :func:`core.engine.conv2d` (and its fast paths) followed by one copy that interleaves the
phases: no multiplication by an inserted zero.
"""

import numpy as np

from ._checks import as_array, as_pair, check_ndim
from .conv_arguments import conv_arguments
from .engine import conv2d
from .geometry import resolve_transposed_padding, transposed_output_size

__all__ = ["conv_transpose2d", "insert_zeros"]


def _phase_taps(k, s, d, phase):
    """``{offset: tap}``: taps ``i`` landing on ``phase`` (``i * d % s``) and their input offset.

    Output position ``q * s + phase`` receives tap ``i`` from input ``q - offset``.
    """
    return {(i * d - phase) // s: i for i in range(k) if (i * d - phase) % s == 0
            and i * d >= phase}


def _phase_bank(k4, stride, dilation):
    """The kernels of every phase as one bank ``(er, ec, c, sh * sw * nc)``, and ``(er, ec)``.

    Kernel ``(ry, rx, o)`` of the bank holds, at ``(offset_i, offset_j)``, the taps ``(i, j)``
    landing on phase ``(ry, rx)`` (zeros elsewhere).
    """
    kh, kw, c, nc = k4.shape
    (sh, sw), (dh, dw) = stride, dilation
    row_taps = [_phase_taps(kh, sh, dh, ry) for ry in range(sh)]
    col_taps = [_phase_taps(kw, sw, dw, rx) for rx in range(sw)]
    er = max(max(taps) + 1 for taps in row_taps if taps)
    ec = max(max(taps) + 1 for taps in col_taps if taps)
    bank = np.zeros((er, ec, c, sh, sw, nc))
    for ry, r_taps in enumerate(row_taps):
        for e, i in r_taps.items():
            for rx, c_taps in enumerate(col_taps):
                for f, j in c_taps.items():
                    bank[e, f, :, ry, rx] = k4[i, j]
    return bank.reshape(er, ec, c, sh * sw * nc), (er, ec)


def _input_span(first, stop, size, extent):
    """Input range and zero padding that a stride-1 correlation over ``first:stop`` needs.

    Result ``q`` reads inputs ``q - extent + 1 .. q``; returns ``(start, stop, pad_before,
    pad_after)`` clipped to the image, or None when no real pixel is read.
    """
    lo, hi = first - (extent - 1), stop
    start, end = max(lo, 0), min(hi, size)
    if start >= end:
        return None
    return start, end, start - lo, hi - end


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
    args = conv_arguments(images, kernels, stride, dilation, dtype, bias)
    images, k4, squeeze, dt, bias = args.images, args.kernels, args.squeeze, args.dtype, args.bias
    m, h, w, kh, kw, nc = args.sizes
    (sh, sw), (dh, dw) = args.stride, args.dilation
    ah, aw = as_pair(output_padding, "output_padding", minimum=0)
    (t, b), (l, r) = resolve_transposed_padding(padding)
    # Their messages name output_padding or padding.
    oh = transposed_output_size(h, kh, t + b, sh, dh, ah)
    ow = transposed_output_size(w, kw, l + r, sw, dw, aw)

    # Output position Y = q * s + phase (before cropping ``top``/``left``) gets tap i from input
    # q - offset(i): per phase, a correlation. All phases are kernels of one bank.
    bank, (er, ec) = _phase_bank(k4, (sh, sw), (dh, dw))
    q0, q1 = t // sh, -(-(t + oh) // sh)
    p0, p1 = l // sw, -(-(l + ow) // sw)
    rows, cols = _input_span(q0, q1, h, er), _input_span(p0, p1, w, ec)
    if rows is None or cols is None:
        out = np.zeros((m, oh, ow, nc), dtype=dt)  # the output only holds padding
    else:
        (r0, r1, top, bottom), (c0, c1, left, right) = rows, cols
        # Offsets count backwards: flip=True turns the sum over them into a correlation.
        phases = conv2d(images[:, r0:r1, c0:c1], bank, padding=((top, bottom), (left, right)),
                        flip=True, dtype=dt)
        rows_q, cols_q = q1 - q0, p1 - p0
        # Interleave: (m, q, p, ry, rx, nc) -> rows q * sh + ry, columns p * sw + rx.
        full = np.empty((m, rows_q * sh, cols_q * sw, nc), dtype=dt)
        full.reshape(m, rows_q, sh, cols_q, sw, nc)[...] = phases.reshape(
            m, rows_q, cols_q, sh, sw, nc).transpose(0, 1, 3, 2, 4, 5)
        top_cut, left_cut = t - q0 * sh, l - p0 * sw
        out = full if full.shape[1:3] == (oh, ow) else np.ascontiguousarray(
            full[:, top_cut:top_cut + oh, left_cut:left_cut + ow])
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
