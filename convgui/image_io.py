"""Turn image files and folders of images into a :class:`core.datasets.Dataset`, using Qt.

Qt's image reader decodes PNG, JPEG, BMP, GIF, TIFF, WebP and the PBM/PGM/PPM family (whatever
``QImageReader.supportedImageFormats()`` lists), so the numeric core needs no imaging library.

What the pixels become:

* 8-bit files give uint8 arrays; 16-bit files (16-bit grayscale or colour PNG/TIFF) give uint16.
* Grayscale files (and palette files whose palette is all gray) give ``(h, w)`` images; everything
  else gives ``(h, w, 3)`` RGB. Palette (indexed) images are expanded to their colours.
* Transparency is composited on white, as an image viewer shows it: a pixel of colour ``c`` and
  opacity ``a`` becomes ``c * a + white * (1 - a)``; the alpha channel is then dropped.
* The EXIF orientation of camera JPEGs is applied, so photos come out upright.
* ``grayscale=True`` converts colour to luma ``0.299 R + 0.587 G + 0.114 B`` (BT.601).
* Multi-frame files (animated GIF, multi-page TIFF) give their first frame.

A folder gives all its image files, sorted by name with numbers in numeric order (``img2``
before ``img10``). They must all have the same width and height: a folder of mixed sizes is
refused with a message naming two files and their sizes (resizing silently would distort the
pixels a student is studying). Grayscale files in a folder with colour files are repeated into
three equal channels; 8-bit files beside 16-bit files are scaled to 16-bit (× 257).

Images larger than ``max_pixels`` raise :class:`ImageTooLarge` before being decoded, so the app
can ask "downscale?" and call again with ``downscale=True``.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QImage, QImageReader

from core.datasets import Dataset, check_file, load_dataset, to_grayscale

__all__ = [
    "ImageTooLarge",
    "MAX_PIXELS",
    "image_suffixes",
    "is_image_path",
    "qimage_to_array",
    "read_image",
    "load_image_files",
    "load_any",
]

#: Default size guard: images with more pixels than this need ``downscale=True``.
MAX_PIXELS = 4_000_000

_NOT_IMAGES = {"svg", "svgz", "ico", "cur", "icns", "xbm", "xpm", "wbmp"}


class ImageTooLarge(ValueError):
    """An image has more pixels than the app's size guard allows.

    Attributes
    ----------
    path : Path
        The image file.
    size : tuple of int
        Its ``(width, height)`` in pixels.
    max_pixels : int
        The limit it exceeds. Read it again with ``downscale=True`` to shrink it to fit.
    """

    def __init__(self, path, size, max_pixels):
        self.path = Path(path)
        self.size = (int(size[0]), int(size[1]))
        self.max_pixels = int(max_pixels)
        megapixels = self.size[0] * self.size[1] / 1e6
        super().__init__(
            f"{self.path.name} is {self.size[0]} x {self.size[1]} pixels ({megapixels:.1f} "
            f"megapixels), more than the {self.max_pixels / 1e6:.1f} megapixels the app handles "
            "comfortably; it can be downscaled to fit")


@functools.lru_cache(maxsize=None)
def image_suffixes():
    """File suffixes (``".png"``, ...) of the photo formats the installed Qt can read.

    Examples
    --------
    >>> ".png" in image_suffixes()
    True
    """
    formats = {bytes(f).decode("ascii").lower() for f in QImageReader.supportedImageFormats()}
    return tuple(sorted(f".{f}" for f in formats - _NOT_IMAGES))


def is_image_path(path):
    """True when ``path`` has the suffix of an image format Qt can read.

    Examples
    --------
    >>> is_image_path("cat.JPG"), is_image_path("MNIST.npz")
    (True, False)
    """
    return Path(path).suffix.lower() in image_suffixes()


# --------------------------------------------------------------------------------------------
# QImage -> ndarray

_GRAY_FORMATS = {QImage.Format_Grayscale8, QImage.Format_Mono, QImage.Format_MonoLSB,
                 QImage.Format_Indexed8, QImage.Format_Alpha8}
_PLAIN_GRAY = {QImage.Format_Grayscale8, QImage.Format_Grayscale16}
_WIDE_FORMATS = {QImage.Format_RGBA64, QImage.Format_RGBX64, QImage.Format_RGBA64_Premultiplied}
if hasattr(QImage, "Format_BGR30"):
    _WIDE_FORMATS |= {QImage.Format_BGR30, QImage.Format_RGB30, QImage.Format_A2BGR30_Premultiplied,
                      QImage.Format_A2RGB30_Premultiplied}


def _pixels(image, dtype, channels):
    """Copy the pixel rows of ``image`` (already in a packed format) into an ndarray."""
    height, width = image.height(), image.width()
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    rows = np.frombuffer(bits, np.uint8).reshape(height, image.bytesPerLine())
    itemsize = np.dtype(dtype).itemsize
    rows = rows[:, :width * channels * itemsize]
    array = rows.copy().view(dtype).reshape(height, width, channels)
    return array[:, :, 0] if channels == 1 else array


def _over_white(rgba):
    """Composite ``(h, w, 4)`` pixels over white and drop alpha; exact when alpha is opaque."""
    top = np.iinfo(rgba.dtype).max
    rgb, alpha = rgba[..., :3], rgba[..., 3:]
    if np.all(alpha == top):
        return np.ascontiguousarray(rgb)
    mixed = (rgb.astype(np.float64) * alpha + top * (top - alpha.astype(np.float64))) / top
    return np.rint(mixed).astype(rgba.dtype)


def qimage_to_array(image):
    """Pixels of a ``QImage`` as ``(h, w)`` (grayscale) or ``(h, w, 3)`` (RGB) uint8/uint16.

    Transparency is composited on white. See the module docstring for the rules.

    Examples
    --------
    >>> from PyQt5.QtGui import QImage, QColor
    >>> image = QImage(2, 1, QImage.Format_RGB32)
    >>> image.fill(QColor(255, 0, 0))
    >>> qimage_to_array(image).tolist()
    [[[255, 0, 0], [255, 0, 0]]]
    """
    if image.isNull():
        raise ValueError("the image is empty (a null QImage)")
    fmt = image.format()
    if fmt == QImage.Format_Grayscale16:
        return _pixels(image, np.uint16, 1)
    if fmt in _GRAY_FORMATS and fmt != QImage.Format_Alpha8 and image.allGray():
        return _pixels(image.convertToFormat(QImage.Format_Grayscale8), np.uint8, 1)
    if fmt in _WIDE_FORMATS:
        return _over_white(_pixels(image.convertToFormat(QImage.Format_RGBA64), np.uint16, 4))
    if image.hasAlphaChannel():
        return _over_white(_pixels(image.convertToFormat(QImage.Format_RGBA8888), np.uint8, 4))
    return _pixels(image.convertToFormat(QImage.Format_RGB888), np.uint8, 3)


# --------------------------------------------------------------------------------------------
# one file


def _fitted(size, max_pixels):
    """The largest size with the same aspect ratio and at most ``max_pixels`` pixels."""
    scale = math.sqrt(max_pixels / (size.width() * size.height()))
    return QSize(max(1, int(size.width() * scale)), max(1, int(size.height() * scale)))


def read_image(path, *, grayscale=False, max_pixels=MAX_PIXELS, downscale=False):
    """Read one image file into an ndarray: ``(h, w)`` or ``(h, w, 3)``, uint8 or uint16.

    Parameters
    ----------
    path : str or Path
        An image file in a format Qt reads (PNG, JPEG, BMP, GIF, TIFF, ...).
    grayscale : bool
        Convert colour images to grayscale (BT.601 luma).
    max_pixels : int
        Size guard: larger images raise :class:`ImageTooLarge` unless ``downscale`` is true.
    downscale : bool
        Shrink images larger than ``max_pixels`` to fit, keeping their aspect ratio.

    Raises
    ------
    ImageTooLarge
        The image exceeds ``max_pixels`` and ``downscale`` is false.
    ValueError
        The file is empty, damaged or not an image.
    OSError
        The file does not exist or cannot be read.

    Examples
    --------
    >>> import tempfile, os
    >>> from PyQt5.QtGui import QImage
    >>> path = os.path.join(tempfile.mkdtemp(), "black.png")
    >>> image = QImage(4, 3, QImage.Format_Grayscale8)
    >>> image.fill(0)
    >>> image.save(path)
    True
    >>> read_image(path).shape
    (3, 4)
    """
    path = Path(path)
    check_file(path)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size, source_format = reader.size(), reader.imageFormat()
    if size.isValid() and size.width() * size.height() > max_pixels:
        if not downscale:
            raise ImageTooLarge(path, (size.width(), size.height()), max_pixels)
        reader.setScaledSize(_fitted(size, max_pixels))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"{path.name} could not be read as an image ({reader.errorString()}); "
                         "it may be damaged, truncated or in a format Qt cannot read")
    if image.width() * image.height() > max_pixels:
        if not downscale:
            raise ImageTooLarge(path, (image.width(), image.height()), max_pixels)
        target = _fitted(image.size(), max_pixels)
        image = image.scaled(target, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    if source_format in _PLAIN_GRAY and image.format() != source_format:  # scaling made it RGB
        image = image.convertToFormat(source_format)
    array = qimage_to_array(image)
    return to_grayscale(array) if grayscale and array.ndim == 3 else array


# --------------------------------------------------------------------------------------------
# many files


def _natural_key(path):
    parts = re.split(r"(\d+)", path.name.lower())
    return [int(p) if p.isdigit() else p for p in parts]


def _folder_images(folder):
    suffixes = set(image_suffixes())
    files = [p for p in folder.iterdir()
             if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes]
    if not files:
        raise ValueError(f"the folder {folder.name} has no image files (expected "
                         f"{', '.join(s[1:].upper() for s in suffixes)})")
    return sorted(files, key=_natural_key)


def _same_layout(arrays, paths):
    """Check sizes agree; bring grayscale/colour and 8/16-bit mixes to one layout."""
    first = arrays[0].shape[:2]
    for array, path in zip(arrays, paths):
        if array.shape[:2] != first:
            raise ValueError(
                f"all images must have the same size, but {paths[0].name} is {first[1]} x "
                f"{first[0]} and {path.name} is {array.shape[1]} x {array.shape[0]} pixels "
                "(width x height); resize them to one size, or open them one at a time")
    if any(a.dtype == np.uint16 for a in arrays):
        arrays = [a if a.dtype == np.uint16 else a.astype(np.uint16) * 257 for a in arrays]
    if any(a.ndim == 3 for a in arrays):
        arrays = [a if a.ndim == 3 else np.repeat(a[..., None], 3, axis=2) for a in arrays]
    return arrays


def load_image_files(paths_or_folder, *, grayscale=False, max_pixels=MAX_PIXELS,
                     downscale=False):
    """Read image files, or every image in a folder, as one :class:`~core.datasets.Dataset`.

    Parameters
    ----------
    paths_or_folder : str, Path, or sequence of them
        One image file, a folder (all its image files, sorted by name), or a list of files.
    grayscale : bool
        Convert colour images to grayscale.
    max_pixels, downscale
        The size guard, as in :func:`read_image`.

    Returns
    -------
    Dataset
        ``images`` is ``(m, h, w)`` or ``(m, h, w, 3)``, uint8 (uint16 for 16-bit files);
        ``labels`` is None.

    Raises
    ------
    ImageTooLarge, ValueError, OSError
        As :func:`read_image`; also ``ValueError`` when the images differ in size.

    Examples
    --------
    >>> import tempfile, os
    >>> from PyQt5.QtGui import QImage
    >>> folder = tempfile.mkdtemp()
    >>> for name in ("b.png", "a.png"):
    ...     image = QImage(5, 4, QImage.Format_RGB32)
    ...     image.fill(0xFF0000)
    ...     _ = image.save(os.path.join(folder, name))
    >>> d = load_image_files(folder)
    >>> d.images.shape, d.images.dtype.name, d.labels
    ((2, 4, 5, 3), 'uint8', None)
    """
    if isinstance(paths_or_folder, (str, Path)):
        source = Path(paths_or_folder)
        paths = _folder_images(source) if source.is_dir() else [source]
        name = source.name
    else:
        paths = [Path(p) for p in paths_or_folder]
        if not paths:
            raise ValueError("no image files were given")
        source = paths[0].parent if len(paths) > 1 else paths[0]
        name = paths[0].name if len(paths) == 1 else f"{len(paths)} images"
    arrays = [read_image(p, grayscale=grayscale, max_pixels=max_pixels, downscale=downscale)
              for p in paths]
    images = np.stack(_same_layout(arrays, paths))
    return Dataset(images=images, labels=None, name=name, source=str(source))


def load_any(path, *, grayscale=False, max_pixels=MAX_PIXELS, downscale=False):
    """Open whatever the user chose: a folder or image file through Qt, anything else as data.

    Dataset files (.npz, .npy, IDX, CIFAR batches) go to :func:`core.datasets.load_dataset`;
    ``grayscale`` also converts their colour images.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> np.save(path, np.zeros((2, 8, 8)))
    >>> load_any(path).images.shape
    (2, 8, 8)
    """
    path = Path(path)
    if path.is_dir() or is_image_path(path):
        return load_image_files(path, grayscale=grayscale, max_pixels=max_pixels,
                                downscale=downscale)
    dataset = load_dataset(path)
    if grayscale and dataset.is_color:
        dataset.images = to_grayscale(dataset.images)
    return dataset
