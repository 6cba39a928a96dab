"""An image item that draws large float feature maps in a few milliseconds.

pyqtgraph turns a float image into colours with a buffered per-chunk loop (about 10 ns a
pixel: 40 ms for one 2048×2048 map, half a second for a tab of twelve), and always at the map's
full size although the screen shows a few hundred pixels of it. :class:`MapImageItem` keeps
pyqtgraph's behaviour (the same levels, lookup table and colour indices: ``(x − low) · 256 /
(high − low)`` clipped to 0–255) but

* converts only every ``f``-th row and column when one screen pixel covers ``f`` map pixels (the
  nearest-neighbour sampling the painter did anyway when drawing the full-size picture), and
  re-converts when zooming changes ``f``;
* converts with whole-array NumPy operations into an 8-bit indexed picture.

8-bit RGB pictures shown in their own range (0–255, the input photo) are sampled the same way.
The item's ``image`` (what read-outs, levels and histograms use) stays the full map. Anything
else (gray or integer pictures, callable lookup tables) is drawn by pyqtgraph itself.
"""

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPointF
from PyQt5.QtGui import QImage, qRgb

__all__ = ["MapImageItem", "color_indices", "screen_step"]


def color_indices(values, levels, colors=256):
    """Colour-table indices of a float map, as pyqtgraph computes them: ``uint8`` ``(h, w)``.

    Examples
    --------
    >>> import numpy as np
    >>> color_indices(np.array([[-1.0, 0.0, 0.5, 1.0, 2.0, np.nan]]), (0.0, 1.0)).tolist()
    [[0, 0, 128, 255, 255, 0]]
    """
    low, high = float(levels[0]), float(levels[1])
    span = high - low
    if span == 0:
        span = 1.0
    scaled = np.subtract(values, low, dtype=np.float32)
    scaled *= np.float32(colors / span)
    np.fmax(scaled, 0, out=scaled)  # fmax: NaN becomes the lowest colour, never a bad cast
    np.minimum(scaled, colors - 1, out=scaled)
    return scaled.astype(np.uint8)


def screen_step(device_length):
    """How many map pixels one screen pixel covers, given one map pixel's length on screen.

    Examples
    --------
    >>> screen_step(0.2), screen_step(3.0), screen_step(0.0)
    (5, 1, 1)
    """
    if not device_length > 0:
        return 1
    return max(1, int(1.0 / device_length))


_tables = {}


def _color_table(lut):
    """The QImage colour table of a ``(256, 3)`` uint8 lookup table (cached by content)."""
    key = lut.tobytes()
    if key not in _tables:
        if len(_tables) > 16:
            _tables.clear()
        _tables[key] = [qRgb(int(r), int(g), int(b)) for r, g, b in lut]
    return _tables[key]


class MapImageItem(pg.ImageItem):
    """A :class:`pyqtgraph.ImageItem` with a fast path for float maps with a colour table."""

    def __init__(self, *args, **kwargs):
        self._step = (1, 1)
        self._pixels = None  # the pixels the current QImage points at
        super().__init__(*args, **kwargs)

    def _fast_path(self):
        """``'map'`` (float map and colour table), ``'rgb'`` (8-bit RGB picture shown as it
        is) or None (pyqtgraph renders it)."""
        image, lut, levels = self.image, self.lut, self.levels
        if (image is None or image.size == 0 or self.autoDownsample or levels is None
                or self.axisOrder != "row-major"):
            return None
        if (image.ndim == 2 and image.dtype.kind == "f" and isinstance(lut, np.ndarray)
                and lut.dtype == np.uint8 and lut.shape == (256, 3) and np.ndim(levels) == 1):
            return "map"
        if (image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8 and lut is None
                and np.ndim(levels) == 1 and tuple(map(float, levels)) == (0.0, 255.0)):
            return "rgb"
        return None

    def _screen_steps(self):
        origin = self.mapToDevice(QPointF(0, 0))
        if origin is None:
            return 1, 1
        right, down = self.mapToDevice(QPointF(1, 0)), self.mapToDevice(QPointF(0, 1))
        return (screen_step(pg.Point(right - origin).length()),
                screen_step(pg.Point(down - origin).length()))

    def render(self):
        path = self._fast_path()
        if path is None:
            self._pixels = None
            super().render()
            return
        self._step = self._screen_steps()
        xs, ys = self._step
        sampled = self.image[::ys, ::xs]
        h, w = sampled.shape[:2]
        if path == "map":
            pixels = np.ascontiguousarray(color_indices(sampled, self.levels))
            qimage = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_Indexed8)
            qimage.setColorTable(_color_table(self.lut))
        else:
            pixels = np.ascontiguousarray(sampled)
            qimage = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_RGB888)
        self._pixels = pixels  # the QImage reads this memory: keep it alive with the picture
        self.qimage = qimage
        self._renderRequired = False
        self._unrenderable = False

    def viewTransformChanged(self):
        super().viewTransformChanged()
        if self._pixels is not None and self._screen_steps() != self._step:
            self._renderRequired = True
            self.update()
