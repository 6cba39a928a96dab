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
before ``img10``). Files that cannot be read are skipped and listed in the dataset's
``skipped``. The images must have the same width and height: a folder of mixed sizes raises
:class:`MixedSizes` (naming two files and their sizes, resizing silently would distort the pixels
a student is studying) so the app can offer to resize them all to the most common size
(``resize_to=``). Grayscale files in a folder with colour files are repeated into three equal
channels; 8-bit files beside 16-bit files are scaled to 16-bit (× 257).

Work is bounded before anything is decoded: images larger than ``max_pixels`` raise
:class:`ImageTooLarge`, so the app can ask "downscale?" and call again with ``downscale=True``;
downscaled images are decoded at the reduced size when the format allows it (JPEG), and a file
that would need more than :data:`MAX_DECODE_BYTES` to decode at full size is refused; a folder
holds at most :data:`MAX_FOLDER_PIXELS` pixels in all. FIFOs and devices are never opened.
"""

from __future__ import annotations

import functools
import math
import re
import stat
from collections import Counter
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QImage, QImageReader

from core.datasets import Dataset, check_file, check_regular, load_dataset, to_grayscale

__all__ = [
    "ImageTooLarge",
    "MixedSizes",
    "MAX_PIXELS",
    "MAX_DECODE_BYTES",
    "MAX_FOLDER_PIXELS",
    "image_suffixes",
    "is_image_path",
    "qimage_to_array",
    "read_image",
    "load_image_files",
    "load_any",
]

#: Default size guard: images with more pixels than this need ``downscale=True``.
MAX_PIXELS = 4_000_000

#: A format that cannot be decoded at a reduced size (PNG, BMP, ...) is decoded whole and then
#: shrunk; files that would take more memory than this at full size are refused.
MAX_DECODE_BYTES = 1 << 30

#: All the images of a folder together hold at most this many pixels (about 1.2 GB as RGB).
MAX_FOLDER_PIXELS = 400_000_000

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


class MixedSizes(ValueError):
    """The images of a folder differ in size.

    Attributes
    ----------
    common_size : tuple of int
        The most common ``(width, height)``; pass it as ``resize_to`` to resize all to it.
    """

    def __init__(self, message, common_size):
        super().__init__(message)
        self.common_size = (int(common_size[0]), int(common_size[1]))


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


def read_image(path, *, grayscale=False, max_pixels=MAX_PIXELS, downscale=False,
               resize_to=None):
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
    resize_to : (width, height), optional
        Resize to exactly this size (used to bring a folder of mixed sizes to one size).

    Raises
    ------
    ImageTooLarge
        The image exceeds ``max_pixels`` and ``downscale`` is false.
    ValueError
        The file is empty, damaged or not an image, or too large to decode even to downscale
        it (more than :data:`MAX_DECODE_BYTES` at full size in a format that cannot be
        decoded at a reduced size).
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
        _check_decodable(path, reader, size, _fitted(size, max_pixels))
        reader.setScaledSize(_fitted(size, max_pixels))
    elif resize_to is not None:
        reader.setScaledSize(QSize(int(resize_to[0]), int(resize_to[1])))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"{path.name} could not be read as an image ({reader.errorString()}); "
                         "it may be damaged, truncated or in a format Qt cannot read")
    if image.width() * image.height() > max_pixels:
        if not downscale:
            raise ImageTooLarge(path, (image.width(), image.height()), max_pixels)
        target = _fitted(image.size(), max_pixels)
        image = image.scaled(target, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    if resize_to is not None and (image.width(), image.height()) != tuple(resize_to):
        image = image.scaled(QSize(int(resize_to[0]), int(resize_to[1])), Qt.IgnoreAspectRatio,
                             Qt.SmoothTransformation)
    if source_format in _PLAIN_GRAY and image.format() != source_format:  # scaling made it RGB
        image = image.convertToFormat(source_format)
    array = qimage_to_array(image)
    return to_grayscale(array) if grayscale and array.ndim == 3 else array


def _decode_bytes(reader, size, target):
    """Memory Qt needs to decode ``size`` for a ``target``-sized result.

    Only JPEG is really decoded at a reduced size (libjpeg scales by up to 1/8 while
    decoding); other handlers, PNG included, decode the whole image and scale afterwards.
    """
    full = size.width() * size.height() * 8
    if bytes(reader.format()).lower() in (b"jpeg", b"jpg"):
        shrink = max(1, min(8, size.width() // max(1, target.width())))
        shrink = 1 << (shrink.bit_length() - 1)
        return full // (shrink * shrink)
    return full


def _check_decodable(path, reader, size, target):
    """Refuse a file whose decode would not fit (most formats are scaled after decoding)."""
    full = _decode_bytes(reader, size, target)
    if full > MAX_DECODE_BYTES:
        raise ValueError(
            f"{path.name} is {size.width()} x {size.height()} pixels; its format cannot be "
            f"decoded at a reduced size and decoding it would need {full / 2**30:.1f} GB "
            f"of memory (the limit is {MAX_DECODE_BYTES / 2**30:.0f} GB); shrink it with an "
            "image editor first, or save it as JPEG")


def _header_size(path):
    """``(width, height)`` from the file's header (no decoding), or None when unknown."""
    size = QImageReader(str(path)).size()
    return (size.width(), size.height()) if size.isValid() else None


# --------------------------------------------------------------------------------------------
# many files


def _natural_key(path):
    parts = re.split(r"(\d+)", path.name.lower())
    return [int(p) if p.isdigit() else p for p in parts]


def _folder_images(folder):
    suffixes = set(image_suffixes())
    files = [p for p in folder.iterdir()
             if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes]
    files = [p for p in files if stat.S_ISREG(p.stat().st_mode)]
    if not files:
        raise ValueError(f"the folder {folder.name} has no image files (expected "
                         f"{', '.join(s[1:].upper() for s in suffixes)})")
    return sorted(files, key=_natural_key)


def _check_sizes(arrays, paths):
    """Raise :class:`MixedSizes` unless every image has the same height and width."""
    first = arrays[0].shape[:2]
    for array, path in zip(arrays, paths):
        if array.shape[:2] != first:
            common = Counter((a.shape[1], a.shape[0]) for a in arrays).most_common(1)[0][0]
            raise MixedSizes(
                f"all images must have the same size, but {paths[0].name} is {first[1]} x "
                f"{first[0]} and {path.name} is {array.shape[1]} x {array.shape[0]} pixels "
                f"(width x height); they can all be resized to the most common size, "
                f"{common[0]} x {common[1]}, or opened one at a time", common)


def _same_layout(arrays, paths):
    """Check sizes agree; bring grayscale/colour and 8/16-bit mixes to one layout."""
    _check_sizes(arrays, paths)
    if any(a.dtype == np.uint16 for a in arrays):
        arrays = [a if a.dtype == np.uint16 else a.astype(np.uint16) * 257 for a in arrays]
    if any(a.ndim == 3 for a in arrays):
        arrays = [a if a.ndim == 3 else np.repeat(a[..., None], 3, axis=2) for a in arrays]
    return arrays


def load_image_files(paths_or_folder, *, grayscale=False, max_pixels=MAX_PIXELS,
                     downscale=False, resize_to=None):
    """Read image files, or every image in a folder, as one :class:`~core.datasets.Dataset`.

    Parameters
    ----------
    paths_or_folder : str, Path, or sequence of them
        One image file, a folder (all its image files, sorted by name), or a list of files.
    grayscale : bool
        Convert colour images to grayscale.
    max_pixels, downscale
        The size guard, as in :func:`read_image`.
    resize_to : (width, height), optional
        Resize every image to this size (see :class:`MixedSizes`).

    Returns
    -------
    Dataset
        ``images`` is ``(m, h, w)`` or ``(m, h, w, 3)``, uint8 (uint16 for 16-bit files);
        ``labels`` is None; ``file_names`` lists the files read, ``skipped`` the
        ``(name, reason)`` of those that could not be read (only when several were given).

    Raises
    ------
    ImageTooLarge, ValueError, OSError
        As :func:`read_image`; :class:`MixedSizes` when the images differ in size; also
        ``ValueError`` when none of the files can be read or they hold more than
        :data:`MAX_FOLDER_PIXELS` pixels in all.

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
    _check_folder_total(paths, max_pixels, downscale, resize_to)
    arrays, read, skipped = [], [], []
    for p in paths:
        try:
            arrays.append(read_image(p, grayscale=grayscale, max_pixels=max_pixels,
                                     downscale=downscale, resize_to=resize_to))
            read.append(p)
        except ImageTooLarge:
            raise
        except (ValueError, OSError) as exc:
            if len(paths) == 1:
                raise
            skipped.append((p.name, str(exc)))
    if not arrays:
        raise ValueError(f"none of the {len(paths)} image files could be read: "
                         + "; ".join(reason for _, reason in skipped[:3]))
    images = np.stack(_same_layout(arrays, read))
    if len(read) < len(paths):
        name = f"{name} ({len(read)} of {len(paths)} files)"
    return Dataset(images=images, labels=None, name=name, source=str(source), skipped=skipped,
                   file_names=[p.name for p in read])


def _check_folder_total(paths, max_pixels, downscale, resize_to):
    """Refuse, before decoding any, files whose pixels together exceed the folder limit."""
    total = 0
    for p in paths:
        if resize_to is not None:
            total += int(resize_to[0]) * int(resize_to[1])
            continue
        size = _header_size(p)
        if size is not None:
            total += min(size[0] * size[1], max_pixels) if downscale else size[0] * size[1]
    if total > MAX_FOLDER_PIXELS:
        raise ValueError(f"these {len(paths)} images hold {total / 1e6:.0f} megapixels in all, "
                         f"more than the {MAX_FOLDER_PIXELS / 1e6:.0f} megapixels the app opens "
                         "at once; open a smaller folder, or a selection of its files")


def load_any(path, *, grayscale=False, max_pixels=MAX_PIXELS, downscale=False, resize_to=None):
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
    check_regular(path)
    if path.is_dir() or is_image_path(path):
        return load_image_files(path, grayscale=grayscale, max_pixels=max_pixels,
                                downscale=downscale, resize_to=resize_to)
    dataset = load_dataset(path)
    if grayscale and dataset.is_color:
        dataset.images = to_grayscale(dataset.images)
    return dataset
