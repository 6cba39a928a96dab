"""The convolution and pooling engine every other part of the app calls.

How it is fast (see ``benchmarks/bench_core.py`` and the grid in ``benchmarks/bench_grid.py``):

* It loops over the kernel's *taps* (``kh * kw * c`` iterations), never over pixels: each tap is
  one vectorised multiply-add over the padded input. With stride 1 that is one contiguous 1-D
  slice per tap and channel of a whole block ("flat positions", explained below).
* It works on blocks of images small enough to stay in the CPU cache, padding each block inside
  one small reused buffer instead of padding the whole batch; a single large image (a photo) is
  worked on in bands of rows for the same reason.
* A bank of several kernels gathers each band's taps into one matrix (im2col: one copy from a
  strided view, no loop over the taps) and lets one matrix multiply do the rest, with OpenBLAS
  held to one thread (see ``core._blas``); strided banks are banded too.
* Taps whose weight is zero are skipped; taps of weight +1 or -1 are a plain add or subtract.
* A rank-1 (separable) single kernel, stride 1, is a row pass and a column pass:
  ``kh + kw`` taps instead of ``kh * kw``.
* For float32 results, large kernels go through the FFT (``core.spectral``) when its cost
  estimate is below the direct methods'. float64 results never do: they stay exact to 1e-12.
* Pooling (``core.pooling``) combines the window's rows first (on whole image rows), then its
  columns.
* Large work is split over the cores, and a caller can stop superseded work between blocks
  (``core.engine_threads``).

Which path runs (all take their padded source from ``_Source``, so padding modes work on each):
separable if the kernel factors exactly, else FFT if float32 and cheaper, else the tap loop
(one kernel) or im2col (a bank).

Dtype policy (one place): images of any real dtype (uint8 included) are cast block by block to the
compute ``dtype`` before any multiplication, so integers never wrap around; the result has that
dtype: float64 by default (exact enough to check homework against), float32 for interactive views.
"""

import numpy as np

from ._blas import single_blas_thread
from .conv_arguments import conv_arguments, raise_non_finite
from .engine_threads import Interrupted, checkpoint, interruptible, run_jobs, split_rows
from .geometry import output_size, resolve_padding
from .padding import check_padding_mode, fill_border
from .pooling import POOL_MODES, pool2d
from .spectral import direct_cost, fft_correlate, fft_cost

__all__ = ["conv2d", "pool2d", "POOL_MODES", "Interrupted", "interruptible"]

# Bytes of one block's working buffer (the padded block for the tap loop, the gathered columns for
# im2col), also the size of the row bands of a single large image. Measured on 28x28, 32x32x3 and
# 512-1024 px photos: tap loop best at 0.5-1 MB, im2col at 2-4 MB; 4x either way costs 1.1-2x.
_TAP_BLOCK_BYTES = 1 << 20
_IM2COL_BLOCK_BYTES = 4 << 20

# Flat positions computed per output pixel above which a single kernel's tap loop uses strided
# views instead (see _flat_pays).
_FLAT_WASTE_LIMIT = 2.0


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
        Compute and output dtype. float64 results are exact to about 1e-12 relative (direct sums
        only). float32 results may come from the FFT when the kernel is large (see
        :mod:`core.spectral`): rounding errors about 1e-7 of the sum of ``|x| * |k|``, the
        order of float32's own rounding, but integers are then no longer exact.
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
    c = args.channels
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
    factors = _separable_factors(k4[:, :, :, 0], dt) if nc == 1 and (sh, sw) == (1, 1) else None
    if factors is not None:
        taps = sum(len(col) + len(row) for _, col, row in factors)
    else:
        taps = kh * kw * c if nc > 1 else int(np.count_nonzero(k4))
    rows_geometry = (oh, (kh - 1) * dh + 1, sh)
    if dt == np.float32 and fft_cost(m, padded_hw, c, nc, rows_geometry) < \
            direct_cost(m, (oh, ow), taps, nc):
        method = _spectral
    elif nc == 1:
        method = _tap_loop
    else:
        method = _im2col
    parts = split_rows(m, h, oh, (t, b), (sh, dh, kh), padding_mode,
                       m * oh * ow * taps * max(nc, 1), _PARALLEL_WORK)
    out4 = out.reshape(m, oh, ow, nc)
    jobs = []
    for (a, z), (r0, r1), (top, bottom), (i0, i1) in parts:
        part_geometry = (r1 - r0, ow, sh, sw, dh, dw)
        part_pads = ((top, bottom), (l, r))
        jobs.append((method, images[a:z, i0:i1], k4, out4[a:z, r0:r1], part_pads,
                     (i1 - i0 + top + bottom, w + l + r), part_geometry,
                     (part_pads, padding_mode), factors))
    try:
        run_jobs(_run_part, jobs)
    except ValueError:
        if len(jobs) == 1:
            raise
        # Run as one piece to report the offending image by its index in the whole batch.
        run_jobs(_run_part, [(method, images, k4, out4, ((t, b), (l, r)), padded_hw, geometry, border,
                   factors)])
    if bias is not None:
        out += bias.astype(dt)
    return out


# Multiply-adds below which the work stays on the calling thread (a thread hop costs ~0.1 ms);
# above, it is split over the cores (core.engine_threads).
_PARALLEL_WORK = 20_000_000


def _run_part(job):
    """Run one part of :func:`conv2d`'s work: ``(method, *arguments)``."""
    method, images, k4, out4, pads, padded_hw, geometry, border, factors = job
    (t, _), (l, _) = pads
    if method is _tap_loop:
        _tap_loop(images, k4[:, :, :, 0], out4[..., 0], (t, l), padded_hw, geometry, border,
                  factors)
    elif method is _spectral:
        _spectral(images, k4, out4, (t, l), padded_hw, geometry, border)
    else:
        with single_blas_thread():
            _im2col(images, k4, out4, (t, l), padded_hw, geometry, border)


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

    Stride-1 paths read a single large image (a photo) band by band through :meth:`rows`; with
    ``band_rows`` (the most padded rows one band reads) and zero padding, only those rows are
    cast and padded into a band-sized buffer, never the whole photo (whose float copy was 3-5x
    the output's memory for RGB photos).
    """

    def __init__(self, images, nb, dtype, top_left, padded_hw, border=None, band_rows=None):
        c = 1 if images.ndim == 3 else images.shape[3]
        self.images, self.top_left, self.hw = images, top_left, tuple(padded_hw)
        self.border = border if border is not None and border[1] != "zeros" else None
        self.direct = _can_read_directly(images, dtype, top_left, padded_hw)
        self.banded = (band_rows is not None and nb == 1 and not self.direct
                       and self.border is None and band_rows < padded_hw[0])
        self._filled = None
        if self.direct:
            self.buf = None
        elif self.banded:
            self.buf = np.zeros((c, 1, band_rows, padded_hw[1]), dtype=dtype)
        else:
            self.buf = np.zeros((c, nb) + self.hw, dtype=dtype)

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

    def rows(self, start, stop, r0, r1):
        """Padded rows ``r0:r1`` of ``images[start:stop]``, ``(c, n, r1 - r0, wp)``.

        Each channel is contiguous when the rows are all of them or ``n == 1``. Successive
        calls for the same block copy it once (or, banded, only the rows asked for).
        """
        if not self.banded:
            if self._filled != (start, stop):
                self._whole, self._filled = self.block(start, stop), (start, stop)
            return self._whole[:, :, r0:r1]
        image = self.images[start]
        top, left = self.top_left
        h, w = image.shape[:2]
        band = self.buf[:, :, :r1 - r0]
        lo, hi = min(max(r0 - top, 0), h), max(min(r1 - top, h), 0)  # image rows in the band
        first, last = lo + top - r0, max(hi + top - r0, lo + top - r0)
        band[:, :, :first] = 0
        band[:, :, last:] = 0
        band[:, :, :, :left] = 0
        band[:, :, :, left + w:] = 0
        if hi > lo:
            rows = image[lo:hi]
            band[:, 0, first:last, left:left + w] = \
                rows[None] if rows.ndim == 2 else rows.transpose(2, 0, 1)
        return band


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


def _padded_rows(n, first, count, reach, padded_hw):
    """``(p0, p1)``: the padded rows holding flat positions ``first`` to ``first + count +
    reach`` of a single image (all rows for a block of several images)."""
    hp, wp = padded_hw
    if n > 1:
        return 0, hp
    return first // wp, min(hp, -(-(first + count + reach) // wp))


def _most_rows(units, nb, reach, padded_hw):
    """The most padded rows one unit of a single image reads (None for blocks of several)."""
    if nb > 1:
        return None
    return max(p1 - p0 for p0, p1 in (_padded_rows(1, first, count, reach, padded_hw)
                                      for first, count, _, _, _ in units))


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


def _tap_loop(images, kernel, out, top_left, padded_hw, geometry, border=None, factors=None):
    """Single kernel ``(kh, kw, c)``: one multiply-add per non-zero tap, block by block.

    ``factors`` (from :func:`_separable_factors`, stride 1 only) replaces the ``kh * kw`` taps of
    each channel by a row pass of ``kw`` taps and a column pass of ``kh`` taps.
    """
    m, c = images.shape[0], kernel.shape[2]
    kh, kw = kernel.shape[:2]
    taps = [(i, j, ch, kernel[i, j, ch]) for ch in range(c) for i in range(kh)
            for j in range(kw) if kernel[i, j, ch] != 0]
    per_image = c * padded_hw[0] * padded_hw[1] * out.dtype.itemsize
    nb, blocks = _blocks(m, per_image, _TAP_BLOCK_BYTES)
    band_rows = None
    if factors is not None:
        run, band_rows = _separable_flat(factors, out, nb, per_image, padded_hw, geometry)
    elif geometry[2:4] == (1, 1) and _flat_pays(padded_hw, geometry):
        run, band_rows = _tap_loop_flat(taps, out, nb, per_image, padded_hw, geometry)
    else:
        run = _tap_loop_strided(taps, out, nb, geometry)
    source = _Source(images, nb, out.dtype, top_left, padded_hw, border, band_rows)
    # Skipped zero taps could hide a NaN/inf pixel from the output check below, so then the
    # images themselves are checked (a sum of the block, still in cache, is cheap).
    check_images = (factors is not None or len(taps) < kh * kw * c) and images.dtype.kind == "f"
    for start, stop in blocks:
        checkpoint()
        if taps:
            run(source, start, stop)
        else:
            out[start:stop] = 0
        if check_images and not _all_finite(images[start:stop]):
            raise_non_finite(images, start, stop)
        if not np.isfinite(out[start:stop]).all():
            raise_non_finite(images, start, stop)


def _flat_pays(padded_hw, geometry):
    """True when flat positions waste little: ``hp * wp`` computed per ``oh * ow`` kept.

    A 15x15 kernel on a 28x28 digit keeps 196 of 784 flat positions; there the strided views,
    slower per element but computing only output pixels, win.
    """
    return padded_hw[0] * padded_hw[1] <= _FLAT_WASTE_LIMIT * geometry[0] * geometry[1]


def _tap_loop_strided(taps, out, nb, geometry):
    """Tap loop over strided ``(n, oh, ow)`` views, for strides above 1."""
    part_buf = np.empty((nb,) + out.shape[1:], dtype=out.dtype)

    def run(source, start, stop):
        src = source.block(start, stop)
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

    def run(source, start, stop):
        n = stop - start
        for first, count, rows, r0, r1 in _flat_units(n, oh, padded_hw, reach, per_image,
                                                      _TAP_BLOCK_BYTES):
            checkpoint()
            p0, p1 = _padded_rows(n, first, count, reach, padded_hw)
            src = source.rows(start, stop, p0, p1)
            slabs = [src[ch].reshape(-1) for ch in range(src.shape[0])]  # contiguous: no copy
            base = first - p0 * wp
            acc, part = wide[:count], part_buf[:count]
            for index, ((_, _, ch, weight), offset) in enumerate(zip(taps, offsets)):
                begin = base + offset
                _accumulate(acc, slabs[ch][begin:begin + count], weight, part, index == 0)
            flat = wide[:n * rows * wp]
            out[start:stop, r0:r1] = _flat_to_out(flat, n, rows, r0, r1, ow)

    return run, _most_rows(units, nb, reach, padded_hw)


# --------------------------------------------------------------------------------------------
# One separable kernel: a row pass, then a column pass
# --------------------------------------------------------------------------------------------

def _separable_factors(kernel, dtype):
    """``[(ch, col, row)]`` with ``kernel[:, :, ch] == outer(col, row)`` exactly, or None.

    Only returned when it saves work (``kh * kw >= 2 * (kh + kw)`` taps per channel) and every
    non-zero channel is rank 1. The row through the largest weight (divided by its common
    integer factor for integer kernels, by that weight otherwise) and the column through it
    divided by the row's weight there; the product must reproduce the kernel bit for bit, so
    integer kernels (box, binomial, Sobel) get integer factors. For float64 results
    an integer kernel must have integer factors, so integer images still give exact integers;
    other float64 kernels give results within a few units of rounding of the direct sum.
    """
    kh, kw, c = kernel.shape
    if kh * kw < 2 * (kh + kw):
        return None
    factors = []
    for ch in range(c):
        plane = kernel[:, :, ch]
        if not plane.any():
            continue
        i, j = np.unravel_index(int(np.argmax(np.abs(plane))), plane.shape)
        integer = np.array_equal(plane, np.round(plane)) and np.abs(plane).max() < 2 ** 52
        if integer:  # the pivot's row divided by its common factor: integer factors if any
            row = plane[i, :] / np.gcd.reduce(plane[i, :].astype(np.int64))
            col = plane[:, j] / row[j]
        else:
            col, row = plane[:, j].copy(), plane[i, :] / plane[i, j]
        if not np.array_equal(np.outer(col, row), plane):
            return None
        if dtype == np.float64 and integer and not np.array_equal(col, np.round(col)):
            return None
        factors.append((ch, col, row))
    return factors or None


def _separable_flat(factors, out, nb, per_image, padded_hw, geometry):
    """Stride 1, rank-1 channels: ``kw`` taps along the rows into a temporary, then ``kh`` taps
    down its columns, both on flat positions (one contiguous operation per tap)."""
    oh, ow, _, _, dh, dw = geometry
    wp = padded_hw[1]
    kh, kw = len(factors[0][1]), len(factors[0][2])
    down = (kh - 1) * dh * wp
    reach = down + (kw - 1) * dw
    units = _flat_units(nb, oh, padded_hw, reach, per_image, _TAP_BLOCK_BYTES)
    size = max(nb * rows * wp for _, _, rows, _, _ in units)
    wide = np.empty(size, dtype=out.dtype)
    channel = np.empty(size if len(factors) > 1 else 0, dtype=out.dtype)
    part = np.empty(size + down, dtype=out.dtype)
    along = np.empty(size + down, dtype=out.dtype)

    def run(source, start, stop):
        n = stop - start
        for first, count, rows, r0, r1 in _flat_units(n, oh, padded_hw, reach, per_image,
                                                      _TAP_BLOCK_BYTES):
            checkpoint()
            p0, p1 = _padded_rows(n, first, count, reach, padded_hw)
            src = source.rows(start, stop, p0, p1)
            base = first - p0 * wp
            length = count + down
            for index, (ch, col, row) in enumerate(factors):
                slab = src[ch].reshape(-1)
                tmp = along[:length]
                for j, weight in enumerate(row):
                    begin = base + j * dw
                    _accumulate(tmp, slab[begin:begin + length], weight, part[:length], j == 0)
                acc = wide[:count] if index == 0 else channel[:count]
                for i, weight in enumerate(col):
                    offset = i * dh * wp
                    _accumulate(acc, tmp[offset:offset + count], weight, part[:count], i == 0)
                if index:
                    wide[:count] += acc
            flat = wide[:n * rows * wp]
            out[start:stop, r0:r1] = _flat_to_out(flat, n, rows, r0, r1, ow)

    return run, _most_rows(units, nb, reach, padded_hw)


# --------------------------------------------------------------------------------------------
# Large kernels in float32: through the FFT (core.spectral)
# --------------------------------------------------------------------------------------------

# Bytes of spectra per block of small images (photos are banded inside fft_correlate).
_FFT_BLOCK_BYTES = 8 << 20


def _spectral(images, kernels, out, top_left, padded_hw, geometry, border=None):
    """Bank or single kernel ``(kh, kw, c, nc)`` through :func:`core.spectral.fft_correlate`,
    block by block of padded images. A NaN or infinity anywhere in an image spreads over its
    whole result, which the finiteness check then reports."""
    m = images.shape[0]
    c, nc = kernels.shape[2:]
    per_image = 2 * (c + nc) * padded_hw[0] * padded_hw[1] * out.dtype.itemsize
    nb, blocks = _blocks(m, per_image, _FFT_BLOCK_BYTES)
    source = _Source(images, nb, out.dtype, top_left, padded_hw, border)
    for start, stop in blocks:
        checkpoint()
        fft_correlate(source.block(start, stop), kernels, geometry, out[start:stop])
        if not np.isfinite(out[start:stop]).all():
            raise_non_finite(images, start, stop)


# --------------------------------------------------------------------------------------------
# A bank of kernels: im2col and one matrix multiply
# --------------------------------------------------------------------------------------------

def _im2col(images, kernels, out, top_left, padded_hw, geometry, border=None):
    """Kernel bank ``(kh, kw, c, nc)``: gather taps into columns, then one matrix multiply.

    The columns of a band are gathered by ONE copy from a strided view of the padded source (no
    Python loop over the taps), in row bands of about ``_IM2COL_BLOCK_BYTES`` for strides above 1
    as well, so the whole im2col matrix of a photo never exists at once. Every tap is gathered,
    zero or not, so NaN or infinity in the images always reaches the finiteness check.
    """
    m = images.shape[0]
    kh, kw, c, nc = kernels.shape
    oh, ow, sh, sw, dh, dw = geometry
    hp, wp = padded_hw
    taps = kh * kw * c
    # Rows in (ch, i, j) order, the order in which the strided view lists the taps.
    matrix = np.ascontiguousarray(kernels.transpose(2, 0, 1, 3).reshape(taps, nc))
    flat = sh == 1 and sw == 1
    per_image = taps * (hp * wp if flat else oh * ow) * out.dtype.itemsize
    nb, blocks = _blocks(m, per_image, _IM2COL_BLOCK_BYTES)
    reach = (kh - 1) * dh * wp + (kw - 1) * dw
    band_rows = None
    if flat:
        units = _flat_units(nb, oh, padded_hw, reach, per_image, _IM2COL_BLOCK_BYTES)
        size = max(nb * rows * wp for _, _, rows, _, _ in units)
        band_rows = _most_rows(units, nb, reach, padded_hw)
    else:
        size = max(nb * (r1 - r0) * ow
                   for r0, r1 in _bands(nb, oh, per_image, _IM2COL_BLOCK_BYTES))
    cols_flat = np.empty(taps * size, dtype=out.dtype)
    res_flat = np.empty(size * nc, dtype=out.dtype)
    source = _Source(images, nb, out.dtype, top_left, padded_hw, border, band_rows)

    def multiply(count):
        """``(positions x taps) @ (taps x nc)``, written position-major: no transpose copy."""
        res = res_flat[:count * nc].reshape(count, nc)
        np.matmul(cols_flat[:taps * count].reshape(taps, count).T, matrix, out=res)
        return res

    for start, stop in blocks:
        checkpoint()
        n = stop - start
        if flat:
            for first, count, rows, r0, r1 in _flat_units(n, oh, padded_hw, reach, per_image,
                                                          _IM2COL_BLOCK_BYTES):
                checkpoint()
                p0, p1 = _padded_rows(n, first, count, reach, padded_hw)
                taps_view = _flat_taps_view(source.rows(start, stop, p0, p1), (kh, kw),
                                            (dh, dw), reach)
                base = first - p0 * wp
                total = n * rows * wp
                cols = cols_flat[:taps * total].reshape(c, kh, kw, total)
                cols[..., :count] = taps_view[..., base:base + count]
                # Past ``count`` lie no output pixels; zeros keep the product off garbage.
                cols[..., count:] = 0
                out[start:stop, r0:r1] = _flat_to_out(multiply(total), n, rows, r0, r1, ow)
        else:
            taps_view = _strided_taps_view(source.block(start, stop), (kh, kw), geometry)
            for r0, r1 in _bands(n, oh, per_image, _IM2COL_BLOCK_BYTES):
                checkpoint()
                count = n * (r1 - r0) * ow
                cols = cols_flat[:taps * count].reshape(c, kh, kw, n, r1 - r0, ow)
                cols[...] = taps_view[:, :, :, :, r0:r1]
                out[start:stop, r0:r1] = multiply(count).reshape(n, r1 - r0, ow, nc)
        if not np.isfinite(out[start:stop]).all():
            raise_non_finite(images, start, stop)


def _flat_taps_view(src, kernel_hw, dilation, reach):
    """Stride 1: a ``(c, kh, kw, positions)`` view of ``src`` (``(c, n, hp, wp)``, each channel
    contiguous) whose ``[ch, i, j, p]`` is the value tap ``(i, j, ch)`` reads for flat position
    ``p``. It lists only the positions whose every tap lies inside the block."""
    (kh, kw), (dh, dw) = kernel_hw, dilation
    c, n, hp, wp = src.shape
    item = src.itemsize
    return np.lib.stride_tricks.as_strided(
        src, shape=(c, kh, kw, n * hp * wp - reach),
        strides=(src.strides[0], dh * wp * item, dw * item, item), writeable=False)


def _strided_taps_view(src, kernel_hw, geometry):
    """Strides above 1: a ``(c, kh, kw, n, oh, ow)`` view of ``src`` (``(c, n, hp, wp)``) whose
    ``[ch, i, j]`` is the strided ``(n, oh, ow)`` view tap ``(i, j, ch)`` reads."""
    kh, kw = kernel_hw
    oh, ow, sh, sw, dh, dw = geometry
    s_c, s_n, s_h, s_w = src.strides
    return np.lib.stride_tricks.as_strided(
        src, shape=(src.shape[0], kh, kw, src.shape[1], oh, ow),
        strides=(s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w), writeable=False)
