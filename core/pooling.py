"""Max and average pooling: the window's rows first (on whole image rows), then its columns."""

import numpy as np

from ._checks import as_array, as_pair, check_ndim, compute_dtype
from .engine_threads import checkpoint, run_jobs
from .geometry import output_size

__all__ = ["pool2d", "POOL_MODES", "empty_map_major"]

#: Pooling modes understood by :func:`pool2d`.
POOL_MODES = ("max", "avg")

# Bytes of the images pooled in one block or band (measured best at 0.5-1 MB, like the tap
# loop's).
_POOL_BLOCK_BYTES = 1 << 20

# Output values of a single photo above which its bands are pooled on two cores.
_PARALLEL_OUTPUTS = 1 << 20


def empty_map_major(shape, dtype):
    """An uninitialised ``(m, h, w, nc)`` array laid out map by map in memory: each
    ``[i, :, :, k]`` is one contiguous run (what a window drawing one map at a time reads).

    Examples
    --------
    >>> import numpy as np
    >>> maps = empty_map_major((1, 4, 5, 3), np.float32)
    >>> maps.shape, maps[0, :, :, 2].flags.c_contiguous
    ((1, 4, 5, 3), True)
    """
    m, h, w, nc = shape
    return np.empty((m, nc, h, w), dtype=dtype).transpose(0, 2, 3, 1)


def _is_map_major(images):
    return images.ndim == 4 and images.shape[3] > 1 and \
        images.transpose(0, 3, 1, 2).flags.c_contiguous


def pool2d(images, kernel_shape, *, stride=None, mode="max", dtype=np.float64):
    """Max or average pooling over windows, channel by channel, without padding.

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Laid out map by map (see :func:`empty_map_major`) or in the usual order; the result
        has the same layout.
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
    shape = (m, oh, ow) + images.shape[3:]
    out = empty_map_major(shape, dt) if _is_map_major(images) else np.empty(shape, dtype=dt)
    per_image = int(np.prod(images.shape[1:])) * images.dtype.itemsize
    nb = int(max(1, min(m, _POOL_BLOCK_BYTES // max(per_image, 1))))
    # Blocks of images, or bands of output rows of a single large image (a photo), each small
    # enough to stay in the cache; the bands of a photo are shared by the cores.
    rows = oh if per_image <= _POOL_BLOCK_BYTES else max(1, oh * _POOL_BLOCK_BYTES // per_image)
    pieces = [(start, min(m, start + nb), r0, min(oh, r0 + rows))
              for start in range(0, m, nb) for r0 in range(0, oh, rows)]

    def run(share):
        for start, stop, r0, r1 in share:
            checkpoint()
            # Rows of the window first, then its columns: see _pool_rows_then_columns.
            _pool_rows_then_columns(images[start:stop, r0 * sh:(r1 - 1) * sh + kh],
                                    out[start:stop, r0:r1], (kh, kw), (sh, sw), mode)
    if m == 1 and len(pieces) > 1 and out.size >= _PARALLEL_OUTPUTS:
        half = len(pieces) // 2
        run_jobs(run, [pieces[:half], pieces[half:]])
    else:
        run(pieces)
    return out


def _pool_rows_then_columns(block, acc, window, stride, mode):
    """Pool one block in two stages: the window's rows first, then its columns.

    Stage 1 combines whole image rows (long contiguous runs, where NumPy is fastest); stage 2
    combines the ``kw`` columns of that smaller result. That is ``kh + kw - 2`` operations instead
    of ``kh * kw - 1`` on short strided runs. The maximum is taken in the images' own dtype
    (rounding to the output dtype afterwards is monotonic), so it is exact. Averages sum in an
    accumulator that loses nothing the tap-by-tap sum keeps: uint16 for uint8 windows of at most
    257 taps (exact integers), float64 otherwise (exact for integers below 2**53; for float
    images within a few float64 roundings of any summation order), divided once into the
    output dtype.
    """
    (kh, kw), (sh, sw) = window, stride
    oh, ow = acc.shape[1:3]
    rows = [block[:, i:i + sh * (oh - 1) + 1:sh] for i in range(kh)]
    if mode == "max":
        combine, work = np.maximum, block.dtype
    elif block.dtype == np.uint8 and kh * kw <= 257:
        combine, work = np.add, np.uint16
    else:
        combine, work = np.add, np.float64
    part = rows[0].astype(work)
    for row in rows[1:]:
        combine(part, row, out=part)
    cols = [part[:, :, j:j + sw * (ow - 1) + 1:sw] for j in range(kw)]
    if mode == "max":
        acc[...] = cols[0]
        for col in cols[1:]:
            combine(acc, col, out=acc)
        return
    total = cols[0].copy(order="K")  # in the layout of the images (see empty_map_major)
    for col in cols[1:]:
        total += col
    np.divide(total, kh * kw, out=acc, dtype=acc.dtype)
