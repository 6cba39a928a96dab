"""Numbers on pixels: each pixel's value written on it once it is drawn large enough to read.

A :class:`PixelNumbers` item sits on a map (above the image, below the step-through cover) and
paints the value of every *visible* pixel in black or white, whichever contrasts with the
pixel's colour, when a pixel is at least :data:`MIN_CELL_PX` wide on screen (a small map such
as the 8×8 lesson crop from :data:`SMALL_MAP_CELL_PX` on). Only the cells in view are
formatted, so zooming into a large photo costs no more than a digit.
"""

import numpy as np
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetrics
from PyQt5.QtWidgets import QGraphicsObject

from core.kernels import format_weight

__all__ = ["PixelNumbers", "MIN_CELL_PX", "SMALL_MAP_CELL_PX", "pixel_text", "text_is_dark",
           "MAX_CELLS"]

#: A pixel this wide on screen (or wider) shows its value.
MIN_CELL_PX = 28
#: Maps of at most 8×8 pixels (the lesson crop) show values from this width on.
SMALL_MAP_CELL_PX = 14
#: Never format more cells than this in one paint (a safety net; 28 px cells on a 4K screen
#: are fewer).
MAX_CELLS = 12_000
#: The smallest type a pixel's number is written in; a cell too narrow for it shows none.
MIN_FONT_PX = 8


def pixel_text(value, width_chars=4):
    """The shortest text for ``value`` that fits in about ``width_chars`` characters.

    Examples
    --------
    >>> pixel_text(255.0), pixel_text(0.123456), pixel_text(-0.5), pixel_text(float("nan"))
    ('255', '0.12', '-0.5', 'NaN')
    """
    value = float(value)
    if not np.isfinite(value):
        return "NaN" if np.isnan(value) else ("∞" if value > 0 else "−∞")
    candidates = []
    for digits in (3, 2, 1):
        text = format_weight(value, digits)
        candidates.append(text)
        if len(text) <= width_chars:
            return text
    return min(candidates, key=len)


def text_is_dark(rgb):
    """For ``(n, 3)`` uint8 pixel colours: True where dark text reads best (light pixels).

    Examples
    --------
    >>> text_is_dark(np.array([[255, 255, 255], [0, 0, 0]])).tolist()
    [True, False]
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    luminance = 0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]
    return luminance >= 140


class PixelNumbers(QGraphicsObject):
    """Paints the values of one :class:`~convgui.map_plot.MapPlot`'s visible pixels."""

    def __init__(self, map_plot):
        super().__init__()
        self.map_plot = map_plot
        self.setZValue(4)  # above the image, below the step-through cover (5) and marks
        self.drawn = 0     # cells written in the last paint (tests and benchmarks read it)
        self.cells = {}    # (row, col) → (text, dark text?) of the last paint
        map_plot.view_box.sigRangeChanged.connect(self._on_range_changed)

    def _on_range_changed(self, *_):
        self.update()

    def boundingRect(self):
        rect = self.map_plot.rect
        return QRectF() if rect is None else QRectF(rect)

    def refresh(self):
        """Repaint after the map's values changed."""
        self.prepareGeometryChange()
        self.update()

    def _threshold(self):
        values = self.map_plot.values
        if values is not None and np.shape(values)[0] * np.shape(values)[1] <= 64:
            return SMALL_MAP_CELL_PX
        return MIN_CELL_PX

    def paint(self, painter, option, widget=None):
        self.drawn = 0
        self.cells = {}
        self.fit = None
        plot = self.map_plot
        shown = plot.image_item.image
        if shown is None or plot.rect is None or np.ndim(shown) != 2:
            return
        values = plot.values
        # The raw values when they are what is drawn (|x| mapping shows |x|, the numbers stay
        # signed); the drawn array itself for the padded input.
        if values is None or np.shape(values) != np.shape(shown):
            values = shown
        transform = painter.worldTransform()
        cell = transform.mapRect(QRectF(0, 0, 1, 1))
        size = min(abs(cell.width()), abs(cell.height()))
        if size < self._threshold():
            return
        top, left = plot.rect.top(), plot.rect.left()
        (x0, x1), (y0, y1) = plot.view_box.viewRange()
        rows, cols = values.shape
        r0 = max(int(np.floor(y0 - top)), 0)
        r1 = min(int(np.ceil(y1 - top)), rows)
        c0 = max(int(np.floor(x0 - left)), 0)
        c1 = min(int(np.ceil(x1 - left)), cols)
        if r1 <= r0 or c1 <= c0 or (r1 - r0) * (c1 - c0) > MAX_CELLS:
            return
        block = np.asarray(values[r0:r1, c0:c1], dtype=np.float64)
        dark = text_is_dark(self._colours(np.asarray(shown)[r0:r1, c0:c1]))
        font = QFont(painter.font())
        pixels = int(max(MIN_FONT_PX, min(28, size * 0.34)))
        font.setPixelSize(pixels)
        metrics = QFontMetrics(font)
        chars = max(2, int(size * 0.9 / metrics.averageCharWidth()))
        texts = [[pixel_text(v, width_chars=chars) for v in row] for row in block]
        widest = max(metrics.horizontalAdvance(t) for row in texts for t in row)
        if widest > size - 2:  # smaller type so neighbours never run together, or no numbers
            pixels = int(pixels * (size - 2) / widest)
            if pixels < MIN_FONT_PX:
                return
            font.setPixelSize(pixels)
            widest = max(QFontMetrics(font).horizontalAdvance(t) for row in texts for t in row)
        self.fit = (widest, size)  # the widest number and the cell it went into, in screen px
        painter.save()
        painter.resetTransform()
        painter.setClipRect(transform.mapRect(QRectF(x0, y0, x1 - x0, y1 - y0)))
        painter.setFont(font)
        for i, row in enumerate(texts):
            for j, text in enumerate(row):
                rect = transform.mapRect(QRectF(left + c0 + j, top + r0 + i, 1, 1))
                painter.setPen(QColor(20, 20, 20) if dark[i, j] else QColor(250, 250, 250))
                painter.drawText(rect, Qt.AlignCenter, text)
                self.cells[(r0 + i, c0 + j)] = (text, bool(dark[i, j]))
                self.drawn += 1
        painter.restore()

    def _colours(self, shown):
        """The RGB each pixel of ``shown`` (the displayed values) is drawn in."""
        item = self.map_plot.image_item
        shown = np.asarray(shown, dtype=np.float64)
        if shown.ndim == 3:
            return np.clip(shown[..., :3], 0, 255)
        levels = item.getLevels()
        low, high = (0.0, 1.0) if levels is None else (float(levels[0]), float(levels[1]))
        scaled = (np.nan_to_num(shown, nan=low, posinf=high, neginf=low) - low) / (
            (high - low) or 1.0)
        index = np.clip(np.rint(scaled * 255), 0, 255).astype(int)
        lut = item.lut
        if callable(lut):   # the levels histogram's gradient, attached to the selected map
            lut = lut(item.image, 256)
        if lut is None:
            return np.repeat(index[..., None], 3, axis=-1)
        lut = np.asarray(lut)
        index = np.clip(np.rint(scaled * (len(lut) - 1)), 0, len(lut) - 1).astype(int)
        return lut[index][..., :3]
