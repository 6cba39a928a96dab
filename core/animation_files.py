"""Write rendered animation frames as an animated GIF, an animated PNG or a folder of PNGs.

Frames are ``(h, w, 3)`` uint8 arrays from any sequence (``len`` and indexing), rendered one at a
time while the file is written, so memory stays at a few frames whatever the length. Each writer
is a generator yielding ``(done, total)``; the file appears only when the last frame is written
(temporary file or folder, then rename, see :mod:`core.atomic`): closing the generator early
(Cancel) or an error leaves nothing behind and any earlier file untouched.

* GIF: one palette of 256 colours for the whole animation, taken from the most frequent colours
  of the first and last frames (every flat cell colour fits; anti-aliased text edges go to the
  nearest colour). Pillow encodes the pixels (LZW); after the first frame only the rectangle
  that changed is stored.
* APNG: written here with :mod:`zlib` (full colour, changed rectangle only); Pillow, browsers and
  slide software decode it.
* Folder: ``frame_0001.png``, ``frame_0002.png``, ...
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import numpy as np

from .atomic import atomic_folder, atomic_path, commit_renames
from .sheets import PNG_SIGNATURE, encode_png, png_chunk, png_parts

__all__ = ["FORMATS", "FORMAT_LABELS", "animation_format", "frame_names", "frame_durations",
           "estimate_bytes", "iter_write_animation", "existing_frames", "MAX_FPS"]

FORMATS = ("gif", "apng", "frames")
FORMAT_LABELS = {"gif": "Animated GIF", "apng": "Animated PNG", "frames": "Folder of PNG frames"}
#: GIF stores delays in hundredths of a second; 50 frames per second is the practical limit.
MAX_FPS = 50
_FRAME_NAME = re.compile(r"frame_\d+\.png$")


def animation_format(path):
    """``'gif'``, ``'apng'`` (``.png``) or ``'frames'`` (a folder: no suffix or a trailing ``/``).

    Examples
    --------
    >>> animation_format("a.gif"), animation_format("a.png"), animation_format("slides/")
    ('gif', 'apng', 'frames')
    """
    text = str(path)
    suffix = Path(text).suffix.lower()
    if text.endswith(("/", os.sep)) or Path(text).is_dir() or not suffix:
        return "frames"
    if suffix == ".gif":
        return "gif"
    if suffix in (".png", ".apng"):
        return "apng"
    raise ValueError(f"output must end in .gif, .png or name a folder, got {text!r}")


def frame_names(count):
    """File names of a frame folder.

    Examples
    --------
    >>> frame_names(2)
    ['frame_0001.png', 'frame_0002.png']
    """
    width = max(4, len(str(count)))
    return [f"frame_{i + 1:0{width}d}.png" for i in range(count)]


def frame_durations(count, fps, hold=0.0):
    """Milliseconds each frame stays: ``1000 / fps``, the last at least ``hold`` seconds.

    GIF keeps hundredths of a second, so durations are whole multiples of 10 ms.

    Examples
    --------
    >>> frame_durations(3, 4, hold=1.0)
    [250, 250, 1000]
    """
    fps = _check_fps(fps)
    if not np.isfinite(hold) or hold < 0:
        raise ValueError(f"hold must be >= 0 seconds, got {hold!r}")
    step = 10 * max(2, round(100 / fps))
    durations = [step] * count
    if count:
        durations[-1] = max(step, 10 * round(100 * hold))
    return durations


def _check_fps(fps):
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)) \
            or not 0 < fps <= MAX_FPS:
        raise ValueError(f"fps must be a number in (0, {MAX_FPS}], got {fps!r}")
    return float(fps)


def _check_plays(plays):
    if isinstance(plays, bool) or not isinstance(plays, (int, np.integer)) or plays < 0:
        raise ValueError(f"loop must be 0 (forever) or a positive number of plays, got {plays!r}")
    if plays > 65535:
        raise ValueError(f"loop must be at most 65535 plays, got {plays}")
    return int(plays)


def _changed_box(changed):
    """``(top, left, bottom, right)`` (bottom/right exclusive) around the True cells, or None."""
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(changed.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _frame(frames, index, shape=None):
    pixels = np.asarray(frames[index])
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"frames must be (h, w, 3) uint8 arrays, frame {index} is "
                         f"{pixels.dtype} {pixels.shape}")
    if shape is not None and pixels.shape != shape:
        raise ValueError(f"frames must all have the same size, frame {index} is "
                         f"{pixels.shape[:2]}, not {shape[:2]}")
    return pixels


# --------------------------------------------------------------------------------------------
# GIF


def _pack(pixels):
    pixels = pixels.astype(np.uint32)
    return (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]


class _Palette:
    """255 colours for the whole animation (index 255 is "unchanged": transparent) and a fast
    colour → index lookup on 6 bits a channel, filled in as new colours appear."""

    UNCHANGED = 255
    _UNSET = 0xFFFF

    def __init__(self, samples):
        packed = np.concatenate([_pack(s).ravel() for s in samples])
        colours, counts = np.unique(packed, return_counts=True)
        chosen = colours[np.argsort(-counts, kind="stable")[:self.UNCHANGED]]
        rgb = np.stack([(chosen >> 16) & 255, (chosen >> 8) & 255, chosen & 255], axis=1)
        self.rgb = np.zeros((256, 3), np.uint8)
        self.rgb[:len(rgb)] = rgb
        self._used = self.rgb[:len(rgb)].astype(np.int32)
        self.table = np.full(1 << 18, self._UNSET, np.uint16)
        # A palette colour always maps to itself (unless two share a bin).
        self.table[self._bins(rgb)] = np.arange(len(rgb), dtype=np.uint16)

    @staticmethod
    def _bins(pixels):
        q = np.asarray(pixels, dtype=np.uint8) >> 2
        bins = q[..., 0].astype(np.uint32) << 12
        bins |= q[..., 1].astype(np.uint32) << 6
        bins |= q[..., 2]
        return bins

    def _fill(self, bins):
        centres = np.stack([(bins >> 12) & 63, (bins >> 6) & 63, bins & 63], axis=1)
        centres = centres.astype(np.int32) * 4 + 2
        for first in range(0, len(bins), 4096):
            block = centres[first:first + 4096]
            dist = ((block[:, None, :] - self._used[None, :, :]) ** 2).sum(axis=2)
            self.table[bins[first:first + 4096]] = np.argmin(dist, axis=1)

    def indices(self, pixels):
        bins = self._bins(pixels)
        found = self.table[bins]
        missing = found == self._UNSET
        if missing.any():
            self._fill(np.unique(bins[missing]))
            found = self.table[bins]
        return found.astype(np.uint8)


def _gif_image(indices, palette):
    from PIL import Image

    image = Image.frombytes("P", (indices.shape[1], indices.shape[0]), indices.tobytes())
    image.putpalette(palette.rgb.tobytes())
    return image


def _write_gif(fh, frames, count, durations, plays):
    from PIL import GifImagePlugin

    first = _frame(frames, 0)
    shape = first.shape
    samples = [first] + ([_frame(frames, count - 1, shape)] if count > 1 else [])
    palette = _Palette(samples)
    indices = palette.indices(first)
    image = _gif_image(indices, palette)
    info = {"optimize": False}
    if plays != 1:
        info["loop"] = 0 if plays == 0 else plays - 1
    header, _ = GifImagePlugin.getheader(image, palette.rgb.tobytes(), info)
    for part in header:
        fh.write(part)
    for part in GifImagePlugin.getdata(image, (0, 0), duration=durations[0], disposal=1):
        fh.write(part)
    yield 1
    previous_rgb = first
    for i in range(1, count):
        pixels = _frame(frames, i, shape)
        diff = pixels != previous_rgb
        changed = diff[..., 0] | diff[..., 1] | diff[..., 2]
        top, left, bottom, right = _changed_box(changed) or (0, 0, 1, 1)
        region = changed[top:bottom, left:right]
        piece = np.full(region.shape, palette.UNCHANGED, np.uint8)
        piece[region] = palette.indices(pixels[top:bottom, left:right][region])
        for part in GifImagePlugin.getdata(_gif_image(piece, palette), (left, top),
                                           duration=durations[i], disposal=1,
                                           transparency=palette.UNCHANGED):
            fh.write(part)
        previous_rgb = pixels
        yield i + 1
    fh.write(b";")


# --------------------------------------------------------------------------------------------
# APNG


def _rgba(pixels, opaque=None):
    """RGBA pixels: opaque everywhere, or transparent black where ``opaque`` is False."""
    out = np.empty(pixels.shape[:2] + (4,), np.uint8)
    out[..., :3] = pixels
    if opaque is None:
        out[..., 3] = 255
    else:
        out *= opaque[..., None]
        out[..., 3] = opaque * np.uint8(255)
    return out


def _write_apng(fh, frames, count, durations, plays):
    first = _frame(frames, 0)
    shape = first.shape
    header, data = png_parts(_rgba(first), level=6)
    fh.write(PNG_SIGNATURE + png_chunk(b"IHDR", header)
             + png_chunk(b"acTL", struct.pack(">II", count, plays)))
    sequence = 0

    def control(box, duration, blend):
        nonlocal sequence
        top, left, bottom, right = box
        # delay as duration/1000 s; dispose op 0 (none); blend op 0 (source) or 1 (over)
        chunk = png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", sequence, right - left,
                                               bottom - top, left, top, int(duration), 1000,
                                               0, blend))
        sequence += 1
        return chunk

    fh.write(control((0, 0) + shape[:2], durations[0], 0) + png_chunk(b"IDAT", data))
    yield 1
    previous = first
    for i in range(1, count):
        pixels = _frame(frames, i, shape)
        diff = pixels != previous
        changed = diff[..., 0] | diff[..., 1] | diff[..., 2]
        top, left, bottom, right = box = _changed_box(changed) or (0, 0, 1, 1)
        piece = _rgba(pixels[top:bottom, left:right], changed[top:bottom, left:right])
        _, data = png_parts(piece, level=6)
        fh.write(control(box, durations[i], 1))
        fh.write(png_chunk(b"fdAT", struct.pack(">I", sequence) + data))
        sequence += 1
        previous = pixels
        yield i + 1
    fh.write(png_chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------------
# the writers


def existing_frames(folder):
    """Names of the frame files (``frame_0001.png`` ...) already in ``folder``, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(name for name in os.listdir(folder) if _FRAME_NAME.match(name))


def _check_target(path, fmt, overwrite):
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OSError(f"folder does not exist: {parent}")
    if fmt == "frames":
        if path.exists() and not path.is_dir():
            raise FileExistsError(f"{path} is a file, not a folder")
        old = existing_frames(path)
        if old and not overwrite:
            raise FileExistsError(f"{path} already holds {len(old)} frame files, e.g. {old[0]}")
    else:
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder; give a file name")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists")
    return path, parent


def iter_write_animation(path, frames, *, fmt=None, fps=4, plays=0, hold=0.0,
                         overwrite=False):
    """Write ``frames`` to ``path``; a generator yielding ``(done, total)`` after each frame.

    Parameters
    ----------
    path : str or Path
        ``*.gif``, ``*.png`` (animated PNG) or a folder.
    frames : sequence of ndarray
        ``(h, w, 3)`` uint8 frames, all the same size, read one at a time.
    fmt : {'gif', 'apng', 'frames'}, optional
        Default: from ``path`` (:func:`animation_format`).
    fps : float
        Frames per second, up to :data:`MAX_FPS`.
    plays : int
        How often the animation plays: 0 forever (the default), 1 once, ...
    hold : float
        Seconds the last frame stays (at least one frame's time).
    overwrite : bool
        Replace an existing file (or the frame files in an existing folder); otherwise
        ``FileExistsError`` is raised before anything is written.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from PIL import Image
    >>> target = os.path.join(tempfile.mkdtemp(), "a.gif")
    >>> frames = [np.full((4, 6, 3), v, np.uint8) for v in (0, 255)]
    >>> list(iter_write_animation(target, frames, fps=5))
    [(1, 2), (2, 2)]
    >>> with Image.open(target) as im:
    ...     im.n_frames, im.size, im.info["duration"]
    (2, (6, 4), 200)
    """
    fmt = animation_format(path) if fmt is None else fmt
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    count = len(frames)
    if count < 1:
        raise ValueError("frames must hold at least one frame")
    durations = frame_durations(count, fps, hold)
    plays = _check_plays(plays)
    path, parent = _check_target(path, fmt, overwrite)
    if fmt == "frames":
        return _write_folder(path, parent, frames, count)
    return _write_file(path, fmt, frames, count, durations, plays)


def _write_file(path, fmt, frames, count, durations, plays):
    writer = _write_gif if fmt == "gif" else _write_apng
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            for done in writer(fh, frames, count, durations, plays):
                yield done, count
            fh.flush()
            os.fsync(fh.fileno())


def _write_folder(folder, parent, frames, count):
    names = frame_names(count)
    with atomic_folder(folder) as temp:
        temp = Path(temp)
        shape = None
        for i, name in enumerate(names):
            pixels = _frame(frames, i, shape)
            shape = pixels.shape
            with open(temp / name, "wb") as fh:
                fh.write(encode_png(pixels, level=6))
            yield i + 1, count
        if not folder.exists():
            os.rename(temp, folder)
        else:
            stale = [folder / name for name in existing_frames(folder) if name not in names]
            # All or nothing: a failed rename puts back the frames already replaced.
            commit_renames([(temp / name, folder / name) for name in names])
            for path in stale:
                os.unlink(path)


def estimate_bytes(frames, fmt):
    """About how many bytes writing ``frames`` as ``fmt`` takes, from encoding two frames.

    Examples
    --------
    >>> import numpy as np
    >>> estimate_bytes([np.zeros((8, 8, 3), np.uint8)] * 10, "frames") > 0
    True
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    count = len(frames)
    if count < 1:
        return 0
    if fmt == "frames":
        sample = [frames[0]] + ([frames[count // 2]] if count > 1 else [])
        return int(count * np.mean([len(encode_png(np.asarray(s))) for s in sample]))
    writer = _write_gif if fmt == "gif" else _write_apng

    def size(sample):
        counter = _Counter()
        for _ in writer(counter, sample, len(sample), [100] * len(sample), 0):
            pass
        return counter.size

    first = frames[0]
    if count == 1:
        return size([first])
    middle = [frames[count // 2], frames[count // 2 + 1 if count > 2 else 1]]
    step = size(middle) - size(middle[:1])
    return int(size([first]) + (count - 1) * step)


class _Counter:
    """A file that only counts the bytes written to it."""

    size = 0

    def write(self, data):
        self.size += len(data)
