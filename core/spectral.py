"""Correlation through the FFT (``numpy.fft.rfft2``), for large kernels in float32.

A direct method does ``kh * kw * c`` multiply-adds per output pixel and kernel; the FFT does a
few transforms per image and channel plus one complex product per frequency, channel and
kernel, whatever the kernel's size. :func:`fft_cost` and :func:`direct_cost` estimate both so the
engine can pick the cheaper one.

The transforms run in float64 (NumPy's float64 FFT is faster than its float32 one, measured
2.3x on 540x540 planes), one row band of the image at a time to bound their memory.

Exactness policy: the FFT's rounding error grows with the image's size and the data's dynamic
range (about ``1e-7 * sum|x| |k|`` in float32, ``1e-16`` times that in float64), so it is never
bit-exact. The engine uses it only for ``dtype=float32`` results, whose own rounding is of the
same order; float64 results always take the direct (exact to 1e-12) paths.

Correlation, not convolution: ``ifft(fft(x) * conj(fft(k)))`` at position ``r`` is the sum of
``x[r + i] * k[i]`` with indices taken modulo the transform length. With a transform at least as
long as the padded input, every output pixel (``r + i`` below the input's length) reads no
wrapped-around value, so the input needs no extra zeros.
"""

import numpy as np

__all__ = ["fft_correlate", "fft_cost", "direct_cost", "smooth_length"]

# Bytes of complex spectra held at once (input channels plus kernels, one row band). Measured on
# a 512x512 photo with an 11x11x3x8 bank: 2-4 MB best; 0.5 MB 3.9x slower (the bands' overlap
# dominates), 24 MB 1.7x slower (out of cache).
_SPECTRA_BYTES = 4 << 20

# How much slower NumPy's FFT runs per estimated operation than the direct methods' products
# and tap loops, fitted on 512x512 photos: the FFT wins from about 11x11x3x8 banks and
# 15x15x3 single kernels up.
_FFT_WEIGHT = 10


def smooth_length(n):
    """The smallest ``m >= n`` with no prime factor above 5 (fast for the FFT).

    Examples
    --------
    >>> smooth_length(97), smooth_length(128), smooth_length(1031)
    (100, 128, 1080)
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    m = n
    while True:
        rest = m
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        if rest == 1:
            return m
        m += 1


def _log2(n):
    return float(np.log2(max(n, 2)))


def _band_plan(n, oh, wp, channels, nc, eh, sh):
    """``(rows, fh, fw)``: output rows per band and the transform size of a band.

    A band reads ``(rows - 1) * sh + eh`` input rows, so bands much shorter than the kernel
    would transform the same rows many times over: at least ``2 * eh`` rows (at most 1.5x the
    work of one transform of the whole image), more while the spectra stay in the budget.
    """
    fw = smooth_length(wp)
    point_bytes = (channels + nc) * n * (fw // 2 + 1) * 16
    budget_rows = (_SPECTRA_BYTES // point_bytes - eh) // sh + 1
    rows = int(min(oh, max(budget_rows, 2 * eh, 1)))
    return rows, smooth_length((rows - 1) * sh + eh), fw


def fft_cost(n, padded_hw, channels, nc, rows_geometry=None):
    """Rough operation count of :func:`fft_correlate` for ``n`` images.

    Forward transforms of the ``channels`` input planes and inverse transforms of the ``nc``
    results (about ``2.5 N log2 N`` each, weighted by the measured ``_FFT_WEIGHT``) plus one
    complex multiply-add (8 operations) per half-spectrum point, channel and kernel, for every
    row band. ``rows_geometry`` is ``(oh, eh, sh)``: output rows, the kernel's dilated height and
    the vertical stride (default: one band, the whole image).
    """
    hp, wp = padded_hw
    oh, eh, sh = rows_geometry if rows_geometry is not None else (1, hp, 1)
    rows, fh, fw = _band_plan(1, oh, wp, channels, nc, eh, sh)
    size = fh * fw
    bands = -(-oh // rows)
    transforms = (channels + nc) * _FFT_WEIGHT * 2.5 * size * _log2(size)
    return n * bands * (transforms + 8 * channels * nc * size / 2)


def direct_cost(n, out_hw, taps, nc):
    """Rough operation count of the direct methods: one multiply-add per tap, kernel and output
    pixel (a matrix product for banks), plus one gathered copy per tap and pixel."""
    pixels = n * out_hw[0] * out_hw[1]
    return pixels * taps * (2 * nc + 2)


def fft_correlate(src, kernels, geometry, out):
    """Correlate a padded source with a bank of kernels through the FFT.

    Parameters
    ----------
    src : ndarray, shape (c, n, hp, wp)
        Padded images, channel-major, float32 or float64.
    kernels : ndarray, shape (kh, kw, c, nc)
        The bank, already flipped if a true convolution is wanted, in the source's dtype.
    geometry : tuple
        ``(oh, ow, sh, sw, dh, dw)``: output size, stride and dilation.
    out : ndarray, shape (n, oh, ow, nc)
        Written in place.

    Examples
    --------
    >>> import numpy as np
    >>> src = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> out = np.empty((1, 3, 3, 1))
    >>> fft_correlate(src, np.ones((2, 2, 1, 1)), (3, 3, 1, 1, 1, 1), out)[0, :, :, 0].round(6)
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    oh, ow, sh, sw, dh, dw = geometry
    kh, kw, c, nc = kernels.shape
    n, wp = src.shape[1], src.shape[3]
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    rows, fh, fw = _band_plan(n, oh, wp, c, nc, eh, sh)
    dilated = np.zeros((c, nc, eh, ew))
    dilated[:, :, ::dh, ::dw] = kernels.transpose(2, 3, 0, 1)
    kernel_spectra = np.conj(np.fft.rfft2(dilated, s=(fh, fw)))  # (c, nc, fh, fw // 2 + 1)
    for r0 in range(0, oh, rows):
        r1 = min(oh, r0 + rows)
        # float64 transforms: NumPy's are faster than its float32 ones, and more exact.
        band = src[:, :, r0 * sh:(r1 - 1) * sh + eh].astype(np.float64)
        spectra = np.fft.rfft2(band, s=(fh, fw))  # (c, n, fh, fw // 2 + 1)
        product = spectra[0][None] * kernel_spectra[0][:, None]
        for ch in range(1, c):
            product += spectra[ch][None] * kernel_spectra[ch][:, None]
        result = np.fft.irfft2(product, s=(fh, fw))  # (nc, n, fh, fw)
        picked = result[:, :, :(r1 - r0 - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw]
        out[:, r0:r1] = picked.transpose(1, 2, 3, 0)
    return out
