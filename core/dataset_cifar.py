"""Reading CIFAR-10 (and CIFAR-100) "python version" batches, without running pickled code.

Batches are pickles, so they are read with an unpickler that only accepts the few NumPy types a
batch contains: a hostile file is refused before any of its code can run. The class names come
from the sibling ``batches.meta``. :func:`load_cifar` returns the fields of a
:class:`core.datasets.Dataset`.
"""

import _codecs
import io
import pickle

import numpy as np

from .dataset_checks import check_allocation, finish_images, labels_from

__all__ = ["load_cifar", "CIFAR_NAMES"]

#: File names of CIFAR batches (recognised even when their first byte is unusual).
CIFAR_NAMES = ("data_batch", "test_batch", "batches.meta")


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


def load_cifar(path):
    batch = _unpickle(path)
    if not isinstance(batch, dict):
        raise ValueError(f"{path.name} is a pickle but not a CIFAR batch: expected a dict with "
                         f"'data' and 'labels', got {type(batch).__name__}")
    batch = _text_keys(batch)
    if "data" not in batch:
        hint = " (this is the class-name file; open a data_batch)" if "label_names" in batch else ""
        raise ValueError(f"{path.name} is not a CIFAR batch: it has no 'data' entry, only "
                         f"{', '.join(map(str, batch)) or 'nothing'}{hint}")
    images = finish_images(_cifar_images(path, batch["data"]), path.name)
    raw_labels = batch.get("labels", batch.get("fine_labels"))
    labels = None if raw_labels is None else labels_from(raw_labels, len(images))
    return dict(images=images, labels=labels, class_names=_cifar_class_names(path),
                   name=path.name, source=str(path))
