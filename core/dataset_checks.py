"""The rules every dataset reader applies: what is image-shaped, and what a file may ask for.

Shared by the readers of :mod:`core.datasets` (``.npz``/``.npy``, MNIST IDX, CIFAR batches) and
the image loader of the window: numeric pixels only, a stack axis for single images, labels
that fit, and no file that is not a regular file or that declares more memory than there is.
"""

import os
import stat
from pathlib import Path

import numpy as np

__all__ = ["is_image_shaped", "stack_shape", "describe_keys", "check_dtype", "finish_images",
           "labels_from", "check_file", "check_regular", "check_allocation", "size_text",
           "MAX_COMPRESSION_RATIO", "FORMATS_READ"]

#: An npz member (or a gzipped IDX file) may expand to at most this many times its compressed
#: size (deflate's own limit is about 1032; real image data compresses 2 to 20 times).
MAX_COMPRESSION_RATIO = 200

#: The dataset formats the readers understand, for messages.
FORMATS_READ = ".npz, .npy, MNIST IDX (raw or .gz) or a CIFAR-10 python batch"


def is_image_shaped(shape):
    """True for the shapes :func:`core.datasets.load_dataset` accepts as images.

    A stack ``(m, h, w)`` or ``(m, h, w, c)`` with ``c`` in 1..4, or one image ``(h, w)`` or
    ``(h, w, c)``; ``h`` and ``w`` are at least 2.

    Examples
    --------
    >>> is_image_shaped((100, 28, 28)), is_image_shaped((32, 32, 3)), is_image_shaped((10,))
    (True, True, False)
    """
    return stack_shape(tuple(shape)) is not None


def stack_shape(shape):
    """The ``(m, h, w[, c])`` shape an image-shaped array is read as, or None."""
    if len(shape) == 2:
        stack = (1,) + shape
    elif len(shape) == 3 and 1 <= shape[2] <= 4 and shape[1] > 4 and shape[0] >= 2:
        stack = (1,) + shape
    elif len(shape) in (3, 4):
        stack = shape
    else:
        return None
    if stack[0] < 1 or stack[1] < 2 or stack[2] < 2:
        return None
    if len(stack) == 4 and not 1 <= stack[3] <= 4:
        return None
    return stack


def describe_keys(headers):
    return ", ".join(f"{k} {tuple(s)} {d}" for k, (s, d) in headers.items()) or "no arrays"


def check_dtype(dtype, where):
    if dtype.hasobject:
        raise ValueError(f"{where} holds Python objects (dtype object), which cannot be opened "
                         "safely; save the images as a numeric array instead")
    if dtype.kind not in "buif":
        raise ValueError(f"{where} must hold numbers, got dtype {dtype}")


def finish_images(array, where):
    """Validate pixel values and give single images their stack axis."""
    check_dtype(array.dtype, where)
    if array.size == 0:
        raise ValueError(f"{where} is empty (shape {array.shape}), there are no pixels to show")
    stack = stack_shape(array.shape)
    if stack is None:
        raise ValueError(f"{where} is not image-shaped: expected (m, h, w), (m, h, w, c) or one "
                         f"(h, w[, c]) image, got shape {array.shape}")
    if array.dtype == np.bool_:
        array = array.view(np.uint8)
    if array.dtype.kind == "f":
        probe = array[:1] if isinstance(array, np.memmap) else array
        if np.isnan(probe).all():
            raise ValueError(f"{where} holds only NaN (not-a-number) values, no pixels to show")
    return array.reshape(stack)


def labels_from(values, count):
    """Return ``values`` as (m,) integer labels, or None when they do not fit the images."""
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or values.shape[0] != count or values.dtype.kind not in "buif":
        return None
    if values.dtype.kind == "f":
        if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
            return None
        values = values.astype(np.int64)
    return values


def check_file(path):
    """Check that ``path`` names a readable, non-empty file; return its first 16 bytes.

    Raises ``FileNotFoundError``, ``IsADirectoryError`` or ``PermissionError`` (all ``OSError``)
    or ``ValueError`` (empty file) with a message that names the file.

    Examples
    --------
    >>> check_file("no/such/file.npz")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/file.npz: no such file
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a file; choose a dataset file "
                                "(folders of image files are opened as images)")
    check_regular(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except PermissionError:
        raise PermissionError(f"{path}: permission denied, you are not allowed to read this "
                              "file") from None
    if not head:
        raise ValueError(f"{path.name} is empty (0 bytes); the file may not have finished "
                         "downloading or saving")
    return head


def check_regular(path):
    """Refuse a path that is not a regular file or folder (a FIFO, device or socket).

    Reading a FIFO or a device can block forever or never end, so such paths are refused
    before they are opened, with an ``OSError`` naming the path.

    Examples
    --------
    >>> check_regular("/dev/zero")
    Traceback (most recent call last):
    ...
    OSError: /dev/zero is a device, not a regular file; the app only reads regular files
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device")
    raise OSError(f"{path} is {what}, not a regular file; the app only reads regular files")


def check_allocation(nbytes, where, *, file_size=None, ratio=None):
    """Refuse to allocate ``nbytes`` for ``where`` when it cannot be right or cannot fit.

    ``nbytes`` is what a file's header declares. It is refused (``ValueError`` naming
    ``where``) when it is more than half of the memory available now, or, with ``file_size``
    and ``ratio``, when it is more than ``ratio`` times the bytes stored in the file and over
    64 MB (a "zip bomb": a tiny compressed file that expands to gigabytes).

    Examples
    --------
    >>> check_allocation(500 << 20, "bomb.npz: X", file_size=1 << 20, ratio=200)
    Traceback (most recent call last):
    ...
    ValueError: bomb.npz: X declares 500.0 MB of data stored in 1.0 MB; a compression that strong means the file is damaged or built to exhaust memory, so it was not opened
    """
    from .batch_sizes import MEMORY_FRACTION, available_memory

    nbytes = int(nbytes)
    if file_size is not None and ratio is not None and nbytes > max(64 << 20,
                                                                      ratio * file_size):
        raise ValueError(f"{where} declares {size_text(nbytes)} of data stored in "
                         f"{size_text(file_size)}; a compression that strong means the file "
                         "is damaged or built to exhaust memory, so it was not opened")
    available = available_memory()
    if nbytes > 2**62 or (available is not None and nbytes > MEMORY_FRACTION * available):
        avail = "unknown" if available is None else size_text(available)
        raise ValueError(f"{where} declares {size_text(nbytes)} of data, more than the memory "
                         f"available ({avail} free, at most half of it is used); it was not "
                         "opened")


def size_text(nbytes):
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} bytes"
