"""One map of a board: a titled, zoomable image with its marks, step-through cover, NaN holes and
numbers on its pixels (:class:`MapPlot`). The feature-map, pipeline, compare and layers boards
are made of them; the board they belong to sets their view (:mod:`convgui.board_scale`).
"""

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QBrush, QColor, QPainterPath, QPen
from PyQt5.QtWidgets import QGraphicsItem, QGraphicsPathItem

from .map_image import MapImageItem
from .pixel_numbers import PixelNumbers

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

__all__ = ["MapPlot", "TITLE_MIN_SCALE", "COVER_FILL"]

MARK_EDGE = QColor(0, 230, 120)
MARK_FILL = QColor(0, 230, 120, 60)
#: NaN and ±inf pixels: magenta, a colour no colormap of the app uses.
HOLE_COLOUR = (255, 0, 255, 255)
#: The board background: outputs not yet computed in step-through look empty.
COVER_FILL = "#1e1e1e"


def _let_title_shrink(label):
    """Keep a long map title from widening the board: it shrinks to fit its map instead (down
    to :data:`TITLE_MIN_SCALE` of its size), and only then is clipped, aligned left.

    pyqtgraph's ``LabelItem`` makes its text's width its minimum width on every text change and
    resize, which at 1024 px pushed the last maps of a board out of the window. The tooltip
    holds the whole title.
    """
    own_minimum = label.updateMin

    def update_min():
        # The size hints from the text at its own size, not shrunk: hints that followed the
        # shrinking fed back into the layout, which then resized the maps back and forth
        # for ever (hundreds of refits a second with the window idle).
        label.item.setScale(1.0)
        own_minimum()
        label.setMinimumWidth(0)
        room = label.rect()
        text = label.item.boundingRect()
        if room.width() <= 0 or text.width() <= 0:
            return
        scale = min(1.0, max(TITLE_MIN_SCALE, room.width() / text.width()))
        label.item.setScale(scale)
        width, height = text.width() * scale, text.height() * scale
        left = room.left() + max(0.0, (room.width() - width) / 2)  # centred, or clipped at right
        label.item.setPos(left - text.left() * scale,
                          room.top() + (room.height() - height) / 2 - text.top() * scale)

    label.updateMin = update_min
    label.setMinimumWidth(0)
    label.setFlag(QGraphicsItem.ItemClipsChildrenToShape)


#: The smallest a map title is drawn, as a fraction of its size, before it is clipped.
TITLE_MIN_SCALE = 0.6


class MapPlot:
    """One titled, zoomable image: a PlotItem without axes holding an ImageItem."""

    #: Font size of every map title (presentation mode enlarges it).
    title_size = "11pt"

    def __init__(self, name):
        self.name = name
        self.plot = pg.PlotItem(enableMenu=False)  # no menus built only to be dropped
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        _let_title_shrink(self.plot.titleLabel)
        # Square pixels come from the board's one scale (convgui.board_scale), set on both axes.
        self.plot.setAspectLocked(False)
        self._title = None  # (text, size) set last
        self.image_item = MapImageItem()
        self.plot.addItem(self.image_item)
        self.values = None
        self.rect = None  # the map's rectangle in data coordinates (what the board fits)
        self.auto_levels = None  # the levels the map got from its mapping (before any by hand)
        self.origin = (0, 0)
        self.marked, self.marked_outline = [], None
        self.marks = QGraphicsPathItem()
        pen = QPen(MARK_EDGE)
        pen.setCosmetic(True)
        pen.setWidthF(2)
        self.marks.setPen(pen)
        self.marks.setBrush(QBrush(MARK_FILL))
        self.marks.setZValue(10)
        self.view_box.addItem(self.marks, ignoreBounds=True)
        self.outline = QGraphicsPathItem()
        self.outline.setPen(pen)
        self.outline.setZValue(11)
        self.view_box.addItem(self.outline, ignoreBounds=True)
        # Hides the outputs not computed yet during step-through: two rectangles moved per
        # step, so a frame costs the same on a 2048x2048 map as on a digit (no re-render).
        self.cover = QGraphicsPathItem()
        self.cover.setPen(QPen(Qt.NoPen))
        self.cover.setBrush(QBrush(QColor(COVER_FILL)))
        self.cover.setZValue(5)
        self.view_box.addItem(self.cover, ignoreBounds=True)
        self.numbers = PixelNumbers(self)
        self.view_box.addItem(self.numbers, ignoreBounds=True)
        # NaN and ±inf pixels, drawn in a colour no colormap uses.
        self.holes = pg.ImageItem()
        self.holes.setZValue(3)
        self.view_box.addItem(self.holes, ignoreBounds=True)
        self.hole_count = 0

    def cover_after(self, row, col, shape):
        """Hide every cell after ``(row, col)`` in raster order of a map of ``shape``
        ``(rows, cols)``; ``row=None`` shows everything again."""
        path = QPainterPath()
        if row is not None:
            rows, cols = shape
            top, left = self.origin
            if col + 1 < cols:
                path.addRect(QRectF(left + col + 1, top + row, cols - col - 1, 1))
            if row + 1 < rows:
                path.addRect(QRectF(left, top + row + 1, cols, rows - row - 1))
        self.cover.setPath(path)

    def is_covered(self, row, col):
        """True when cell ``(row, col)`` is hidden by :meth:`cover_after`."""
        top, left = self.origin
        return self.cover.path().contains(QPointF(left + col + 0.5, top + row + 0.5))

    def mark_cells(self, cells, outline=None):
        """Highlight ``cells`` (``(row, col)`` pairs) and optionally an ``outline`` rectangle
        ``(top, left, height, width)``; an empty list clears the highlight."""
        cells = list(cells)
        if not cells and outline is None and not self.marked and self.marked_outline is None:
            return  # nothing marked before or now: no repaint (a hover clears every map)
        self.marked = cells
        self.marked_outline = outline
        path = QPainterPath()
        for row, col in cells:
            path.addRect(QRectF(col, row, 1, 1))
        self.marks.setPath(path)
        frame = QPainterPath()
        if outline is not None:
            top, left, height, width = outline
            frame.addRect(QRectF(left, top, width, height))
        self.outline.setPath(frame)

    @property
    def view_box(self):
        return self.plot.getViewBox()

    def set_title(self, text):
        if self._title == (text, MapPlot.title_size):
            return  # the same title again (every result sets it): no relayout of the board
        self._title = (text, MapPlot.title_size)
        self.plot.setTitle(text, size=MapPlot.title_size)
        self.plot.titleLabel.setToolTip(text)  # the whole title, when a narrow map clips it

    def set_values(self, values, shown, levels, lut=None, origin=(0, 0), all_finite=None):
        """Show ``shown`` (already mapped) at ``origin`` = (top, left); keep ``values`` for
        read-out. The board this map belongs to sets the view (:class:`BoardScale`).
        ``all_finite=True`` (known where the values were computed) skips looking for NaN."""
        self.values = values
        self.origin = origin
        self.auto_levels = None if levels is None else tuple(float(v) for v in levels)
        shown = np.asarray(shown)
        bad = None
        if shown.dtype.kind == "f" and all_finite is not True:
            finite = np.isfinite(shown)
            if not finite.all():
                bad = ~finite if finite.ndim == 2 else ~finite.all(axis=2)
                low, high = (0.0, 1.0) if levels is None else levels
                shown = np.nan_to_num(shown, nan=low, posinf=high, neginf=low)
        self.image_item.setImage(shown, levels=levels, lut=lut, autoLevels=False)
        top, left = origin
        self.rect = QRectF(left, top, shown.shape[1], shown.shape[0])
        self.image_item.setRect(self.rect)
        self._show_holes(bad)
        self.numbers.refresh()

    def _show_holes(self, bad):
        self.hole_count = 0 if bad is None else int(bad.sum())
        if not self.hole_count:
            self.holes.clear()
            self.holes.setVisible(False)
            return
        rgba = np.zeros(bad.shape + (4,), dtype=np.uint8)
        rgba[bad] = HOLE_COLOUR
        self.holes.setImage(rgba, autoLevels=False, levels=(0, 255))
        self.holes.setRect(self.rect)
        self.holes.setVisible(True)

    def clear_values(self):
        """Show nothing (the values could not be computed)."""
        self.values = None
        self.rect = None
        self.auto_levels = None
        self.image_item.clear()
        self._show_holes(None)
        self.mark_cells([])
        self.cover_after(None, None, (0, 0))
        self.numbers.refresh()

    def screen_pixel_size(self):
        """On-screen width of one data pixel (scene px per column)."""
        if self.rect is None or self.rect.width() == 0:
            return None
        return self.image_item.sceneBoundingRect().width() / self.rect.width()

    def value_at(self, row, col):
        """The raw value at (row, col) in this map's coordinates, or None outside it.

        ``values`` start at (0, 0) when they are smaller than the picture drawn from ``origin``
        (the input without its padding); a padding cell reads the drawn, padded value.
        """
        if self.values is None:
            return None
        values, top, left = self.values, 0, 0
        shown = self.image_item.image
        if shown is not None and np.shape(shown)[:2] == np.shape(values)[:2]:
            top, left = self.origin
        r, c = row - top, col - left
        if 0 <= r < values.shape[0] and 0 <= c < values.shape[1]:
            return values[r, c]
        top, left = self.origin
        r, c = row - top, col - left
        if shown is not None and 0 <= r < shown.shape[0] and 0 <= c < shown.shape[1]:
            return shown[r, c]
        return None
