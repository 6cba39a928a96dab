"""Reading the original MNIST IDX files (``train-images-idx3-ubyte``, raw or ``.gz``).

The labels come from the sibling ``…labels-idx1-ubyte`` file when it is there. A header that
promises more data than the file holds, or more memory than there is, is refused before the
data is read. :func:`load_idx` returns the fields of a :class:`core.datasets.Dataset`.
"""

import gzip
import zlib

import numpy as np

from .dataset_checks import (FORMATS_READ, MAX_COMPRESSION_RATIO, check_allocation,
                             finish_images, labels_from)

__all__ = ["load_idx", "looks_like_idx", "IDX_DTYPES"]

#: IDX type codes and the NumPy dtypes they stand for.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def looks_like_idx(head):
    """True when the first bytes ``head`` are an IDX header."""
    return (len(head) >= 4 and head[0] == 0 and head[1] == 0 and head[2] in IDX_DTYPES
            and 1 <= head[3] <= 4)


def _open_stream(path, gzipped):
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _read_at_most(fh, count, chunk=1 << 24):
    """Read up to ``count`` bytes (already checked against memory) into one buffer, in chunks."""
    buffer = bytearray(count)
    view = memoryview(buffer)
    done = 0
    while done < count:
        got = fh.readinto(view[done:done + chunk])
        if not got:
            break
        done += got
    view.release()
    del buffer[done:]
    return buffer


def _read_idx(path, gzipped):
    """Read an IDX file (the format of the original MNIST download) into an ndarray."""
    try:
        with _open_stream(path, gzipped) as fh:
            head = fh.read(4)
            if not looks_like_idx(head):
                raise ValueError(f"{path.name} is a gzip file but does not hold MNIST IDX data; "
                                 f"expected {FORMATS_READ}")
            shape = tuple(int(n) for n in np.frombuffer(fh.read(4 * head[3]), ">u4"))
            if len(shape) != head[3]:
                raise ValueError(f"{path.name} is truncated: its header is incomplete")
            dtype = np.dtype(IDX_DTYPES[head[2]])
            expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
            stored = path.stat().st_size
            if not gzipped and expected > stored - fh.tell():
                raise ValueError(f"{path.name} is truncated: its header promises shape {shape} "
                                 f"({expected} bytes of data) but it holds "
                                 f"{stored - fh.tell()} bytes")
            check_allocation(expected, path.name, file_size=stored if gzipped else None,
                             ratio=MAX_COMPRESSION_RATIO)
            buffer = _read_at_most(fh, expected)
            extra = fh.read(1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"{path.name} is a damaged or truncated gzip file ({exc})") from None
    if len(buffer) != expected:
        raise ValueError(f"{path.name} is truncated: its header promises shape {shape} "
                         f"({expected} bytes of data) but it holds {len(buffer)} bytes")
    if extra:
        raise ValueError(f"{path.name} has more data than its header {shape} describes; it is "
                         "not a valid IDX file")
    array = np.frombuffer(buffer, dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _idx_label_paths(path):
    name = path.name
    swaps = [("images", "labels"), ("idx3", "idx1")]
    label_name = name
    for old, new in swaps:
        label_name = label_name.replace(old, new)
    if label_name == name:
        return []
    base = label_name[:-3] if label_name.endswith(".gz") else label_name
    return [path.with_name(base), path.with_name(base + ".gz")]


def load_idx(path, gzipped):
    array = _read_idx(path, gzipped)
    if array.ndim == 1:
        raise ValueError(f"{path.name} holds {array.shape[0]} labels, not images; open the "
                         "images file (the one with 'images' and 'idx3' in its name)")
    images = finish_images(array, path.name)
    labels = None
    for label_path in _idx_label_paths(path):
        if label_path.is_file():
            try:
                values = _read_idx(label_path, label_path.suffix == ".gz")
            except ValueError:
                continue
            labels = labels_from(values, len(images))
            if labels is not None:
                break
    return dict(images=images, labels=labels, name=path.name, source=str(path))
