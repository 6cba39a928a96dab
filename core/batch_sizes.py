"""How big a batch's output is, in how many chunks it is computed, and whether it fits in memory.

Everything :mod:`core.batch` (and the window's and the command line's batch tools) decide
before computing anything: the range of images, the output's shape and bytes, the images per
chunk, and the memory available now.
"""

from __future__ import annotations

import os

import numpy as np

from ._checks import compute_dtype

__all__ = ["CHUNK_BYTES", "MEMORY_FRACTION", "batch_range", "batch_output_shape",
           "output_nbytes", "chunk_size", "available_memory", "fits_in_memory",
           "allocate_output", "check_images"]

#: Bytes of convolution output computed per chunk (a few MB keeps the work cache-friendly
#: while making per-chunk Python overhead negligible).
CHUNK_BYTES = 4 << 20

#: An in-memory output may use at most this fraction of the memory currently available.
MEMORY_FRACTION = 0.5


def check_images(images):
    """Refuse ``images`` that are not a stack ``(m, h, w)`` or ``(m, h, w, c)``."""
    if not hasattr(images, "shape") or not hasattr(images, "dtype"):
        images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must be (m, h, w) or (m, h, w, c), got shape {images.shape}")
    return images


def batch_range(count, start=0, stop=None):
    """Check a ``[start, stop)`` range of image indices and return it as two ints.

    ``stop=None`` means "to the end". Negative indices are not accepted (they are almost always
    a typo in a range typed by hand).

    Examples
    --------
    >>> batch_range(100), batch_range(100, 10, 20)
    ((0, 100), (10, 20))
    """
    stop = count if stop is None else stop
    for name, value in (("start", start), ("stop", stop)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {value!r}")
    start, stop = int(start), int(stop)
    if not 0 <= start < count:
        raise ValueError(f"start must be in 0..{count - 1} (the dataset has {count} images), "
                         f"got {start}")
    if not start < stop <= count:
        raise ValueError(f"stop must be in {start + 1}..{count} (after start={start}, at most "
                         f"the {count} images), got {stop}")
    return start, stop


def batch_output_shape(images_shape, spec, *, start=0, stop=None):
    """Shape ``(n, oh, ow, nc)`` of the processed images ``start:stop``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 1)), pool_mode="max")
    >>> batch_output_shape((50000, 28, 28), spec)
    (50000, 13, 13, 1)
    """
    images_shape = tuple(images_shape)
    if len(images_shape) not in (3, 4):
        raise ValueError(f"images must be (m, h, w) or (m, h, w, c), got shape {images_shape}")
    start, stop = batch_range(images_shape[0], start, stop)
    channels = 1 if len(images_shape) == 3 else images_shape[3]
    if spec.kernels.shape[2] != channels:
        raise ValueError(f"kernels have {spec.kernels.shape[2]} channel(s) but the images have "
                         f"{channels}")
    conv_hw, pooled_hw = spec.shapes(images_shape[1:3])
    out_hw = conv_hw if pooled_hw is None else pooled_hw
    return (stop - start,) + tuple(out_hw) + (spec.kernels.shape[3],)


def output_nbytes(images_shape, spec, *, start=0, stop=None, dtype=np.float32):
    """Bytes of the processed output (see :func:`batch_output_shape`).

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> output_nbytes((50000, 28, 28), PipelineSpec(np.ones((3, 3, 1, 1))))
    135200000
    """
    shape = batch_output_shape(images_shape, spec, start=start, stop=stop)
    return int(np.prod(shape)) * compute_dtype(dtype).itemsize


def chunk_size(images_shape, spec, *, dtype=np.float32, chunk_bytes=CHUNK_BYTES):
    """Images per chunk so that one chunk's convolution output is about ``chunk_bytes``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> chunk_size((50000, 28, 28), PipelineSpec(np.ones((3, 3, 1, 1))))
    1551
    """
    conv_hw, _ = spec.shapes(tuple(images_shape)[1:3])
    per_image = conv_hw[0] * conv_hw[1] * spec.kernels.shape[3] * compute_dtype(dtype).itemsize
    return int(max(1, min(images_shape[0], chunk_bytes // max(per_image, 1))))


def available_memory():
    """Bytes of memory available to a new allocation now, or ``None`` when unknown.

    Reads ``MemAvailable`` from ``/proc/meminfo`` on Linux, else asks ``os.sysconf``.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def fits_in_memory(nbytes, *, available=None, fraction=MEMORY_FRACTION):
    """True when an output of ``nbytes`` may be held in memory.

    It fits when it takes at most ``fraction`` of the available memory (``available``, or
    :func:`available_memory` when omitted). When the available memory cannot be determined,
    everything is assumed to fit.

    Examples
    --------
    >>> fits_in_memory(10 << 20, available=1 << 30), fits_in_memory(900 << 20, available=1 << 30)
    (True, False)
    """
    available = available_memory() if available is None else available
    if available is None:
        return True
    return int(nbytes) <= fraction * available


def allocate_output(images_shape, spec, *, start=0, stop=None, dtype=np.float32):
    """An uninitialised in-memory output for :func:`iter_batch`."""
    shape = batch_output_shape(images_shape, spec, start=start, stop=stop)
    return np.empty(shape, dtype=compute_dtype(dtype))
