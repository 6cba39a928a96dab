"""Open the image collections students already have, as one :class:`Dataset` type.

:func:`load_dataset` reads

* NumPy ``.npz`` archives, including the assignment's ``MNIST.npz`` (``X_train``/``Y_train``,
  ``X_valid``/``Y_valid``, ``X_test``/``Y_test``) and ``animals_1.npz`` (``data``), and any other
  archive holding an image-shaped array;
* NumPy ``.npy`` files (large ones are memory-mapped, not read into memory);
* the original MNIST IDX files (``train-images-idx3-ubyte``, raw or ``.gz``), with the labels
  from the sibling ``...labels-idx1-ubyte`` file when it is there;
* CIFAR-10 (and CIFAR-100) "python version" batches (``data_batch_1`` ... ``test_batch``), with
  the class names from the sibling ``batches.meta``. Batches are pickles, so they are read with
  an unpickler that only accepts the few NumPy types a batch contains: a hostile file is refused
  before any of its code can run.

Image files and folders (PNG, JPEG, ...) are decoded by Qt, in ``convgui.image_io``, which
returns the same :class:`Dataset`.

Dtypes are kept as stored: uint8 stays uint8 (IDX and CIFAR files are uint8), float stays
float (the assignment's MNIST is float in [0, 1]); booleans become uint8. Arrays may be read-only
(a memory-mapped ``.npy``); copy before changing pixels in place.

Every problem with a file raises ``ValueError`` (the content is wrong) or ``OSError`` (the
file cannot be opened), with a message that names the file and says what was expected.
"""

from __future__ import annotations

import _codecs
import gzip
import io
import os
import pickle
import stat
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

__all__ = [
    "Dataset",
    "load_dataset",
    "is_image_shaped",
    "check_file",
    "check_regular",
    "check_allocation",
    "to_grayscale",
    "Sample",
    "SAMPLES",
    "SAMPLES_DIR",
    "DEFAULT_SAMPLE",
    "load_sample",
    "load_samples",
    "MMAP_BYTES",
]

#: ``.npy`` files larger than this many bytes are memory-mapped instead of read into memory.
MMAP_BYTES = 64 * 2**20

#: Keys tried first, in this order, when an archive holds several image arrays.
PREFERRED_KEYS = ("X_train", "data", "images", "x_train", "X", "x", "train_images", "imgs")

_CLASS_NAME_KEYS = ("class_names", "label_names", "classes")

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_CIFAR_NAMES = ("data_batch", "test_batch", "batches.meta")

_FORMATS_READ = ".npz, .npy, MNIST IDX (raw or .gz) or a CIFAR-10 python batch"


@dataclass
class Dataset:
    """A stack of images with optional labels, and where it came from.

    Attributes
    ----------
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        The images, in the file's dtype (see the module docstring). ``c`` is 1 to 4.
    labels : ndarray, shape (m,), or None
        One integer label per image, when the file has them.
    class_names : list of str, or None
        ``class_names[label]`` names a class (CIFAR's "airplane", ...), when known.
    name : str
        A short name to show, e.g. ``"MNIST.npz: X_train"``.
    source : str or None
        The file (or folder) read, or None for data made in memory.
    key : str or None
        The array's name inside an ``.npz`` archive.
    alternatives : list of str
        The other image-shaped arrays in the same archive (e.g. ``["X_valid", "X_test"]``);
        open one with :meth:`load_alternative`.
    file_names : list of str
        For images read from files: the file of each image, in order.
    skipped : list of (str, str)
        Files of a folder that could not be read, with the reason.

    Examples
    --------
    >>> import numpy as np
    >>> d = Dataset(np.zeros((2, 28, 28), np.uint8), name="zeros")
    >>> len(d), d.image_shape, d.channels, d.is_color
    (2, (28, 28), 1, False)
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    class_names: list | None = None
    name: str = ""
    source: str | None = None
    key: str | None = None
    alternatives: list = field(default_factory=list)
    file_names: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def __len__(self):
        return int(self.images.shape[0])

    @property
    def image_shape(self):
        """The shape of one image: ``(h, w)`` or ``(h, w, c)``."""
        return tuple(self.images.shape[1:])

    @property
    def channels(self):
        """Channels of one image: 1 for ``(m, h, w)`` images, else ``c``."""
        return 1 if self.images.ndim == 3 else int(self.images.shape[3])

    @property
    def is_color(self):
        """True when the images have a channel axis, ``(m, h, w, c)``."""
        return self.images.ndim == 4

    def label_text(self, index):
        """The label of image ``index`` as text (``"3"``, ``"cat"``), or ``""`` when unlabelled."""
        if self.labels is None:
            return ""
        label = int(self.labels[index])
        if self.class_names and 0 <= label < len(self.class_names):
            return f"{label} ({self.class_names[label]})"
        return str(label)

    def load_alternative(self, key):
        """Open another array of the same archive, e.g. ``dataset.load_alternative("X_test")``."""
        if self.source is None:
            raise ValueError(f"{self.name or 'this dataset'} was not read from a file")
        return load_dataset(self.source, key=key)


# --------------------------------------------------------------------------------------------
# shape rules


def is_image_shaped(shape):
    """True for the shapes :func:`load_dataset` accepts as images.

    A stack ``(m, h, w)`` or ``(m, h, w, c)`` with ``c`` in 1..4, or one image ``(h, w)`` or
    ``(h, w, c)``; ``h`` and ``w`` are at least 2.

    Examples
    --------
    >>> is_image_shaped((100, 28, 28)), is_image_shaped((32, 32, 3)), is_image_shaped((10,))
    (True, True, False)
    """
    return _as_stack_shape(tuple(shape)) is not None


def _as_stack_shape(shape):
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


def _describe_keys(headers):
    return ", ".join(f"{k} {tuple(s)} {d}" for k, (s, d) in headers.items()) or "no arrays"


def _check_dtype(dtype, where):
    if dtype.hasobject:
        raise ValueError(f"{where} holds Python objects (dtype object), which cannot be opened "
                         "safely; save the images as a numeric array instead")
    if dtype.kind not in "buif":
        raise ValueError(f"{where} must hold numbers, got dtype {dtype}")


def _finish_images(array, where):
    """Validate pixel values and give single images their stack axis."""
    _check_dtype(array.dtype, where)
    if array.size == 0:
        raise ValueError(f"{where} is empty (shape {array.shape}), there are no pixels to show")
    stack = _as_stack_shape(array.shape)
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


def _labels_from(values, count):
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


# --------------------------------------------------------------------------------------------
# file opening and format detection


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
    from .batch import MEMORY_FRACTION, available_memory

    nbytes = int(nbytes)
    if file_size is not None and ratio is not None and nbytes > max(64 << 20,
                                                                      ratio * file_size):
        raise ValueError(f"{where} declares {_size_text(nbytes)} of data stored in "
                         f"{_size_text(file_size)}; a compression that strong means the file "
                         "is damaged or built to exhaust memory, so it was not opened")
    available = available_memory()
    if nbytes > 2**62 or (available is not None and nbytes > MEMORY_FRACTION * available):
        avail = "unknown" if available is None else _size_text(available)
        raise ValueError(f"{where} declares {_size_text(nbytes)} of data, more than the memory "
                         f"available ({avail} free, at most half of it is used); it was not "
                         "opened")


def _size_text(nbytes):
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} bytes"


_IMAGE_MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                b"BM": "a BMP image", b"II*\x00": "a TIFF image", b"MM\x00*": "a TIFF image"}


def _sniff(path, head):
    """Name the format of a file from its first bytes."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "npz"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if _looks_like_idx(head):
        return "idx"
    if head[:1] == b"\x80" and 2 <= head[1] <= 5:
        return "pickle"
    if path.name.startswith(_CIFAR_NAMES) and head[:1] in b"(}]cd":
        return "pickle"
    for magic, what in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            raise ValueError(f"{path.name} is {what}, not a dataset file; image files are opened "
                             "with the image loader (File > Open images)")
    raise ValueError(f"{path.name} is not a dataset file the app can read: expected "
                     f"{_FORMATS_READ}")


def _looks_like_idx(head):
    return (len(head) >= 4 and head[0] == 0 and head[1] == 0 and head[2] in _IDX_DTYPES
            and 1 <= head[3] <= 4)


def load_dataset(path, key=None, *, mmap=None):
    """Read a dataset file into a :class:`Dataset`.

    Parameters
    ----------
    path : str or Path
        An ``.npz``, ``.npy``, MNIST IDX (raw or gzipped) or CIFAR python batch file. The format
        is recognised from the file's content, not its name.
    key : str, optional
        Which array of an ``.npz`` archive to read. By default the first of
        ``X_train, data, images, x_train, ...`` present, else the first image-shaped array.
    mmap : bool, optional
        Memory-map an ``.npy`` file instead of reading it. By default only files larger than
        :data:`MMAP_BYTES` are mapped.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        The file is empty, damaged, in another format, or holds no image-shaped numeric array.
    OSError
        The file does not exist or cannot be read.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "digits.npz")
    >>> np.savez(path, X_train=np.zeros((3, 28, 28)), Y_train=np.array([1, 2, 3]),
    ...          X_test=np.ones((2, 28, 28)))
    >>> d = load_dataset(path)
    >>> d.images.shape, d.labels.tolist(), d.alternatives
    ((3, 28, 28), [1, 2, 3], ['X_test'])
    >>> load_dataset(path, key="X_test").images.shape
    (2, 28, 28)
    """
    path = Path(path)
    try:
        return _load_dataset(path, key, mmap)
    except (ValueError, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, (zipfile.BadZipFile,)):
            raise
        raise ValueError(_naming(path, str(exc))) from None
    except MemoryError as exc:
        raise ValueError(f"{path.name} needs more memory than is available ({exc}); it was "
                         "not opened") from None
    except RecursionError:
        raise ValueError(f"{path.name} is nested too deeply to be read; it is damaged or not a "
                         "dataset file") from None
    except Exception as exc:  # any other failure of a third-party decoder on a bad file
        raise ValueError(f"{path.name} cannot be read: it is damaged or in an unsupported "
                         f"variant ({type(exc).__name__}: {exc})") from None


def _naming(path, message):
    """``message`` starting with the file's name, unless it already names it."""
    if path.name in message:
        return message
    return f"{path.name}: {message}"


def _load_dataset(path, key, mmap):
    head = check_file(path)
    kind = _sniff(path, head)
    if key is not None and kind != "npz":
        raise ValueError(f"key={key!r} only applies to .npz archives; {path.name} holds a "
                         "single array")
    if kind == "npz":
        return _load_npz(path, key)
    if kind == "npy":
        return _load_npy(path, mmap)
    if kind == "pickle":
        return _load_cifar(path)
    return _load_idx(path, gzipped=(kind == "gzip"))


# --------------------------------------------------------------------------------------------
# .npz and .npy


def _read_header(fh):
    """Shape and dtype from an open ``.npy`` stream, without reading the data."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return tuple(shape), dtype


#: An npz member may expand to at most this many times its compressed size (deflate's own
#: limit is about 1032; real image data compresses 2 to 20 times).
MAX_COMPRESSION_RATIO = 200


def _check_member(path, key, shape, dtype, info):
    """Refuse a member whose header promises more data than it holds or than memory allows."""
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if nbytes > info.file_size:
        raise ValueError(f"{path.name}: array {key} is damaged: its header promises shape "
                         f"{shape} {dtype} ({_size_text(nbytes)}) but it holds "
                         f"{_size_text(info.file_size)}")
    stored = info.compress_size if info.compress_type != zipfile.ZIP_STORED else None
    check_allocation(nbytes, f"{path.name}: array {key}", file_size=stored,
                     ratio=MAX_COMPRESSION_RATIO if stored is not None else None)


def _npz_headers(path, infos=None):
    """``{key: (shape, dtype)}`` for every array in an archive, reading only the headers.

    ``infos``, when given, is filled with each key's ``zipfile.ZipInfo``.
    """
    headers = {}
    infos = {} if infos is None else infos
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                member = info.filename
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as fh:
                    headers[member[:-4]] = _read_header(fh)
                infos[member[:-4]] = info
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        raise ValueError(f"{path.name} is damaged or truncated and cannot be read as an .npz "
                         f"archive ({exc})") from None
    return headers


def _pick_image_key(path, headers, key):
    usable = [k for k, (shape, dtype) in headers.items()
              if is_image_shaped(shape) and not dtype.hasobject and dtype.kind in "buif"
              and int(np.prod(shape)) > 0]
    if key is not None:
        if key not in headers:
            raise ValueError(f"{path.name} has no array named {key!r}; it has: "
                             f"{', '.join(headers) or 'no arrays'}")
        if key not in usable:
            shape, dtype = headers[key]
            _check_dtype(dtype, f"{path.name}: {key}")
            if int(np.prod(shape)) == 0:
                raise ValueError(f"{path.name}: {key} is empty (shape {shape}), there are no "
                                 "pixels to show")
            raise ValueError(f"{path.name}: {key} is not image-shaped: expected (m, h, w), "
                             f"(m, h, w, c) or one (h, w[, c]) image, got shape {shape}")
        return key, [k for k in usable if k != key]
    if not usable:
        raise ValueError(f"{path.name} has no image-shaped array (m, h, w) or (m, h, w, c): "
                         f"found {_describe_keys(headers)}")
    chosen = next((k for k in PREFERRED_KEYS if k in usable), usable[0])
    return chosen, [k for k in usable if k != chosen]


def _label_keys(key):
    candidates = []
    if key[:1] in "Xx":
        candidates.append(("Y" if key[0] == "X" else "y") + key[1:])
    candidates += [f"{key}_labels", "labels", "y", "Y"]
    return candidates


def _npz_read(path, archive, key, headers, infos):
    shape, dtype = headers[key]
    _check_member(path, key, shape, dtype, infos[key])
    try:
        return archive[key]
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        if isinstance(exc, ValueError) and "allow_pickle" in str(exc):
            raise ValueError(f"{path.name}: {key} holds Python objects (dtype object), which "
                             "cannot be opened safely") from None
        raise ValueError(f"{path.name}: array {key} is damaged or truncated ({exc})") from None


def _npz_labels(path, archive, headers, infos, key, count):
    """The first label array that goes with ``key`` (e.g. Y_valid for X_valid), or None."""
    for label_key in _label_keys(key):
        shape, dtype = headers.get(label_key, ((), np.dtype(object)))
        if label_key != key and not dtype.hasobject and len(shape) in (1, 2):
            labels = _labels_from(_npz_read(path, archive, label_key, headers, infos), count)
            if labels is not None:
                return labels
    return None


def _load_npz(path, key):
    infos = {}
    headers = _npz_headers(path, infos)
    key, others = _pick_image_key(path, headers, key)
    with np.load(path, allow_pickle=False) as archive:
        images = _finish_images(_npz_read(path, archive, key, headers, infos),
                                f"{path.name}: {key}")
        labels = _npz_labels(path, archive, headers, infos, key, len(images))
        class_names = _npz_class_names(path, archive, headers, infos)
    return Dataset(images=images, labels=labels, class_names=class_names,
                   name=f"{path.name}: {key}", source=str(path), key=key, alternatives=others)


def _npz_class_names(path, archive, headers, infos):
    for name_key in _CLASS_NAME_KEYS:
        shape, dtype = headers.get(name_key, ((), np.dtype(object)))
        if dtype.kind in "US" and len(shape) == 1:
            names = _npz_read(path, archive, name_key, headers, infos)
            return [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
                    for n in names.tolist()]
    return None


def _load_npy(path, mmap):
    try:
        with open(path, "rb") as fh:
            shape, dtype = _read_header(fh)
    except ValueError as exc:
        raise ValueError(f"{path.name} is not a valid .npy file ({exc})") from None
    _check_dtype(dtype, path.name)
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    size = path.stat().st_size
    if nbytes > size:
        raise ValueError(f"{path.name} is damaged or truncated: its header promises shape "
                         f"{shape} {dtype} ({_size_text(nbytes)}) but the file holds "
                         f"{_size_text(size)}")
    if mmap is None:
        mmap = size > MMAP_BYTES
    if not mmap:
        check_allocation(nbytes, path.name)
    try:
        array = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    except (ValueError, EOFError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        raise ValueError(f"{path.name} is damaged or truncated: its header promises shape "
                         f"{shape} {dtype} but the data does not match ({exc})") from None
    images = _finish_images(array, path.name)
    return Dataset(images=images, name=path.name, source=str(path))


# --------------------------------------------------------------------------------------------
# MNIST IDX


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
            if not _looks_like_idx(head):
                raise ValueError(f"{path.name} is a gzip file but does not hold MNIST IDX data; "
                                 f"expected {_FORMATS_READ}")
            shape = tuple(int(n) for n in np.frombuffer(fh.read(4 * head[3]), ">u4"))
            if len(shape) != head[3]:
                raise ValueError(f"{path.name} is truncated: its header is incomplete")
            dtype = np.dtype(_IDX_DTYPES[head[2]])
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


def _load_idx(path, gzipped):
    array = _read_idx(path, gzipped)
    if array.ndim == 1:
        raise ValueError(f"{path.name} holds {array.shape[0]} labels, not images; open the "
                         "images file (the one with 'images' and 'idx3' in its name)")
    images = _finish_images(array, path.name)
    labels = None
    for label_path in _idx_label_paths(path):
        if label_path.is_file():
            try:
                values = _read_idx(label_path, label_path.suffix == ".gz")
            except ValueError:
                continue
            labels = _labels_from(values, len(images))
            if labels is not None:
                break
    return Dataset(images=images, labels=labels, name=path.name, source=str(path))


# --------------------------------------------------------------------------------------------
# CIFAR python batches


class _Refused(pickle.UnpicklingError):
    """A pickle asked for something a CIFAR batch never needs."""


class _NdarrayType:
    """Stands in for ``numpy.ndarray`` inside a batch: it can only be passed to ``_reconstruct``.

    Calling ``numpy.ndarray((4000000, 3072))`` from a pickle would allocate gigabytes of
    uninitialised memory that do not come from the file; this stand-in cannot be called.
    """

    def __call__(self, *args, **kwargs):
        raise _Refused("numpy.ndarray(...) with a shape of its own choosing (arrays must be "
                       "built from the file's bytes)")


_NDARRAY = _NdarrayType()


def _reconstruct(subtype, shape, dtype):
    """NumPy's array rebuilder, allowed only in the empty form every pickled array starts with.

    The pickled data then fills the array through ``__setstate__``, which checks that the file
    holds exactly the bytes the shape needs.
    """
    reconstruct = np.zeros(1).__reduce__()[0]
    if subtype is not _NDARRAY or np.prod(shape, dtype=object) != 0:
        raise _Refused("numpy's _reconstruct with a shape of its own choosing")
    return reconstruct(np.ndarray, shape, dtype)


def _scalar(dtype, data=None):
    """NumPy's scalar rebuilder, only from bytes of the file that fill exactly one item."""
    scalar = np.int64(0).__reduce__()[0]
    if (not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes)
            or len(data) != dtype.itemsize):
        raise _Refused("numpy's scalar without the bytes of its value")
    return scalar(dtype, data)


def _encode(text, encoding="latin1", errors="strict"):
    """``_codecs.encode`` as pickles of bytes use it: latin-1 only."""
    if not isinstance(text, str) or str(encoding).lower().replace("-", "") != "latin1":
        raise _Refused(f"_codecs.encode with {encoding!r}")
    return _codecs.encode(text, "latin1")


def _allowed_globals():
    """The only callables a CIFAR batch may name: NumPy's array rebuilders and latin-1 bytes."""
    frombuffer = np.zeros(1).__reduce_ex__(5)[0]
    allowed = {("_codecs", "encode"): _encode, ("numpy", "ndarray"): _NDARRAY,
               ("numpy", "dtype"): np.dtype}
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = _reconstruct
        allowed[(module, "scalar")] = _scalar
    for module in ("numpy.core.numeric", "numpy._core.numeric"):
        allowed[(module, "_frombuffer")] = frombuffer
    return allowed


class _BatchUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global except NumPy array reconstruction."""

    _allowed = _allowed_globals()

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}") from None


def _unpickle(path):
    size = path.stat().st_size
    check_allocation(size, path.name)
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return _BatchUnpickler(io.BytesIO(data), encoding="bytes").load()
    except _Refused as exc:
        raise ValueError(f"{path.name} was refused: it asks to run {exc}, which a CIFAR batch "
                         "never needs, so it may be harmful; nothing in it was run") from None
    except pickle.UnpicklingError as exc:
        raise ValueError(f"{path.name} is damaged, truncated or not a CIFAR python batch "
                         f"({exc})") from None
    except RecursionError:
        raise ValueError(f"{path.name} is nested too deeply to be a CIFAR python batch") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            MemoryError, LookupError, OverflowError, UnicodeError) as exc:
        raise ValueError(f"{path.name} is damaged, truncated or not a CIFAR python batch "
                         f"({type(exc).__name__}: {exc})") from None


def _text_keys(mapping):
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in mapping.items()}


def _cifar_images(path, data):
    data = np.asarray(data)
    side = int(round((data.shape[1] / 3) ** 0.5)) if data.ndim == 2 else 0
    if data.ndim != 2 or data.dtype.kind not in "uif" or 3 * side * side != data.shape[1]:
        raise ValueError(f"{path.name}: 'data' must be an (n, 3072) array of pixels (R, G, B "
                         f"planes of 32x32), got {data.shape} {data.dtype}")
    planes = data.reshape(len(data), 3, side, side)
    return np.ascontiguousarray(planes.transpose(0, 2, 3, 1))


def _cifar_class_names(path):
    for meta_name, names_key in (("batches.meta", "label_names"), ("meta", "fine_label_names")):
        meta_path = path.with_name(meta_name)
        if meta_path == path or not meta_path.is_file():
            continue
        try:
            meta = _text_keys(_unpickle(meta_path))
        except (ValueError, AttributeError):
            continue
        names = meta.get(names_key)
        if isinstance(names, (list, tuple)):
            return [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
                    for n in names]
    return None


def _load_cifar(path):
    batch = _unpickle(path)
    if not isinstance(batch, dict):
        raise ValueError(f"{path.name} is a pickle but not a CIFAR batch: expected a dict with "
                         f"'data' and 'labels', got {type(batch).__name__}")
    batch = _text_keys(batch)
    if "data" not in batch:
        hint = " (this is the class-name file; open a data_batch)" if "label_names" in batch else ""
        raise ValueError(f"{path.name} is not a CIFAR batch: it has no 'data' entry, only "
                         f"{', '.join(map(str, batch)) or 'nothing'}{hint}")
    images = _finish_images(_cifar_images(path, batch["data"]), path.name)
    raw_labels = batch.get("labels", batch.get("fine_labels"))
    labels = None if raw_labels is None else _labels_from(raw_labels, len(images))
    return Dataset(images=images, labels=labels, class_names=_cifar_class_names(path),
                   name=path.name, source=str(path))


# --------------------------------------------------------------------------------------------
# colour


def to_grayscale(images):
    """Convert RGB(A) images ``(..., h, w, c)`` to grayscale ``(..., h, w)``, keeping the dtype.

    Uses the ITU-R BT.601 luma weights ``0.299 R + 0.587 G + 0.114 B`` (alpha is ignored;
    one channel is returned as it is). Integer results are rounded to the nearest value.

    Examples
    --------
    >>> import numpy as np
    >>> to_grayscale(np.array([[[255, 0, 0], [255, 255, 255]]], np.uint8)).tolist()
    [[76, 255]]
    """
    images = np.asarray(images)
    if images.shape[-1] < 3:
        return images[..., 0]
    weights = np.array([0.299, 0.587, 0.114])
    gray = images[..., :3] @ weights
    if images.dtype.kind in "ui":
        info = np.iinfo(images.dtype)
        return np.clip(np.rint(gray), info.min, info.max).astype(images.dtype)
    return gray.astype(images.dtype if images.dtype.kind == "f" else np.float64)


# --------------------------------------------------------------------------------------------
# bundled samples

#: The folder of bundled sample data.
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "samples"


@dataclass(frozen=True)
class Sample:
    """One bundled sample: a display name, its file in :data:`SAMPLES_DIR`, and the array key."""

    name: str
    filename: str
    key: str | None
    description: str

    @property
    def path(self):
        """Absolute path of the sample's file."""
        return SAMPLES_DIR / self.filename


#: Every bundled sample, in menu order. Sources and licences: ``resources/samples/README.md``.
SAMPLES = (
    Sample("MNIST digits", "mnist_sample.npz", "X_train",
           "1000 handwritten digits (100 of each), 28x28, float in [0, 1], with labels; "
           "X_valid and X_test hold 200 more each"),
    Sample("Chelsea the cat", "photos.npz", "chelsea", "Colour photo of a cat (CC0)"),
    Sample("Coffee", "photos.npz", "coffee", "Colour photo of a cup of coffee (CC0)"),
    Sample("Astronaut", "photos.npz", "astronaut",
           "Colour photo of astronaut Eileen Collins (NASA, public domain)"),
    Sample("Camera man", "photos.npz", "camera", "Grayscale photo of a photographer (CC0)"),
    Sample("Tiny photos 32x32", "tiny_photos.npz", "data",
           "32x32 colour crops of the photos, in the animals_1.npz layout (key 'data')"),
)

#: The sample the app opens on start.
DEFAULT_SAMPLE = "MNIST digits"


def load_samples():
    """The bundled samples that are present on disk, as a list of :class:`Sample`.

    Examples
    --------
    >>> [s.name for s in load_samples()][:1]
    ['MNIST digits']
    """
    return [sample for sample in SAMPLES if sample.path.is_file()]


def load_sample(name=DEFAULT_SAMPLE):
    """Open a bundled sample by its name (see :data:`SAMPLES`).

    Examples
    --------
    >>> d = load_sample("MNIST digits")
    >>> d.images.shape, d.name
    ((1000, 28, 28), 'MNIST digits')
    """
    by_name = {sample.name: sample for sample in SAMPLES}
    if name not in by_name:
        raise ValueError(f"no bundled sample named {name!r}; the samples are: "
                         f"{', '.join(by_name)}")
    sample = by_name[name]
    dataset = load_dataset(sample.path, key=sample.key)
    return replace(dataset, name=sample.name)
