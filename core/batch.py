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

The sizes, chunks and memory checks are :mod:`core.batch_sizes`; the seed's ``.npz`` layout
(``X_train`` → ``X_train`` + ``Y_train``) is :mod:`core.batch_npz`. Both are part of this
module's API too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import compute_dtype
from .atomic import atomic_path, preallocate
from .batch_npz import label_key_for, npz_layout, npz_layout_many, save_npz
from .batch_sizes import (CHUNK_BYTES, MEMORY_FRACTION, allocate_output, available_memory,
                          batch_output_shape, batch_range, check_images, chunk_size,
                          fits_in_memory, output_nbytes)
from .pipeline import run_pipeline_into

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
    "open_npy_for_writing",
    "label_key_for",
    "npz_layout",
    "npz_layout_many",
    "spec_fingerprint",
    "process_dataset",
    "result_origin",
    "save_npz",
    "Throttle",
]

# --------------------------------------------------------------------------------------------
# the chunked runner


def _check_chunk(chunk):
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive int, got {chunk!r}")


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
    images = check_images(images)
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
        conv = conv_buffer[:last - first] if spec.pooled else None
        try:
            run_pipeline_into(images[first:last], spec, target, conv_buffer=conv)
        except ValueError as exc:
            raise ValueError(f"images {first}..{last - 1}: {exc}") from None
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
    images = check_images(images)
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
    images = check_images(images)
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
        out = open_npy_for_writing(tmp, shape, dtype, name=os.path.basename(path))
        yield from iter_batch(images, spec, out=out, start=start, stop=stop, chunk=chunk)
        out.flush()
        del out


def open_npy_for_writing(path, shape, dtype, *, name=None):
    """A writable memory-mapped ``.npy`` at ``path`` whose disk space is reserved up front.

    A memory map over a sparse file crashes the process (SIGBUS) when the disk fills up while
    pages are written; here the space is reserved first (:func:`core.atomic.preallocate`), so a
    full disk raises ``OSError`` (``ENOSPC``) before any work starts.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> out = open_npy_for_writing(os.path.join(tempfile.mkdtemp(), "x.npy"), (2, 3), np.float32)
    >>> out.shape, out.dtype.name
    ((2, 3), 'float32')
    """
    dtype = np.dtype(dtype)
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
              "shape": tuple(int(n) for n in shape)}
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        offset = fh.tell()
        fh.flush()
        preallocate(fh.fileno(), offset + int(np.prod(shape)) * dtype.itemsize,
                    name or os.path.basename(path))
    return np.memmap(path, dtype=dtype, mode="r+", offset=offset, shape=tuple(shape))


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
    origin: tuple | None = field(default=None, repr=False)
    others: list = field(default_factory=list, repr=False)

    def __len__(self):
        return int(self.outputs.shape[0])

    def matches(self, dataset, spec):
        """True when this result was computed from ``dataset`` with ``spec``.

        A result whose :attr:`origin` was not recorded never matches: it cannot be proven
        current, so it is not offered for saving under a new dataset's name.
        """
        return self.origin is not None and self.origin == result_origin(dataset, spec)

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
        """The result in the source file's layout, with every other array processed with it
        (:attr:`others`, e.g. ``X_valid`` and ``X_test``), see :func:`npz_layout_many`."""
        parts = [(r.key, r.outputs, r.labels) for r in [self] + list(self.others)]
        return npz_layout_many(parts, class_names=self.class_names)


def process_dataset(dataset, spec, *, start=0, stop=None, dtype=np.float32, path=None,
                    other_keys=()):
    """Process a dataset (and other image arrays of its file) as a generator; return the result.

    Yields ``(done, total)`` over all the images processed and returns a :class:`BatchResult`
    tied to ``dataset`` and ``spec`` (:meth:`BatchResult.matches`). ``path`` writes the main
    array straight to a memory-mapped ``.npy`` (see :func:`iter_batch_to_npy`). Each key of
    ``other_keys`` (e.g. ``X_valid``, ``X_test``) is read from the dataset's file
    (:meth:`~core.datasets.Dataset.load_alternative`), processed whole in memory, and carried
    in :attr:`BatchResult.others`, so the saved ``.npz`` has the source's layout.

    Examples
    --------
    >>> import numpy as np
    >>> from core.datasets import Dataset
    >>> from core.pipeline import PipelineSpec
    >>> d, spec = Dataset(np.ones((4, 6, 6))), PipelineSpec(np.ones((3, 3, 1, 1)))
    >>> steps = process_dataset(d, spec)
    >>> list(steps)[-1]
    (4, 4)
    """
    began = time.perf_counter()
    first, last = batch_range(len(dataset), start, stop)
    others = [dataset.load_alternative(key) for key in other_keys]
    total = (last - first) + sum(len(other) for other in others)
    nbytes = sum(output_nbytes(other.images.shape, spec, dtype=dtype) for other in others)
    if path is None:
        nbytes += output_nbytes(dataset.images.shape, spec, start=first, stop=last, dtype=dtype)
    if others and not fits_in_memory(nbytes):
        raise ValueError(f"processing {', '.join(o.key for o in others)} too needs "
                         f"{nbytes / 2**20:,.0f} MB, more than the memory available; process "
                         "the main array alone")
    if path is None:
        outputs = allocate_output(dataset.images.shape, spec, start=first, stop=last,
                                  dtype=dtype)
        steps = iter_batch(dataset.images, spec, out=outputs, start=first, stop=last)
    else:
        steps = iter_batch_to_npy(path, dataset.images, spec, start=first, stop=last,
                                  dtype=dtype)
    for count, _ in steps:
        yield count, total
    if path is not None:
        outputs = np.load(path, mmap_mode="r")
    done = last - first
    results = []
    for other in others:
        out = allocate_output(other.images.shape, spec, dtype=dtype)
        for count, _ in iter_batch(other.images, spec, out=out):
            yield done + count, total
        done += len(other)
        results.append(_result_of(other, spec, out, 0, len(other)))
    result = _result_of(dataset, spec, outputs, first, last, path=path)
    result.others = results
    result.seconds = time.perf_counter() - began
    return result


def _result_of(dataset, spec, outputs, first, last, path=None):
    labels = None if dataset.labels is None else np.asarray(dataset.labels[first:last])
    return BatchResult(outputs, labels=labels, class_names=dataset.class_names, start=first,
                       key=dataset.key, name=dataset.name,
                       path=None if path is None else str(path), spec=spec,
                       origin=result_origin(dataset, spec))


def spec_fingerprint(spec):
    """A value equal for two specs exactly when every setting and weight is equal.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> a = PipelineSpec(np.ones((3, 3, 1, 1)))
    >>> spec_fingerprint(a) == spec_fingerprint(PipelineSpec(np.ones((3, 3, 1, 1))))
    True
    >>> spec_fingerprint(a) == spec_fingerprint(PipelineSpec(np.ones((3, 3, 1, 1)), stride=2))
    False
    """
    import dataclasses
    import hashlib

    values = []
    for item in dataclasses.fields(spec):
        value = getattr(spec, item.name)
        if isinstance(value, np.ndarray) or isinstance(value, np.generic):
            array = np.ascontiguousarray(value)
            value = (array.shape, array.dtype.str, hashlib.sha1(array.tobytes()).hexdigest())
        values.append((item.name, repr(value)))
    return tuple(values)


def result_origin(dataset, spec):
    """What a batch result depends on: the dataset (this very array) and every setting.

    Examples
    --------
    >>> import numpy as np
    >>> from core.datasets import Dataset
    >>> from core.pipeline import PipelineSpec
    >>> d, spec = Dataset(np.zeros((2, 5, 5))), PipelineSpec(np.ones((3, 3, 1, 1)))
    >>> result_origin(d, spec) == result_origin(d, spec)
    True
    >>> result_origin(Dataset(np.zeros((2, 5, 5))), spec) == result_origin(d, spec)
    False
    """
    images = dataset.images
    identity = (getattr(dataset, "source", None), getattr(dataset, "key", None),
                getattr(dataset, "name", ""), tuple(images.shape), images.dtype.str, id(images))
    return identity, spec_fingerprint(spec)


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
