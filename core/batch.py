"""Run one pipeline over a whole dataset, chunk by chunk, and save the result.

The window's "Process dataset" dialog, ``python main.py apply`` and the benchmark all go through
:func:`iter_batch`: a generator that computes a chunk of images (convolution → activation →
pooling, exactly as :func:`core.pipeline.run_pipeline`), writes it into a preallocated output and
yields ``(done, total)``. The caller owns the loop, so

* progress is whatever the caller does with each ``(done, total)``;
* cancelling is simply stopping the iteration (and calling ``close()`` on the generator);
* the output can be an ordinary array or a memory-mapped ``.npy`` file
  (:func:`iter_batch_to_npy`), so peak memory stays near the output size plus one chunk.

Every file written here is atomic: it is written under a temporary name beside the target and
renamed only when complete; a cancelled or failed run leaves nothing behind.

Seed layout
-----------
:func:`npz_layout` names processed arrays like the file they came from: processing ``X_train``
of ``MNIST.npz`` gives an archive with ``X_train`` (the feature maps, ``(m, oh, ow, nc)``) and
``Y_train`` (the labels, unchanged); processing the ``data`` array of ``animals_1.npz`` gives
``data``. Code written for the original file therefore reads the processed one unchanged.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import compute_dtype
from .atomic import atomic_path
from .engine import pool2d
from .pipeline import convolve

__all__ = [
    "CHUNK_BYTES",
    "MEMORY_FRACTION",
    "BatchResult",
    "batch_range",
    "batch_output_shape",
    "output_nbytes",
    "chunk_size",
    "available_memory",
    "fits_in_memory",
    "allocate_output",
    "iter_batch",
    "run_batch",
    "iter_batch_to_npy",
    "label_key_for",
    "npz_layout",
    "save_npz",
    "Throttle",
]

#: Bytes of convolution output computed per chunk (a few MB keeps the work cache-friendly
#: while making per-chunk Python overhead negligible).
CHUNK_BYTES = 4 << 20

#: An in-memory output may use at most this fraction of the memory currently available.
MEMORY_FRACTION = 0.5


# --------------------------------------------------------------------------------------------
# sizes


def _check_images(images):
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


# --------------------------------------------------------------------------------------------
# the chunked runner


def _check_chunk(chunk):
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive int, got {chunk!r}")


def _activate_in_place(values, activation):
    if activation == "relu":
        np.maximum(values, 0, out=values)
    elif activation == "abs":
        np.abs(values, out=values)


def iter_batch(images, spec, *, out, start=0, stop=None, chunk=None):
    """Process ``images[start:stop]`` chunk by chunk into ``out``, yielding progress.

    The arguments are checked at once (not at the first ``next``); the work happens while the
    generator is iterated. Each chunk runs convolution → activation → pooling exactly as
    :func:`core.pipeline.run_pipeline` does, in ``out.dtype``.

    Parameters
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Any real dtype; may be a read-only memory map.
    spec : PipelineSpec
        What to compute.
    out : ndarray, shape (stop - start, oh, ow, nc), float32 or float64
        Where the results go: an ordinary array (:func:`allocate_output`) or a memory map
        (``np.lib.format.open_memmap``). ``out[i]`` is the result for ``images[start + i]``.
    start, stop : int
        The range of images to process (``stop=None``: to the end).
    chunk : int, optional
        Images per chunk; :func:`chunk_size` by default.

    Yields
    ------
    (done, total) : (int, int)
        After each chunk: how many images are finished, out of ``stop - start``.

    Raises
    ------
    ValueError, TypeError
        A bad range, chunk, ``out`` or spec (raised by the call), or an image that holds NaN
        (raised while iterating, naming the image's index in ``images``).

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 1)), pool_mode="max")
    >>> images = np.ones((10, 8, 8))
    >>> out = allocate_output(images.shape, spec)
    >>> list(iter_batch(images, spec, out=out, chunk=4))
    [(4, 10), (8, 10), (10, 10)]
    >>> float(out[0, 0, 0, 0])
    9.0
    """
    images = _check_images(images)
    shape = batch_output_shape(images.shape, spec, start=start, stop=stop)
    start, stop = batch_range(images.shape[0], start, stop)
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype not in (np.float32,
                                                                                    np.float64):
        got = (f"shape {out.shape} {out.dtype}" if isinstance(out, np.ndarray)
               else type(out).__name__)
        raise ValueError(f"out must be a float32 or float64 array of shape {shape}, got {got}")
    if chunk is None:
        chunk = chunk_size(images.shape, spec, dtype=out.dtype)
    _check_chunk(chunk)
    return _run_chunks(images, spec, out, start, stop, int(min(chunk, stop - start)))


def _run_chunks(images, spec, out, start, stop, chunk):
    total = stop - start
    dtype = out.dtype
    conv_hw, _ = spec.shapes(images.shape[1:3])
    nc = spec.kernels.shape[3]
    conv_buffer = np.empty((chunk,) + tuple(conv_hw) + (nc,), dtype) if spec.pooled else None
    for first in range(start, stop, chunk):
        last = min(stop, first + chunk)
        target = out[first - start:last - start]
        conv = conv_buffer[:last - first] if spec.pooled else target
        try:
            convolve(images[first:last], spec, dtype=dtype, out=conv)
        except ValueError as exc:
            raise ValueError(f"images {first}..{last - 1}: {exc}") from None
        _activate_in_place(conv, spec.activation)
        if spec.pooled:
            target[...] = pool2d(conv, spec.pool_shape, stride=spec.pool_stride,
                                 mode=spec.pool_mode, dtype=dtype)
        yield last - start, total


def run_batch(images, spec, *, start=0, stop=None, chunk=None, dtype=np.float32, out=None,
              progress=None):
    """Process ``images[start:stop]`` and return the ``(n, oh, ow, nc)`` result.

    ``progress(done, total)`` is called after each chunk when given. See :func:`iter_batch`.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> run_batch(np.ones((5, 6, 6)), PipelineSpec(np.ones((2, 2, 1, 3)))).shape
    (5, 5, 5, 3)
    """
    images = _check_images(images)
    if out is None:
        out = allocate_output(images.shape, spec, start=start, stop=stop, dtype=dtype)
    for done, total in iter_batch(images, spec, out=out, start=start, stop=stop, chunk=chunk):
        if progress is not None:
            progress(done, total)
    return out


def iter_batch_to_npy(path, images, spec, *, start=0, stop=None, chunk=None, dtype=np.float32):
    """Like :func:`iter_batch`, writing straight into a memory-mapped ``.npy`` file at ``path``.

    The file is written under a temporary name beside ``path`` and renamed when the last chunk
    is done; if the iteration stops early (``close()``, an exception, Ctrl+C) the temporary file
    is deleted and ``path`` is left as it was. Arguments are checked at once.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from core.pipeline import PipelineSpec
    >>> target = os.path.join(tempfile.mkdtemp(), "maps.npy")
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 1)))
    >>> steps = list(iter_batch_to_npy(target, np.ones((6, 5, 5)), spec))
    >>> steps[-1], np.load(target).shape
    ((6, 6), (6, 3, 3, 1))
    """
    images = _check_images(images)
    shape = batch_output_shape(images.shape, spec, start=start, stop=stop)
    dtype = compute_dtype(dtype)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OSError(f"folder does not exist: {folder}")
    if chunk is not None:
        _check_chunk(chunk)
    return _npy_chunks(path, images, spec, shape, dtype, start, stop, chunk)


def _npy_chunks(path, images, spec, shape, dtype, start, stop, chunk):
    with atomic_path(path, suffix=".npy") as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=shape)
        yield from iter_batch(images, spec, out=out, start=start, stop=stop, chunk=chunk)
        out.flush()
        del out


# --------------------------------------------------------------------------------------------
# results and the seed's npz layout


def label_key_for(key):
    """The label array's name that goes with image array ``key`` in the seed's files.

    ``X_train`` → ``Y_train``, ``x_test`` → ``y_test``, anything else → ``labels``.

    Examples
    --------
    >>> label_key_for("X_valid"), label_key_for("data")
    ('Y_valid', 'labels')
    """
    if key and key[0] in "Xx" and len(key) > 1:
        return ("Y" if key[0] == "X" else "y") + key[1:]
    return "labels"


def npz_layout(outputs, *, key=None, labels=None, class_names=None):
    """The arrays of an ``.npz`` in the source file's layout, as a dict.

    Parameters
    ----------
    outputs : ndarray, shape (n, oh, ow, nc)
        The processed images, stored under ``key`` (``"data"`` when the source had no keys,
        e.g. a ``.npy`` or IDX file).
    labels : ndarray, shape (n,), optional
        Stored under :func:`label_key_for` ``(key)``.
    class_names : list of str, optional
        Stored as ``class_names`` (a string array).

    Examples
    --------
    >>> import numpy as np
    >>> sorted(npz_layout(np.zeros((2, 3, 3, 1)), key="X_train", labels=np.array([4, 2])))
    ['X_train', 'Y_train']
    """
    key = key or "data"
    arrays = {key: outputs}
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(outputs),):
            raise ValueError(f"labels must have shape ({len(outputs)},), got {labels.shape}")
        label_key = label_key_for(key)
        if label_key == key:
            raise ValueError(f"key {key!r} collides with its label array's name")
        arrays[label_key] = labels
    if class_names:
        arrays["class_names"] = np.array([str(n) for n in class_names])
    return arrays


def save_npz(path, arrays, *, compress=False):
    """Write ``arrays`` (a dict name → array) to an ``.npz`` file, atomically.

    Memory-mapped arrays are streamed from disk, not copied into memory first.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "out.npz")
    >>> save_npz(target, {"data": np.zeros((2, 3, 3, 1))})
    >>> np.load(target)["data"].shape
    (2, 3, 3, 1)
    """
    if not arrays:
        raise ValueError("arrays must name at least one array")
    with atomic_path(path, suffix=".npz") as tmp:
        (np.savez_compressed if compress else np.savez)(tmp, **arrays)


@dataclass
class BatchResult:
    """A processed range of a dataset, with what is needed to save or browse it.

    Attributes
    ----------
    outputs : ndarray, shape (n, oh, ow, nc)
        ``outputs[i]`` is the result for image ``start + i`` of the source; may be a read-only
        memory map of :attr:`path`.
    labels : ndarray, shape (n,), or None
        The source's labels for the range.
    class_names : list of str or None
    start : int
        Index in the source of ``outputs[0]``.
    key : str or None
        The source array's name in its archive (``"X_train"``), for :meth:`npz_arrays`.
    name : str
        The source's display name.
    path : str or None
        The ``.npy`` file holding ``outputs`` when it was written straight to disk.
    spec : PipelineSpec or None
    seconds : float
        Time the computation took.
    """

    outputs: np.ndarray
    labels: np.ndarray | None = None
    class_names: list | None = None
    start: int = 0
    key: str | None = None
    name: str = ""
    path: str | None = None
    spec: object = field(default=None, repr=False)
    seconds: float = 0.0

    def __len__(self):
        return int(self.outputs.shape[0])

    @property
    def feature_count(self):
        """Feature maps per image (``nc``)."""
        return int(self.outputs.shape[3])

    def label_text(self, i):
        """Label of ``outputs[i]`` as text, or ``""`` when unlabelled."""
        if self.labels is None:
            return ""
        label = int(self.labels[i])
        if self.class_names and 0 <= label < len(self.class_names):
            return f"{label} ({self.class_names[label]})"
        return str(label)

    def npz_arrays(self):
        """The result in the source file's layout (see :func:`npz_layout`)."""
        return npz_layout(self.outputs, key=self.key, labels=self.labels,
                          class_names=self.class_names)


class Throttle:
    """Let an event through at most every ``interval`` seconds (the first always passes).

    Examples
    --------
    >>> throttle = Throttle(10.0)
    >>> throttle.ready(), throttle.ready(), throttle.ready(force=True)
    (True, False, True)
    """

    def __init__(self, interval, clock=time.perf_counter):
        self.interval = float(interval)
        self.clock = clock
        self._last = None

    def ready(self, force=False):
        """True when enough time passed since the last event that got through (or ``force``)."""
        now = self.clock()
        if force or self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False
