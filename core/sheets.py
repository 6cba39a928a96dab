"""Pictures of processed datasets without a GUI: PNG files, PNG folders and contact sheets.

Everything here is NumPy and the standard library (PNG data is compressed with :mod:`zlib`), so
``python main.py apply`` can write pictures on a machine without a display.

How values become gray levels: every feature map ``k`` is scaled with one pair of *levels*
``(low, high)`` for the whole processed range (:func:`feature_levels`, the minimum and maximum
of that map over all images), so a brighter tile really means a stronger response, and tiles
are comparable across the sheet. An optional 256-entry RGB lookup table colours them.

Labels on contact sheets are drawn with a built-in 3×5 pixel font that knows digits (labels are
numbers); class names, when known, go into the PNG folder's file names only.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .atomic import atomic_folder, atomic_write_bytes, commit_renames

__all__ = [
    "PNG_SIGNATURE",
    "png_chunk",
    "png_parts",
    "encode_png",
    "write_png",
    "feature_levels",
    "finite_range",
    "image_range",
    "to_gray",
    "render_tile",
    "mapped_values",
    "levels_for",
    "draw_label",
    "contact_sheet",
    "png_names",
    "png_folder_conflicts",
    "iter_png_folder",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# A 3x5 pixel font: each glyph is five rows of three bits (most significant bit on the left).
_FONT = {
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7), "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1), "5": (7, 4, 7, 1, 7), "6": (7, 4, 7, 5, 7), "7": (7, 1, 2, 2, 2),
    "8": (7, 5, 7, 5, 7), "9": (7, 5, 7, 1, 7), "-": (0, 0, 7, 0, 0), " ": (0, 0, 0, 0, 0),
    "#": (5, 7, 5, 7, 5), "?": (7, 1, 3, 0, 2),
}


# --------------------------------------------------------------------------------------------
# PNG encoding


def png_chunk(kind, data):
    """One PNG chunk: length, ``kind`` (4 bytes), ``data`` and its CRC."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_parts(pixels, *, level=6):
    """The ``IHDR`` payload and the compressed image data of ``pixels`` (see :func:`encode_png`).

    Animated PNG writers put the same data into ``IDAT`` or ``fdAT`` chunks.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"pixels must be uint8, got dtype {pixels.dtype}")
    if pixels.ndim == 2:
        color_type = 0
    elif pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        color_type = 2 if pixels.shape[2] == 3 else 6
    else:
        raise ValueError(f"pixels must be (h, w) gray, (h, w, 3) RGB or (h, w, 4) RGBA, got "
                         f"shape {pixels.shape}")
    h, w = pixels.shape[:2]
    if h < 1 or w < 1:
        raise ValueError(f"pixels must not be empty, got shape {pixels.shape}")
    rows = np.ascontiguousarray(pixels).reshape(h, -1)
    raw = np.zeros((h, rows.shape[1] + 1), np.uint8)  # filter byte 0 ("None") on every row
    raw[:, 1:] = rows
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return header, zlib.compress(raw.tobytes(), level)


def encode_png(pixels, *, level=6):
    """Encode an 8-bit gray ``(h, w)`` or RGB ``(h, w, 3)`` array as PNG bytes.

    Parameters
    ----------
    pixels : ndarray of uint8
    level : int
        zlib compression level, 0 (fastest) to 9 (smallest).

    Examples
    --------
    >>> import numpy as np
    >>> data = encode_png(np.zeros((2, 3), np.uint8))
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", data[12:16]
    (True, b'IHDR')
    """
    header, data = png_parts(pixels, level=level)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


def write_png(path, pixels):
    """Write ``pixels`` (see :func:`encode_png`) to ``path`` atomically."""
    atomic_write_bytes(path, encode_png(pixels))


# --------------------------------------------------------------------------------------------
# values to pixels


def feature_levels(outputs, *, chunk=4096):
    """``(nc, 2)`` array: the minimum and maximum of each feature map over all images.

    Reads ``outputs`` ((n, oh, ow, nc), possibly a memory map) in chunks. A constant map gets
    ``high = low + 1`` so that scaling never divides by zero.

    Examples
    --------
    >>> import numpy as np
    >>> feature_levels(np.arange(8.0).reshape(2, 2, 1, 2)).tolist()
    [[0.0, 6.0], [1.0, 7.0]]
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 4:
        raise ValueError(f"outputs must be (n, oh, ow, nc), got shape {outputs.shape}")
    nc = outputs.shape[3]
    low = np.full(nc, np.inf)
    high = np.full(nc, -np.inf)
    for first in range(0, len(outputs), chunk):
        block = outputs[first:first + chunk].reshape(-1, nc)
        low = np.minimum(low, block.min(axis=0))
        high = np.maximum(high, block.max(axis=0))
    high = np.where(high > low, high, low + 1.0)
    return np.stack([low, high], axis=1)


def finite_range(values):
    """``(low, high)`` of the finite values (NaN and ±inf ignored), or None when there are none.

    Examples
    --------
    >>> import numpy as np
    >>> finite_range(np.array([np.nan, -2.0, np.inf, 3.0]))
    (-2.0, 3.0)
    >>> finite_range(np.array([np.nan])) is None
    True
    """
    values = np.asarray(values)
    if values.dtype.kind in "uib":
        return (float(values.min()), float(values.max())) if values.size else None
    if values.size:
        # Both ends finite means every value is (NaN reaches min and max): two passes over the
        # values instead of a mask, a copy of the finite ones and two passes over that.
        low, high = float(values.min()), float(values.max())
        if np.isfinite(low) and np.isfinite(high):
            return (low, high)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    return (float(finite.min()), float(finite.max()))


def image_range(images, *, sample=64):
    """The value range images are meant in: ``(0, 1)`` for float data in [0, 1], ``(0, 255)``
    for 8-bit data (or float data within it), else the finite range of the first ``sample``
    images widened to include 0. NaN and ±inf never widen it.

    Examples
    --------
    >>> import numpy as np
    >>> image_range(np.array([[[0.2, np.inf], [np.nan, 0.9]]]))
    (0.0, 1.0)
    >>> image_range(np.zeros((1, 2, 2), dtype=np.uint8))
    (0.0, 255.0)
    """
    images = np.asarray(images[: min(len(images), sample)])
    if images.dtype == np.uint8:
        return (0.0, 255.0)
    if images.dtype.kind in "ui":
        high = float(images.max()) if images.size else 0.0
        return (0.0, float(np.iinfo(images.dtype).max) if high > 255 else 255.0)
    found = finite_range(images)
    if found is None:
        return (0.0, 1.0)
    low, high = found
    if low >= 0 and high <= 1.0:
        return (0.0, 1.0)
    return (min(low, 0.0), max(high, 255.0))


def to_gray(values, levels):
    """Scale ``values`` linearly so ``levels = (low, high)`` maps to 0..255; return uint8.

    Examples
    --------
    >>> import numpy as np
    >>> to_gray(np.array([-1.0, 0.5, 2.0]), (0.0, 1.0)).tolist()
    [0, 128, 255]
    """
    low, high = float(levels[0]), float(levels[1])
    if not high > low:
        raise ValueError(f"levels must be (low, high) with high > low, got {tuple(levels)}")
    scaled = (np.asarray(values, dtype=np.float64) - low) * (255.0 / (high - low))
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)


def render_tile(values, levels, lut=None):
    """One 2-D map as uint8 pixels: gray ``(h, w)``, or ``(h, w, 3)`` through ``lut``.

    ``lut`` is a ``(256, 3)`` uint8 RGB lookup table (e.g. a colormap's).
    """
    gray = to_gray(values, levels)
    if lut is None:
        return gray
    lut = np.asarray(lut, dtype=np.uint8)
    if lut.shape != (256, 3):
        raise ValueError(f"lut must be a (256, 3) uint8 table, got shape {lut.shape}")
    return lut[gray]


def mapped_values(values, mapping):
    """The values actually displayed: ``|x|`` for ``'abs'``, unchanged otherwise."""
    return np.abs(values) if mapping == "abs" else values


def levels_for(values, mapping, image_range=(0.0, 255.0), *, found=None):
    """Display levels ``(low, high)`` for ``values`` under ``mapping``.

    ``image_range`` is the value range of the source images ((0, 1) for float data in [0, 1],
    (0, 255) for 8-bit), which ``'clip'`` uses. Only finite values count: a NaN or an inf
    never blacks out the rest (all non-finite gives ``(0, 1)``). ``found``, when given, is
    ``finite_range(values)`` computed before (e.g. off the GUI thread, with the values):
    ``values`` are then not read again.

    Examples
    --------
    >>> import numpy as np
    >>> levels_for(np.array([-2.0, 1.0]), 'symmetric')
    (-2.0, 2.0)
    >>> levels_for(np.array([np.nan, 3.0, np.inf, 5.0]), 'minmax')
    (3.0, 5.0)
    >>> levels_for(None, 'abs', found=(-4.0, -1.0))
    (1.0, 4.0)
    >>> levels_for(np.zeros(4), 'symmetric')
    (-1.0, 1.0)
    """
    if mapping == "clip":
        return (float(image_range[0]), float(image_range[1]))
    if found is None:
        found = finite_range(values)
    if mapping == "abs" and found is not None:
        if found[0] >= 0 or found[1] <= 0:  # one sign: the range of |x| follows from x's
            found = tuple(sorted(abs(v) for v in found))
        else:  # |x| closest to 0 is not known from the ends
            found = finite_range(np.abs(values))
    low, high = (0.0, 1.0) if found is None else found
    if mapping == "symmetric":
        bound = max(abs(low), abs(high)) or 1.0  # all zeros: 0 stays in the middle (white)
        low, high = -bound, bound
    if high <= low:
        high = low + 1.0
    return (float(low), float(high))


def draw_label(canvas, text, row, col, *, scale=1, value=255):
    """Draw ``text`` (digits, ``-``, ``#``, space) into ``canvas`` with the 3×5 pixel font.

    Characters the font lacks are drawn as ``?``. Text that runs past the edge is clipped.
    Returns the width drawn, in pixels.

    Examples
    --------
    >>> import numpy as np
    >>> canvas = np.zeros((5, 8), np.uint8)
    >>> draw_label(canvas, "17", 0, 0)
    7
    >>> canvas[0].tolist()
    [0, 255, 0, 0, 255, 255, 255, 0]
    """
    h, w = canvas.shape[:2]
    x = col
    for char in str(text):
        rows = _FONT.get(char, _FONT["?"])
        glyph = np.array([[(bits >> (2 - b)) & 1 for b in range(3)] for bits in rows], bool)
        glyph = np.repeat(np.repeat(glyph, scale, axis=0), scale, axis=1)
        r1, c1 = min(h, row + glyph.shape[0]), min(w, x + glyph.shape[1])
        if r1 > row and c1 > x:
            region = canvas[row:r1, x:c1]
            region[glyph[:r1 - row, :c1 - x]] = value
        x += 4 * scale
    return max(0, x - col - scale)


def contact_sheet(outputs, labels=None, *, rows=10, columns=10, first=0, features=None,
                  levels=None, lut=None, scale=None, gap=2):
    """An overview picture: a ``rows × columns`` grid of processed images with their labels.

    Each cell shows the feature maps of one image side by side (or only ``features``), enlarged
    ``scale`` times, with the label drawn below in a digit font.

    Parameters
    ----------
    outputs : ndarray, shape (n, oh, ow, nc)
    labels : ndarray, shape (n,), optional
    rows, columns : int
        Grid size; the sheet shows images ``first`` to ``first + rows * columns - 1`` (fewer when
        the data ends sooner; the grid then shrinks to the rows needed).
    features : list of int, optional
        Which feature maps to show in each cell (all by default).
    levels : ndarray (nc, 2), optional
        Display levels per map; :func:`feature_levels` of the shown images by default.
    lut : ndarray (256, 3), optional
        Colour lookup table; gray when omitted.
    scale : int, optional
        Pixel enlargement; by default the smallest that makes a map at least 32 pixels tall.
    gap : int
        Pixels between cells and maps.

    Returns
    -------
    ndarray of uint8, (H, W) gray or (H, W, 3) RGB.

    Examples
    --------
    >>> import numpy as np
    >>> contact_sheet(np.random.rand(6, 13, 13, 1), np.arange(6), rows=2, columns=3).shape
    (112, 125)
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 4:
        raise ValueError(f"outputs must be (n, oh, ow, nc), got shape {outputs.shape}")
    for name, value in (("rows", rows), ("columns", columns)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    n, oh, ow, nc = outputs.shape
    if not 0 <= first < n:
        raise ValueError(f"first must be in 0..{n - 1}, got {first}")
    features = list(range(nc)) if features is None else [int(k) for k in features]
    if not features or any(not 0 <= k < nc for k in features):
        raise ValueError(f"features must be indices in 0..{nc - 1}, got {features}")
    shown = outputs[first:first + rows * columns]
    count = len(shown)
    rows = -(-count // columns)
    columns = min(columns, count)
    if levels is None:
        levels = feature_levels(shown)
    scale = max(1, -(-32 // oh)) if scale is None else int(scale)
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    map_h, map_w = oh * scale, ow * scale
    text_scale = max(1, min(3, map_h // 16))
    caption = 0 if labels is None else 5 * text_scale + 2 * gap
    cell_w = len(features) * map_w + (len(features) - 1) * gap
    cell_h = map_h + caption
    height = rows * cell_h + (rows + 1) * gap
    width = columns * cell_w + (columns + 1) * gap
    sheet = np.zeros((height, width) + (() if lut is None else (3,)), np.uint8)
    for i in range(count):
        top = gap + (i // columns) * (cell_h + gap)
        left = gap + (i % columns) * (cell_w + gap)
        for slot, k in enumerate(features):
            tile = render_tile(shown[i, :, :, k], levels[k], lut)
            if scale > 1:
                tile = np.repeat(np.repeat(tile, scale, axis=0), scale, axis=1)
            x = left + slot * (map_w + gap)
            sheet[top:top + map_h, x:x + map_w] = tile
        if labels is not None:
            draw_label(sheet, str(int(labels[first + i])), top + map_h + gap, left,
                       scale=text_scale)
    return sheet


# --------------------------------------------------------------------------------------------
# a folder of PNGs


def _safe(text):
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in str(text))


def png_names(count, nc, *, start=0, labels=None, class_names=None):
    """File names for a PNG folder: one per image per feature map, with index and label.

    ``00042_label7.png`` for one feature map, ``00042_label7_k2.png`` for the second of several;
    ``_label7-horse`` when class names are known; no label part for unlabelled data. Indices are
    the source's (``start + i``), zero-padded to the same width.

    Examples
    --------
    >>> png_names(2, 1, start=9, labels=[3, 5])
    ['09_label3.png', '10_label5.png']
    >>> png_names(1, 2)
    ['0_k1.png', '0_k2.png']
    """
    width = len(str(start + count - 1))
    names = []
    for i in range(count):
        stem = f"{start + i:0{width}d}"
        if labels is not None:
            label = int(labels[i])
            stem += f"_label{label}"
            if class_names and 0 <= label < len(class_names):
                stem += f"-{_safe(class_names[label])}"
        if nc == 1:
            names.append(stem + ".png")
        else:
            names.extend(f"{stem}_k{k + 1}.png" for k in range(nc))
    return names


def png_folder_conflicts(folder, names):
    """The names in ``names`` that already exist in ``folder`` (empty when it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    existing = set(os.listdir(folder))
    return [name for name in names if name in existing]


def iter_png_folder(folder, outputs, *, start=0, labels=None, class_names=None, levels=None,
                    lut=None, overwrite=False, step=500):
    """Write one PNG per image per feature map into ``folder``, yielding progress.

    The PNGs are first written into a temporary folder beside ``folder``; only when all are
    written do they move in (a new ``folder`` is simply renamed into place). Stopping the
    iteration early, or an error, removes the temporary folder: nothing is left behind.

    Parameters
    ----------
    folder : str or Path
        Target folder; created when missing.
    outputs : ndarray, shape (n, oh, ow, nc)
    start : int
        Source index of ``outputs[0]``, used in the file names (:func:`png_names`).
    labels, class_names : optional
        For the file names.
    levels, lut :
        See :func:`contact_sheet`; levels default to :func:`feature_levels` of ``outputs``.
    overwrite : bool
        Replace PNGs of the same names already in ``folder``; otherwise a conflict raises
        ``FileExistsError`` before anything is written.
    step : int
        Images between progress reports.

    Yields
    ------
    (done, total) : images written so far, out of ``n``.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "maps")
    >>> list(iter_png_folder(target, np.random.rand(3, 4, 4, 1), labels=[1, 2, 3]))
    [(3, 3)]
    >>> sorted(os.listdir(target))
    ['0_label1.png', '1_label2.png', '2_label3.png']
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 4:
        raise ValueError(f"outputs must be (n, oh, ow, nc), got shape {outputs.shape}")
    folder = Path(folder)
    parent = folder.parent if str(folder.parent) else Path(".")
    if not parent.is_dir():
        raise OSError(f"folder does not exist: {parent}")
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    n, _, _, nc = outputs.shape
    names = png_names(n, nc, start=start, labels=labels, class_names=class_names)
    conflicts = png_folder_conflicts(folder, names)
    if conflicts and not overwrite:
        raise FileExistsError(f"{folder} already holds {len(conflicts)} of the PNG files, "
                              f"e.g. {conflicts[0]}")
    return _write_pngs(folder, parent, outputs, names, levels, lut, max(1, int(step)))


def _write_pngs(folder, parent, outputs, names, levels, lut, step):
    n, _, _, nc = outputs.shape
    with atomic_folder(folder) as temp:
        if levels is None:
            levels = feature_levels(outputs)
        for first in range(0, n, step):
            block = np.asarray(outputs[first:first + step])
            for i in range(len(block)):
                for k in range(nc):
                    data = encode_png(render_tile(block[i, :, :, k], levels[k], lut), level=6)
                    with open(temp / names[(first + i) * nc + k], "wb") as fh:
                        fh.write(data)
            yield min(n, first + step), n
        if not folder.exists():
            os.rename(temp, folder)
        else:
            # All or nothing: a failed rename puts back the files already replaced.
            commit_renames([(temp / name, folder / name) for name in names])
