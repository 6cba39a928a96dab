"""The convolution and pooling engine every other part of the app calls.

How it is fast (see the benchmark in ``benchmarks/bench_core.py``):

* It loops over the kernel's *taps* (``kh * kw * c`` iterations), never over pixels: each tap is
  one vectorised multiply-add over the padded input. With stride 1 that is one contiguous 1-D
  slice per tap and channel of a whole block ("flat positions", explained below).
* It works on blocks of images small enough to stay in the CPU cache, padding each block inside
  one small reused buffer instead of padding the whole batch; a single large image (a photo) is
  worked on in bands of rows for the same reason.
* A bank of several kernels gathers each block's taps into one matrix (im2col) and lets one
  matrix multiply do the rest.
* Taps whose weight is zero are skipped; taps of weight +1 or -1 are a plain add or subtract.
* Pooling combines the window's rows first (on whole image rows), then its columns.

Dtype policy (one place): images of any real dtype (uint8 included) are cast block by block to the
compute ``dtype`` before any multiplication, so integers never wrap around; the result has that
dtype: float64 by default (exact enough to check homework against), float32 for interactive views.
"""

import numpy as np

from ._checks import as_array, as_pair, check_ndim, compute_dtype
from .conv_arguments import conv_arguments, raise_non_finite
from .geometry import output_size, resolve_padding
from .padding import check_padding_mode, fill_border

__all__ = ["conv2d", "pool2d", "POOL_MODES"]

#: Pooling modes understood by :func:`pool2d`.
POOL_MODES = ("max", "avg")

# Bytes of one block's working buffer (the padded block for the tap loop, the gathered columns for
# im2col), also the size of the row bands of a single large image. Measured on 28x28, 32x32x3 and
# 512-1024 px photos: tap loop best at 0.5-1 MB, im2col at 2-4 MB; 4x either way costs 1.1-2x.
_TAP_BLOCK_BYTES = 1 << 20
_IM2COL_BLOCK_BYTES = 4 << 20


def _block_size(per_image_bytes, target, m):
    return int(max(1, min(m, target // max(per_image_bytes, 1))))


def _all_finite(block):
    """True unless ``block`` holds NaN or infinity (a non-finite sum is confirmed exactly, since
    large finite values can overflow it)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(block, axis=None)):
            return True
    return bool(np.isfinite(block).all())


def conv2d(images, kernels, *, padding="valid", stride=(1, 1), dilation=(1, 1), flip=False,
           dtype=np.float64, out=None, padding_mode="zeros", bias=None):
    """Slide one kernel or a bank of kernels over a batch of images.

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Grayscale or multi-channel images, any real dtype.
    kernels : ndarray, shape (kh, kw), (kh, kw, c) or (kh, kw, c, nc)
        One kernel (summed over channels) or a bank of ``nc`` kernels. Must be finite.
    padding : {'valid', 'same', 'full'}, int, (ph, pw) or ((top, bottom), (left, right))
        How much to pad; ``'same'`` is TensorFlow's SAME (output ``ceil(h / sh)``).
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
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular', 'symmetric'}
        What fills the padding: zeros, or as :func:`numpy.pad`'s ``'reflect'``, ``'edge'``,
        ``'wrap'`` and ``'symmetric'`` (see :mod:`core.padding`).
    bias : float or array of shape (nc,), optional
        Added to every output pixel (one value per kernel of a bank).

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
    >>> conv2d(np.array([[[1., 2., 3.]]]), np.ones((1, 3)), padding=(0, 1),
    ...        padding_mode='reflect', bias=0.5)
    array([[[5.5, 6.5, 7.5]]])
    """
    args = conv_arguments(images, kernels, stride, dilation, dtype, bias)
    images, k4, squeeze, dt, bias = args.images, args.kernels, args.squeeze, args.dtype, args.bias
    m, h, w, kh, kw, nc = args.sizes
    (sh, sw), (dh, dw) = args.stride, args.dilation
    (t, b), (l, r) = resolve_padding(padding, (h, w), (kh, kw), (sh, sw), (dh, dw))
    check_padding_mode(padding_mode, ((t, b), (l, r)), (h, w))
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

    geometry = (oh, ow, sh, sw, dh, dw)
    padded_hw = (h + t + b, w + l + r)
    border = (((t, b), (l, r)), padding_mode)
    if nc == 1:
        _tap_loop(images, k4[:, :, :, 0], out.reshape(m, oh, ow), (t, l), padded_hw, geometry,
                  border)
    else:
        _im2col(images, k4, out.reshape(m, oh, ow, nc), (t, l), padded_hw, geometry, border)
    if bias is not None:
        out += bias.astype(dt)
    return out


# --------------------------------------------------------------------------------------------
# Blocks, bands and padded sources
# --------------------------------------------------------------------------------------------
#
# Stride-1 work is done on whole padded rows ("flat" positions). Output pixel (r, x) of an image
# reads position (r + i * dh) * wp + (x + j * dw) of each channel of the padded image, so the
# tap (i, j) reads the flat slice starting at i * dh * wp + j * dw, and a block of images stored
# one after the other is a single 1-D array. Each tap is then one long contiguous operation on
# the whole block instead of a strided 3-D one (2-3x faster in NumPy); the positions that are not
# output pixels (columns x >= ow, rows r >= oh) are computed too and thrown away, which costs
# hp * wp / (oh * ow) more arithmetic (1.2-1.3x for 28x28 images, ~1x for photos).


def _blocks(m, per_image_bytes, target):
    """Split ``m`` images into blocks of about ``target`` bytes: ``(block size, [(start, stop)])``."""
    nb = _block_size(per_image_bytes, target, m)
    return nb, [(start, min(m, start + nb)) for start in range(0, m, nb)]


def _bands(n, oh, per_image_bytes, target):
    """Row bands ``[(r0, r1)]`` of the output for a block of ``n`` images.

    A block of several images is done in one go. A single image larger than ``target`` (a photo)
    is done in bands of output rows, so the working set of each band stays in the cache.
    """
    if n > 1 or per_image_bytes <= target:
        return [(0, oh)]
    rows = max(1, min(oh, target * oh // per_image_bytes))
    return [(r0, min(oh, r0 + rows)) for r0 in range(0, oh, rows)]


def _can_read_directly(images, dtype, top_left, padded_hw):
    """True when the images themselves can be the padded source: no copy needed.

    That needs one channel, the compute dtype, no padding and a C-contiguous array.
    """
    c = 1 if images.ndim == 3 else images.shape[3]
    return (c == 1 and images.dtype == dtype and top_left == (0, 0)
            and padded_hw == images.shape[1:3] and images.flags.c_contiguous)


class _Source:
    """The padded source of each block of images, channel-major: ``(c, n, hp, wp)``.

    Channel-major keeps each channel of a block one contiguous run of memory (see the comment
    above). The source is either the images themselves (:func:`_can_read_directly`) or a reused
    zero-bordered buffer that each block is cast and copied into; ``border`` is
    ``(pads, padding_mode)``, and any mode but zeros refills the border block by block.
    """

    def __init__(self, images, nb, dtype, top_left, padded_hw, border=None):
        c = 1 if images.ndim == 3 else images.shape[3]
        self.images, self.top_left, self.hw = images, top_left, tuple(padded_hw)
        self.border = border if border is not None and border[1] != "zeros" else None
        self.direct = _can_read_directly(images, dtype, top_left, padded_hw)
        self.buf = None if self.direct else np.zeros((c, nb) + self.hw, dtype=dtype)

    def block(self, start, stop):
        """The padded source of ``images[start:stop]``, ``(c, n, hp, wp)``."""
        n = stop - start
        if self.direct:
            return self.images[start:stop].reshape((1, n) + self.hw)
        block = self.images[start:stop]
        top, left = self.top_left
        h, w = block.shape[1:3]
        inner = self.buf[:, :n, top:top + h, left:left + w]
        inner[...] = block[None] if block.ndim == 3 else block.transpose(3, 0, 1, 2)
        if self.border is not None:
            fill_border(self.buf[:, :n], *self.border)
        return self.buf[:, :n]


def _flat_units(n, oh, padded_hw, reach, per_image_bytes, target):
    """``[(first, count, rows, r0, r1)]``: the flat positions to compute for each band of a block.

    Band ``r0:r1`` of the output is read from the ``n * rows * wp`` positions starting at
    ``first``; only the first ``count`` are computed, since positions past
    ``n * hp * wp - reach`` (``reach`` the largest tap offset) would read past the block and are
    never output pixels.
    """
    hp, wp = padded_hw
    end = n * hp * wp - reach
    units = []
    for r0, r1 in _bands(n, oh, per_image_bytes, target):
        rows = hp if (r0, r1) == (0, oh) else r1 - r0
        first = r0 * wp
        units.append((first, min(n * rows * wp, end - first), rows, r0, r1))
    return units


def _flat_to_out(flat, n, rows, r0, r1, ow):
    """The output pixels of rows ``r0:r1`` of ``n`` images among their flat positions.

    ``flat`` has ``n * rows * wp`` positions (times the number of kernels, for a bank).
    """
    wp = flat.shape[0] // (n * rows)
    return flat.reshape((n, rows, wp) + flat.shape[1:])[:, :r1 - r0, :ow]


def _tap_view(src, ch, i, j, geometry):
    """The strided ``(n, oh, ow)`` view of ``src`` (``(c, n, hp, wp)``) read by tap ``(i, j, ch)``."""
    oh, ow, sh, sw, dh, dw = geometry
    r0, c0 = i * dh, j * dw
    return src[ch, :, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw]


# --------------------------------------------------------------------------------------------
# One kernel: a loop over its taps
# --------------------------------------------------------------------------------------------

def _accumulate(acc, view, weight, part, first):
    """``acc = weight * view`` (``first``) or ``acc += weight * view``, ``part`` a temporary.

    Weights of +1 or -1 (edge and box filters are made of them) are added or subtracted without
    the multiply: one pass over memory instead of two, and bit-identical results
    (``a + 1.0 * v == a + v`` and ``a + (-1.0) * v == a - v`` exactly).
    """
    if first:
        if weight == 1:
            np.copyto(acc, view)
        elif weight == -1:
            np.negative(view, out=acc)
        else:
            np.multiply(view, weight, out=acc)
    elif weight == 1:
        acc += view
    elif weight == -1:
        acc -= view
    else:
        np.multiply(view, weight, out=part)
        acc += part


def _tap_loop(images, kernel, out, top_left, padded_hw, geometry, border=None):
    """Single kernel ``(kh, kw, c)``: one multiply-add per non-zero tap, block by block."""
    m, c = images.shape[0], kernel.shape[2]
    kh, kw = kernel.shape[:2]
    taps = [(i, j, ch, kernel[i, j, ch]) for ch in range(c) for i in range(kh)
            for j in range(kw) if kernel[i, j, ch] != 0]
    per_image = c * padded_hw[0] * padded_hw[1] * out.dtype.itemsize
    nb, blocks = _blocks(m, per_image, _TAP_BLOCK_BYTES)
    source = _Source(images, nb, out.dtype, top_left, padded_hw, border)
    if geometry[2:4] == (1, 1):
        run = _tap_loop_flat(taps, out, nb, per_image, padded_hw, geometry)
    else:
        run = _tap_loop_strided(taps, out, nb, geometry)
    # Skipped zero taps could hide a NaN/inf pixel from the output check below, so then the
    # images themselves are checked (a sum of the block, still in cache, is cheap).
    check_images = len(taps) < kh * kw * c and images.dtype.kind == "f"
    for start, stop in blocks:
        if taps:
            run(source.block(start, stop), start, stop)
        else:
            out[start:stop] = 0
        if check_images and not _all_finite(images[start:stop]):
            raise_non_finite(images, start, stop)
        if not np.isfinite(out[start:stop]).all():
            raise_non_finite(images, start, stop)


def _tap_loop_strided(taps, out, nb, geometry):
    """Tap loop over strided ``(n, oh, ow)`` views, for strides above 1."""
    part_buf = np.empty((nb,) + out.shape[1:], dtype=out.dtype)

    def run(src, start, stop):
        acc, part = out[start:stop], part_buf[:stop - start]
        for index, (i, j, ch, weight) in enumerate(taps):
            _accumulate(acc, _tap_view(src, ch, i, j, geometry), weight, part, index == 0)

    return run


def _tap_loop_flat(taps, out, nb, per_image, padded_hw, geometry):
    """Tap loop for stride 1 on flat positions: each tap is one contiguous 1-D operation."""
    oh, ow, _, _, dh, dw = geometry
    wp = padded_hw[1]
    offsets = [i * dh * wp + j * dw for i, j, _, _ in taps]
    reach = max(offsets, default=0)
    units = _flat_units(nb, oh, padded_hw, reach, per_image, _TAP_BLOCK_BYTES)
    size = max(nb * rows * wp for _, _, rows, _, _ in units)
    wide = np.empty(size, dtype=out.dtype)
    part_buf = np.empty(size, dtype=out.dtype)

    def run(src, start, stop):
        n = stop - start
        slabs = [src[ch].reshape(-1) for ch in range(src.shape[0])]  # contiguous: no copy
        for first, count, rows, r0, r1 in _flat_units(n, oh, padded_hw, reach, per_image,
                                                      _TAP_BLOCK_BYTES):
            acc, part = wide[:count], part_buf[:count]
            for index, ((_, _, ch, weight), offset) in enumerate(zip(taps, offsets)):
                begin = first + offset
                _accumulate(acc, slabs[ch][begin:begin + count], weight, part, index == 0)
            flat = wide[:n * rows * wp]
            out[start:stop, r0:r1] = _flat_to_out(flat, n, rows, r0, r1, ow)

    return run


# --------------------------------------------------------------------------------------------
# A bank of kernels: im2col and one matrix multiply
# --------------------------------------------------------------------------------------------

def _im2col(images, kernels, out, top_left, padded_hw, geometry, border=None):
    """Kernel bank ``(kh, kw, c, nc)``: gather taps into columns, then one matrix multiply.

    Every tap is gathered, zero or not, so NaN or infinity in the images always reaches the
    finiteness check.
    """
    m = images.shape[0]
    kh, kw, c, nc = kernels.shape
    oh, ow, sh, sw, dh, dw = geometry
    wp = padded_hw[1]
    taps = kh * kw * c
    matrix = np.ascontiguousarray(kernels.reshape(taps, nc))  # rows in (i, j, ch) order
    flat = sh == 1 and sw == 1
    per_image = taps * (padded_hw[0] * wp if flat else oh * ow) * out.dtype.itemsize
    nb, blocks = _blocks(m, per_image, _IM2COL_BLOCK_BYTES)
    source = _Source(images, nb, out.dtype, top_left, padded_hw, border)
    offsets = [(ch, i * dh * wp + j * dw) for i in range(kh) for j in range(kw)
               for ch in range(c)]
    reach = offsets[-1][1]
    if flat:
        units = _flat_units(nb, oh, padded_hw, reach, per_image, _IM2COL_BLOCK_BYTES)
        size = max(nb * rows * wp for _, _, rows, _, _ in units)
    else:
        size = nb * oh * ow
    cols_flat = np.empty(taps * size, dtype=out.dtype)
    res_flat = np.empty(size * nc, dtype=out.dtype)

    def multiply(count):
        """``(positions x taps) @ (taps x nc)``, written position-major: no transpose copy."""
        res = res_flat[:count * nc].reshape(count, nc)
        np.matmul(cols_flat[:taps * count].reshape(taps, count).T, matrix, out=res)
        return res

    for start, stop in blocks:
        n = stop - start
        src = source.block(start, stop)
        if flat:
            for first, count, rows, r0, r1 in _flat_units(n, oh, padded_hw, reach, per_image,
                                                          _IM2COL_BLOCK_BYTES):
                total = n * rows * wp
                _gather_flat(cols_flat[:taps * total].reshape(taps, total), src, offsets,
                             first, count)
                out[start:stop, r0:r1] = _flat_to_out(multiply(total), n, rows, r0, r1, ow)
        else:
            _gather_strided(cols_flat[:taps * n * oh * ow].reshape(kh, kw, c, n, oh, ow), src,
                            geometry)
            out[start:stop] = multiply(n * oh * ow).reshape(n, oh, ow, nc)
        if not np.isfinite(out[start:stop]).all():
            raise_non_finite(images, start, stop)


def _gather_flat(cols, src, offsets, first, count):
    """Stride 1: row ``t`` of ``cols`` = the ``count`` flat positions tap ``t`` reads.

    Each row is one contiguous copy. The columns past ``count`` are not output pixels; they
    are zeroed so the matrix multiply never meets uninitialised memory.
    """
    slabs = [src[ch].reshape(-1) for ch in range(src.shape[0])]  # contiguous: no copy
    for row, (ch, offset) in enumerate(offsets):
        begin = first + offset
        cols[row, :count] = slabs[ch][begin:begin + count]
    cols[:, count:] = 0


def _gather_strided(cols, src, geometry):
    """Strides above 1: ``cols[i, j, ch]`` = the strided ``(n, oh, ow)`` view tap (i, j, ch) reads."""
    kh, kw, c = cols.shape[:3]
    for i in range(kh):
        for j in range(kw):
            for ch in range(c):
                cols[i, j, ch] = _tap_view(src, ch, i, j, geometry)


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
    # Two stages are faster and give exactly the tap-by-tap result when the order of the
    # operations cannot matter: maxima, and sums of uint8 (exact integers). Other averages keep
    # the tap-by-tap order of their floating-point additions.
    two_stage = mode == "max" or (images.dtype == np.uint8 and kh * kw <= 257)
    for start in range(0, m, nb):
        stop = min(m, start + nb)
        if two_stage:
            _pool_rows_then_columns(images[start:stop], out[start:stop], (kh, kw), (sh, sw), mode)
        else:
            _pool_taps(images[start:stop], out[start:stop], (kh, kw), (sh, sw), mode)
    return out


def _pool_taps(block, acc, window, stride, mode):
    """Pool one block tap by tap: ``acc`` (the output block) combines every window position."""
    (kh, kw), (sh, sw) = window, stride
    oh, ow = acc.shape[1:3]
    combine = np.maximum if mode == "max" else np.add
    for i in range(kh):
        for j in range(kw):
            view = block[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            if i == j == 0:
                acc[...] = view
            else:
                combine(acc, view, out=acc)
    if mode == "avg":
        acc /= kh * kw


def _pool_rows_then_columns(block, acc, window, stride, mode):
    """Pool one block in two stages: the window's rows first, then its columns.

    Stage 1 combines whole image rows (long contiguous runs, where NumPy is fastest); stage 2
    combines the ``kw`` columns of that smaller result. That is ``kh + kw - 2`` operations instead
    of ``kh * kw - 1`` on short strided runs. The results are exactly those of :func:`_pool_taps`:
    the maximum is taken in the images' own dtype (rounding to the output dtype afterwards is
    monotonic), and average sums of uint8 are exact integers in uint16 (at most 257 taps) divided
    once, in the output dtype.
    """
    (kh, kw), (sh, sw) = window, stride
    oh, ow = acc.shape[1:3]
    rows = [block[:, i:i + sh * (oh - 1) + 1:sh] for i in range(kh)]
    if mode == "max":
        combine, work = np.maximum, block.dtype
    else:
        combine, work = np.add, np.uint16
    part = rows[0].astype(work)
    for row in rows[1:]:
        combine(part, row, out=part)
    cols = [part[:, :, j:j + sw * (ow - 1) + 1:sw] for j in range(kw)]
    if mode == "max":
        acc[...] = cols[0]
        for col in cols[1:]:
            combine(acc, col, out=acc)
        return
    total = cols[0].copy()
    for col in cols[1:]:
        total += col
    np.divide(total, kh * kw, out=acc, dtype=acc.dtype)

