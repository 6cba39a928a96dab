"""The convolution and pooling engine every other part of the app calls.

How it is fast (see the benchmark in ``benchmarks/bench_core.py``):

* It loops over the kernel's *taps* (``kh * kw * c`` iterations), never over pixels: each tap is
  one vectorised multiply-add of a strided view of the padded input.
* It works on blocks of images small enough to stay in the CPU cache, padding each block inside
  one small reused buffer instead of padding the whole batch.
* A bank of several kernels gathers each block's taps into one matrix (im2col) and lets one
  matrix multiply do the rest.
* Taps whose weight is zero are skipped.

Dtype policy (one place): images of any real dtype (uint8 included) are cast block by block to the
compute ``dtype`` before any multiplication, so integers never wrap around; the result has that
dtype: float64 by default (exact enough to check homework against), float32 for interactive views.
"""

import numpy as np

from ._checks import as_array, as_pair, check_finite, check_ndim, compute_dtype
from .geometry import output_size, resolve_padding

__all__ = ["conv2d", "pool2d", "POOL_MODES"]

#: Pooling modes understood by :func:`pool2d`.
POOL_MODES = ("max", "avg")

# Bytes of one block's working buffer. Blocks of ~1 MB keep the tap loop inside the L2 cache.
_TAP_BLOCK_BYTES = 1 << 20
_IM2COL_BLOCK_BYTES = 4 << 20


def _normalise_kernels(kernels, channels):
    """Return ``(kernels4, squeeze)``: kernels as ``(kh, kw, c, nc)`` and whether nc is dropped."""
    kernels = as_array(kernels, "kernels")
    check_ndim(kernels, "kernels", (2, 3, 4), "(kh, kw), (kh, kw, c) or (kh, kw, c, nc)")
    check_finite(kernels, "kernels")
    if kernels.ndim == 2:
        k4, squeeze = kernels[:, :, None, None], True
    elif kernels.ndim == 3:
        k4, squeeze = kernels[:, :, :, None], True
    else:
        k4, squeeze = kernels, False
    if k4.shape[2] != channels:
        raise ValueError(
            f"kernels has {k4.shape[2]} channel(s) (shape {kernels.shape}) but images have "
            f"{channels}; a kernel for (m, h, w, c) images must be (kh, kw, c) or (kh, kw, c, nc)"
        )
    return k4, squeeze


def _block_size(per_image_bytes, target, m):
    return int(max(1, min(m, target // max(per_image_bytes, 1))))


def _raise_non_finite(images, start, stop):
    block = images[start:stop]
    if block.dtype.kind == "f" and not np.isfinite(block).all():
        bad = start + int(np.argmax(~np.isfinite(block).reshape(len(block), -1).all(axis=1)))
        raise ValueError(f"images must hold finite numbers: image {bad} has NaN or infinity")
    raise ValueError("the result overflowed the compute dtype; use dtype=float64 or smaller values")


def conv2d(images, kernels, *, padding="valid", stride=(1, 1), dilation=(1, 1), flip=False,
           dtype=np.float64, out=None):
    """Slide one kernel or a bank of kernels over a batch of images.

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Grayscale or multi-channel images, any real dtype.
    kernels : ndarray, shape (kh, kw), (kh, kw, c) or (kh, kw, c, nc)
        One kernel (summed over channels) or a bank of ``nc`` kernels. Must be finite.
    padding : {'valid', 'same', 'full'}, int, (ph, pw) or ((top, bottom), (left, right))
        Zero padding; ``'same'`` is TensorFlow's SAME (output ``ceil(h / sh)``).
    stride, dilation : int or (int, int)
        Step between windows and spacing between kernel taps, both >= 1.
    flip : bool
        False (default): cross-correlation, as CNN frameworks do. True: true convolution (the
        kernel is rotated by 180 degrees first).
    dtype : {float64, float32}
        Compute and output dtype.
    out : ndarray, optional
        Where to write the result (e.g. a memory-mapped array); must have the output shape and
        ``dtype``.

    Returns
    -------
    ndarray
        ``(m, oh, ow)`` for a single kernel, ``(m, oh, ow, nc)`` for a 4-D bank.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.arange(16.0).reshape(1, 4, 4)
    >>> conv2d(images, np.ones((2, 2)), stride=2)
    array([[[10., 18.],
            [42., 50.]]])
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (3, 4), "(m, h, w) or (m, h, w, c)")
    m, h, w = images.shape[:3]
    c = 1 if images.ndim == 3 else images.shape[3]
    k4, squeeze = _normalise_kernels(kernels, c)
    kh, kw, _, nc = k4.shape
    sh, sw = as_pair(stride, "stride")
    dh, dw = as_pair(dilation, "dilation")
    dt = compute_dtype(dtype)
    (t, b), (l, r) = resolve_padding(padding, (h, w), (kh, kw), (sh, sw), (dh, dw))
    try:
        oh = output_size(h, kh, t + b, sh, dh)
        ow = output_size(w, kw, l + r, sw, dw)
    except ValueError as exc:
        raise ValueError(f"kernels: {exc}") from None

    k4 = np.asarray(k4, dtype=dt)
    if flip:
        k4 = k4[::-1, ::-1]
    out_shape = (m, oh, ow) if squeeze else (m, oh, ow, nc)
    if out is None:
        out = np.empty(out_shape, dtype=dt)
    elif not isinstance(out, np.ndarray) or out.shape != out_shape or out.dtype != dt:
        raise ValueError(f"out must be an ndarray of shape {out_shape} and dtype {dt}")

    hp, wp = h + t + b, w + l + r
    geometry = (oh, ow, sh, sw, dh, dw)
    if nc == 1:
        nb = _block_size(c * hp * wp * dt.itemsize, _TAP_BLOCK_BYTES, m)
        _tap_loop(images, k4[:, :, :, 0], out.reshape(m, oh, ow), nb, (t, l), (hp, wp), geometry)
    else:
        per_image = kh * kw * c * oh * ow * dt.itemsize
        nb = _block_size(per_image, _IM2COL_BLOCK_BYTES, m)
        _im2col(images, k4, out.reshape(m, oh, ow, nc), nb, (t, l), (hp, wp), geometry)
    return out


def _fill(buf, block, top, left):
    """Copy ``block`` (cast to the buffer's dtype) into the interior of padded ``buf``."""
    n, h, w = block.shape[:3]
    if block.ndim == 3:
        buf[:n, 0, top:top + h, left:left + w] = block
    else:
        buf[:n, :, top:top + h, left:left + w] = block.transpose(0, 3, 1, 2)


def _tap_view(buf, n, ch, i, j, geometry):
    oh, ow, sh, sw, dh, dw = geometry
    r0, c0 = i * dh, j * dw
    return buf[:n, ch, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw]


def _tap_loop(images, kernel, out, nb, top_left, padded_hw, geometry):
    """Single kernel ``(kh, kw, c)``: one multiply-add per non-zero tap, block by block."""
    m, c = images.shape[0], kernel.shape[2]
    oh, ow = geometry[:2]
    buf = np.zeros((nb, c) + padded_hw, dtype=out.dtype)
    tmp = np.empty((nb, oh, ow), dtype=out.dtype)
    taps = [(i, j, ch, kernel[i, j, ch]) for ch in range(c) for i in range(kernel.shape[0])
            for j in range(kernel.shape[1]) if kernel[i, j, ch] != 0]
    for start in range(0, m, nb):
        stop = min(m, start + nb)
        n = stop - start
        _fill(buf, images[start:stop], *top_left)
        acc = out[start:stop]
        if not taps:
            acc[...] = 0
            continue
        (i, j, ch, weight), rest = taps[0], taps[1:]
        np.multiply(_tap_view(buf, n, ch, i, j, geometry), weight, out=acc)
        part = tmp[:n]
        for i, j, ch, weight in rest:
            np.multiply(_tap_view(buf, n, ch, i, j, geometry), weight, out=part)
            acc += part
        if not np.isfinite(acc).all():
            _raise_non_finite(images, start, stop)


def _im2col(images, kernels, out, nb, top_left, padded_hw, geometry):
    """Kernel bank ``(kh, kw, c, nc)``: gather taps into columns, then one matrix multiply."""
    m = images.shape[0]
    kh, kw, c, nc = kernels.shape
    oh, ow = geometry[:2]
    taps = kh * kw * c
    matrix = np.ascontiguousarray(kernels.transpose(3, 0, 1, 2).reshape(nc, taps))
    buf = np.zeros((nb, c) + padded_hw, dtype=out.dtype)
    cols_flat = np.empty(taps * nb * oh * ow, dtype=out.dtype)
    res_flat = np.empty(nc * nb * oh * ow, dtype=out.dtype)
    for start in range(0, m, nb):
        stop = min(m, start + nb)
        n = stop - start
        _fill(buf, images[start:stop], *top_left)
        cols = cols_flat[:taps * n * oh * ow].reshape(taps, n, oh, ow)
        for i in range(kh):
            for j in range(kw):
                for ch in range(c):
                    cols[(i * kw + j) * c + ch] = _tap_view(buf, n, ch, i, j, geometry)
        res = res_flat[:nc * n * oh * ow].reshape(nc, n * oh * ow)
        np.matmul(matrix, cols.reshape(taps, n * oh * ow), out=res)
        block = out[start:stop]
        block[...] = res.reshape(nc, n, oh, ow).transpose(1, 2, 3, 0)
        if not np.isfinite(block).all():
            _raise_non_finite(images, start, stop)


def pool2d(images, kernel_shape, *, stride=None, mode="max", dtype=np.float64):
    """Max or average pooling over windows, channel by channel, without padding.

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
    kernel_shape : int or (kh, kw)
        Window size.
    stride : int or (sh, sw), optional
        Step between windows; defaults to ``kernel_shape`` (non-overlapping windows).
    mode : {'max', 'avg'}
    dtype : {float64, float32}
        Output dtype.

    Returns
    -------
    ndarray, shape (m, oh, ow[, c])
        ``oh = (h - kh) // sh + 1``, likewise ``ow``.

    Examples
    --------
    >>> import numpy as np
    >>> pool2d(np.arange(16).reshape(1, 4, 4), (2, 2), mode='max')
    array([[[ 5.,  7.],
            [13., 15.]]])
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (3, 4), "(m, h, w) or (m, h, w, c)")
    kh, kw = as_pair(kernel_shape, "kernel_shape")
    sh, sw = as_pair((kh, kw) if stride is None else stride, "stride")
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    dt = compute_dtype(dtype)
    m, h, w = images.shape[:3]
    try:
        oh = output_size(h, kh, 0, sh)
        ow = output_size(w, kw, 0, sw)
    except ValueError as exc:
        raise ValueError(f"kernel_shape: {exc}") from None
    out = np.empty((m, oh, ow) + images.shape[3:], dtype=dt)
    per_image = int(np.prod(images.shape[1:])) * images.dtype.itemsize
    nb = _block_size(per_image, _TAP_BLOCK_BYTES, m)
    combine = np.maximum if mode == "max" else np.add
    for start in range(0, m, nb):
        stop = min(m, start + nb)
        block = images[start:stop]
        acc = out[start:stop]
        first = True
        for i in range(kh):
            for j in range(kw):
                view = block[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
                if first:
                    acc[...] = view
                    first = False
                else:
                    combine(acc, view, out=acc)
        if mode == "avg":
            acc /= kh * kw
    return out
