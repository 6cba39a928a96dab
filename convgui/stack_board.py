"""The Layers tab's board: the input and every layer's maps in ONE view, at one scale.

A data pixel is equally large everywhere: a 14×14 map is half as wide as the 28×28 input.
:class:`StackBoard` draws the maps, finds the :class:`Spot` under the mouse, and outlines
what a pixel sees (its receptive field in the input, dashed where it reaches into the padding,
and the window it reads in the map before it).
"""

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPen
from PyQt5.QtWidgets import QGraphicsRectItem

from . import display
from .map_image import MapImageItem
from .pixel_ref import Spot

pg.setConfigOptions(imageAxisOrder="row-major")

__all__ = ["StackBoard", "FIELD_EDGE", "WINDOW_EDGE", "PIXEL_EDGE"]

FIELD_EDGE = QColor(0, 230, 120)
WINDOW_EDGE = QColor(255, 200, 0)
PIXEL_EDGE = QColor(255, 80, 200)


@dataclass
class _Placed:
    layer: int
    stage: str
    kernel: int
    top: float
    left: float
    values: np.ndarray
    item: object

    @property
    def rect(self):
        h, w = self.values.shape[:2]
        return QRectF(self.left, self.top, w, h)

    def contains(self, y, x):
        h, w = self.values.shape[:2]
        return self.top <= y < self.top + h and self.left <= x < self.left + w


def _pen(color, dashed=False, width=2):
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    if dashed:
        pen.setStyle(Qt.DashLine)
    return pen


class StackBoard(pg.GraphicsLayoutWidget):
    """The input and each layer's maps in one view at one scale.

    Signals
    -------
    hovered(object)
        The :class:`Spot` under the mouse, or None off every map.
    clicked(object)
        The :class:`Spot` left-clicked.
    """

    hovered = pyqtSignal(object)
    clicked = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("#1e1e1e")
        self.plot = self.addPlot()
        for axis in ("left", "bottom"):
            self.plot.hideAxis(axis)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.placed = []
        self.texts = []
        self.marks = []
        self._layout_key = None
        self._content = None
        self._title_font = QFont()
        self._title_font.setPointSize(8)
        self._last_spot = None
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=60,
                                     slot=self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    @property
    def view_box(self):
        return self.plot.getViewBox()

    # -- content -------------------------------------------------------------------------------

    def show_stack(self, source, results, specs, mapping, colormap_name, value_range):
        """Show ``source`` (the image) and every layer's ``results`` (batch of one)."""
        stages = [(-1, "input", np.asarray(source))]
        for layer, result in enumerate(results):
            stages.append((layer, "conv", result.activated[0]))
            if result.pooled is not None:
                stages.append((layer, "pooled", result.pooled[0]))
        key = tuple((layer, stage, values.shape) for layer, stage, values in stages)
        if key != self._layout_key:
            self._build(stages, specs)
            self._layout_key = key
        lut = display.lookup_table(colormap_name)
        for placed in self.placed:
            if placed.stage == "input":
                values = np.asarray(source)
                placed.values = values
                shown = values if values.ndim == 2 else \
                    (values[..., :3] if values.shape[2] in (3, 4) else values[..., 0])
                placed.item.setImage(shown, levels=value_range, autoLevels=False)
                placed.item.setRect(placed.rect)
                continue
            values = next(v for l, s, v in stages if l == placed.layer and s == placed.stage)
            values = values[:, :, placed.kernel]
            placed.values = values
            levels = display.levels_for(values, mapping, value_range)
            placed.item.setImage(display.mapped_values(values, mapping), levels=levels,
                                 lut=lut, autoLevels=False)
            placed.item.setRect(placed.rect)

    def _build(self, stages, specs):
        for item in [p.item for p in self.placed] + self.texts:
            self.plot.removeItem(item)
        self.clear_marks()
        self.placed, self.texts = [], []
        height = stages[0][2].shape[0]
        gap = max(2, round(height / 6))
        left = 0.0
        placed_titles = 0
        for layer, stage, values in stages:
            h, w = values.shape[:2]
            count = 1 if stage == "input" else values.shape[2]
            rows = max(1, math.ceil(math.sqrt(count)))
            cols = math.ceil(count / rows)
            inner = max(1, round(min(h, w) / 8))
            for k in range(count):
                r, c = divmod(k, cols)
                top, x = r * (h + inner), left + c * (w + inner)
                item = MapImageItem()  # drawn at the screen's resolution, not the map's
                self.plot.addItem(item)
                self.placed.append(_Placed(layer, stage, k, top, x, values, item))
            title = "Input" if stage == "input" else \
                f"L{layer + 1} {'conv' if stage == 'conv' else 'pool'}"
            title += f" {h}×{w}"
            # Every title just above its own block, every other one a line higher: neighbours
            # never collide, and each title stays next to the maps it names.
            below = False
            lift = placed_titles % 2
            placed_titles += 1
            text = pg.TextItem(title, color="#dddddd", anchor=(0, 1 + lift))
            text.setFont(self._title_font)
            text.setPos(left, -0.5)
            text.below = below
            self.plot.addItem(text)
            self.texts.append(text)
            left += cols * (w + inner) - inner + gap
        total_h = max(p.top + p.values.shape[0] for p in self.placed)
        for text in self.texts:
            if text.below:
                text.setPos(text.pos().x(), total_h + 0.5)
        self._content = (left - gap, total_h, height)
        self.fit_view()

    def fit_view(self):
        """Show every map, with room for two lines of titles above and below."""
        content = getattr(self, "_content", None)  # None until maps are shown
        if content is None:
            return
        width, total_h, height = content
        line = max((t.boundingRect().height() for t in self.texts),
                   default=QFontMetrics(self._title_font).height() + 8)
        lines = 2 * line + 4  # pixels per side: two staggered title lines
        pixels = self.view_box.height() or self.height()
        titled = pixels > 3 * lines  # a low board gives its room to the maps, not titles
        for text in self.texts:
            text.setVisible(titled)
        # The margin m (data units) that holds the titles: m / (total_h + 2m) = lines / pixels.
        margin = max(0.2 * height, lines * total_h / (pixels - 2 * lines)) if titled else \
            0.1 * height
        self.view_box.setRange(QRectF(0, -margin, width + width / 12, total_h + 2 * margin),
                               padding=0.02)

    def resizeEvent(self, event):  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        QTimer.singleShot(0, self.fit_view)  # once the view box has its new size

    # -- marks ---------------------------------------------------------------------------------

    def clear_marks(self):
        for item in self.marks:
            self.plot.removeItem(item)
        self.marks = []

    def _rect(self, placed, rows, cols, pen):
        item = QGraphicsRectItem(QRectF(placed.left + cols.start, placed.top + rows.start,
                                        len(cols), len(rows)))
        item.setPen(pen)
        item.setZValue(10)
        self.plot.addItem(item, ignoreBounds=True)
        self.marks.append(item)
        return item

    def maps_of(self, layer, stage, kernel=None):
        return [p for p in self.placed if p.layer == layer and p.stage == stage
                and (kernel is None or p.kernel == kernel)]

    def outline(self, layer, stage, rows, cols, *, kernel=None, kind="field"):
        """Outline ``rows`` × ``cols`` (ranges) on the maps of ``layer``'s ``stage``;
        ``kind`` is ``'field'`` (green), ``'padding'`` (green, dashed), ``'window'`` (yellow)
        or ``'pixel'`` (magenta)."""
        pen = {"field": _pen(FIELD_EDGE), "padding": _pen(FIELD_EDGE, dashed=True, width=1),
               "window": _pen(WINDOW_EDGE), "pixel": _pen(PIXEL_EDGE)}[kind]
        return [self._rect(p, rows, cols, pen) for p in self.maps_of(layer, stage, kernel)]

    # -- mouse ---------------------------------------------------------------------------------

    def spot_at(self, scene_pos):
        """The :class:`Spot` at a scene position, or None."""
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view_box.mapSceneToView(scene_pos)
        y, x = point.y(), point.x()
        for placed in self.placed:
            if placed.contains(y, x):
                return Spot(placed.layer, placed.stage, placed.kernel,
                            int(math.floor(y - placed.top)), int(math.floor(x - placed.left)))
        return None

    def scene_pos_of(self, spot):
        """The scene position of the centre of ``spot`` (for tests and scripts)."""
        placed = self.maps_of(spot.layer, spot.stage, spot.kernel)[0]
        return self.view_box.mapViewToScene(pg.Point(placed.left + spot.col + 0.5,
                                                     placed.top + spot.row + 0.5))

    def _on_mouse_moved(self, event):
        spot = self.spot_at(event[0])
        if spot != self._last_spot:
            self._last_spot = spot
            self.hovered.emit(spot)

    def _on_mouse_clicked(self, event):
        if event.button() != Qt.LeftButton:
            return
        spot = self.spot_at(event.scenePos())
        if spot is not None:
            self.clicked.emit(spot)
