"""Reading NumPy files: ``.npz`` archives (every array, labels and class names) and ``.npy``.

Only headers are read before the size of every array is checked, large ``.npy`` files are
memory-mapped, and nothing is ever unpickled (``allow_pickle=False``). :func:`load_npz` and
:func:`load_npy` return the fields of a :class:`core.datasets.Dataset`.
"""

import zipfile
import zlib

import numpy as np

from .dataset_checks import (MAX_COMPRESSION_RATIO, check_allocation, check_dtype, describe_keys,
                             finish_images, is_image_shaped, labels_from, size_text)

__all__ = ["load_npz", "load_npy", "MMAP_BYTES", "PREFERRED_KEYS"]

#: ``.npy`` files larger than this many bytes are memory-mapped instead of read into memory.
MMAP_BYTES = 64 * 2**20

#: The arrays of an archive taken as the images first, in this order.
PREFERRED_KEYS = ("X_train", "data", "images", "x_train", "X", "x", "train_images", "imgs")

_CLASS_NAME_KEYS = ("class_names", "label_names", "classes")


def _read_header(fh):
    """Shape and dtype from an open ``.npy`` stream, without reading the data."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return tuple(shape), dtype


def _check_member(path, key, shape, dtype, info):
    """Refuse a member whose header promises more data than it holds or than memory allows."""
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if nbytes > info.file_size:
        raise ValueError(f"{path.name}: array {key} is damaged: its header promises shape "
                         f"{shape} {dtype} ({size_text(nbytes)}) but it holds "
                         f"{size_text(info.file_size)}")
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
            check_dtype(dtype, f"{path.name}: {key}")
            if int(np.prod(shape)) == 0:
                raise ValueError(f"{path.name}: {key} is empty (shape {shape}), there are no "
                                 "pixels to show")
            raise ValueError(f"{path.name}: {key} is not image-shaped: expected (m, h, w), "
                             f"(m, h, w, c) or one (h, w[, c]) image, got shape {shape}")
        return key, [k for k in usable if k != key]
    if not usable:
        raise ValueError(f"{path.name} has no image-shaped array (m, h, w) or (m, h, w, c): "
                         f"found {describe_keys(headers)}")
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
            labels = labels_from(_npz_read(path, archive, label_key, headers, infos), count)
            if labels is not None:
                return labels
    return None


def load_npz(path, key):
    infos = {}
    headers = _npz_headers(path, infos)
    key, others = _pick_image_key(path, headers, key)
    with np.load(path, allow_pickle=False) as archive:
        images = finish_images(_npz_read(path, archive, key, headers, infos),
                                f"{path.name}: {key}")
        labels = _npz_labels(path, archive, headers, infos, key, len(images))
        class_names = _npz_class_names(path, archive, headers, infos)
    return dict(images=images, labels=labels, class_names=class_names,
                   name=f"{path.name}: {key}", source=str(path), key=key, alternatives=others)


def _npz_class_names(path, archive, headers, infos):
    for name_key in _CLASS_NAME_KEYS:
        shape, dtype = headers.get(name_key, ((), np.dtype(object)))
        if dtype.kind in "US" and len(shape) == 1:
            names = _npz_read(path, archive, name_key, headers, infos)
            return [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
                    for n in names.tolist()]
    return None


def load_npy(path, mmap):
    try:
        with open(path, "rb") as fh:
            shape, dtype = _read_header(fh)
    except ValueError as exc:
        raise ValueError(f"{path.name} is not a valid .npy file ({exc})") from None
    check_dtype(dtype, path.name)
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    size = path.stat().st_size
    if nbytes > size:
        raise ValueError(f"{path.name} is damaged or truncated: its header promises shape "
                         f"{shape} {dtype} ({size_text(nbytes)}) but the file holds "
                         f"{size_text(size)}")
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
    images = finish_images(array, path.name)
    return dict(images=images, name=path.name, source=str(path))
