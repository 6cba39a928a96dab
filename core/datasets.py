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
returns the same :class:`Dataset`. The readers are :mod:`core.dataset_npz`,
:mod:`core.dataset_idx` and :mod:`core.dataset_cifar`; the rules they share (and the checks
of a file before it is opened) are :mod:`core.dataset_checks`.

Dtypes are kept as stored: uint8 stays uint8 (IDX and CIFAR files are uint8), float stays
float (the assignment's MNIST is float in [0, 1]); booleans become uint8. Arrays may be read-only
(a memory-mapped ``.npy``); copy before changing pixels in place.

Every problem with a file raises ``ValueError`` (the content is wrong) or ``OSError`` (the
file cannot be opened), with a message that names the file and says what was expected.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .dataset_checks import (FORMATS_READ, check_allocation, check_file, check_regular,
                             is_image_shaped)
from .dataset_cifar import CIFAR_NAMES, load_cifar
from .dataset_idx import load_idx, looks_like_idx
from .dataset_npz import MMAP_BYTES, load_npz, load_npy

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

#: Keys tried first, in this order, when an archive holds several image arrays.

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
# format detection and reading


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
    if looks_like_idx(head):
        return "idx"
    if head[:1] == b"\x80" and 2 <= head[1] <= 5:
        return "pickle"
    if path.name.startswith(CIFAR_NAMES) and head[:1] in b"(}]cd":
        return "pickle"
    for magic, what in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            raise ValueError(f"{path.name} is {what}, not a dataset file; image files are opened "
                             "with the image loader (File > Open images)")
    raise ValueError(f"{path.name} is not a dataset file the app can read: expected "
                     f"{FORMATS_READ}")


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
        fields = load_npz(path, key)
    elif kind == "npy":
        fields = load_npy(path, mmap)
    elif kind == "pickle":
        fields = load_cifar(path)
    else:
        fields = load_idx(path, gzipped=(kind == "gzip"))
    return Dataset(**fields)


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
