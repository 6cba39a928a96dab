"""The picture: the padded input and the feature maps, side by side, with pixel-exact zoom.

Each map lives in its own :class:`~convgui.map_plot.MapPlot` (a PlotItem holding one image), titled
with its shape. Image coordinates are (row, col) with the origin at the top-left pixel of the
*unpadded* input, so padding sits at negative coordinates and hover positions need no offsets.
Views only display; they never change the state.
"""

import math

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QPainterPath, QPen
from PyQt5.QtWidgets import QGraphicsPathItem, QGraphicsRectItem, QLabel

from core import choices

from . import display
from .board_scale import BoardScale
from .map_plot import COVER_FILL, MapPlot
from .pixel_ref import PixelRef

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

__all__ = ["FeatureCanvas"]

PAD_FILL = QColor(80, 160, 255, 70)
PAD_EDGE = QColor(255, 170, 0)


class FeatureCanvas(pg.GraphicsLayoutWidget):
    """Input on the left, one row per kernel on the right: conv map, then pooled map.

    Signals
    -------
    hovered(str, int, int, int, object)
        ``(kind, kernel, row, col, value)`` under the mouse: kind is ``'input'``, ``'conv'`` or
        ``'pooled'``; value is None off the image.
    mapClicked(str, int)
        ``(kind, kernel)`` of a clicked output map (selects it for the levels control).
    pixelClicked(str, int, int, int)
        ``(kind, kernel, row, col)`` of a left click on any map (pins the inspector).
    mouseLeft()
        The mouse left the canvas.
    """

    hovered = pyqtSignal(str, int, int, int, object)
    mouseLeft = pyqtSignal()
    mapClicked = pyqtSignal(str, int)
    pixelClicked = pyqtSignal(str, int, int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground(COVER_FILL)
        self.input = MapPlot("input")
        self.conv = []
        self.pooled = []
        self._layout_key = None
        self._pad_items = []
        self._input_shown = None  # (image, key) on screen, see show_input
        self.board_scale = BoardScale(self)
        self._fitted_rects = None
        self.notice = QLabel(self)
        self.notice.setObjectName("canvasNotice")
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignCenter)
        self.notice.setStyleSheet("background: rgba(120, 0, 0, 220); color: white; "
                                  "padding: 10px; border-radius: 6px;")
        self.notice.hide()
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=60,
                                     slot=self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # -- layout ----------------------------------------------------------------------------

    def _ensure_layout(self, count, pooled):
        key = (count, pooled)
        if key == self._layout_key:
            return
        self.clear()
        self._layout_key = key
        self.conv = [self.conv[k] if k < len(self.conv) else MapPlot("conv")
                     for k in range(count)]
        self.pooled = [self.pooled[k] if k < len(self.pooled) else MapPlot("pooled")
                       for k in range(count)] if pooled else []
        pairs_per_row = 1 if count <= 3 else 2
        # The input takes one cell like every map (all boxes to one scale), above the others.
        self.addItem(self.input.plot, row=0, col=0)
        for k in range(count):
            row, slot = divmod(k, pairs_per_row)
            col = 1 + slot * (2 if pooled else 1)
            self.addItem(self.conv[k].plot, row=row, col=col)
            if pooled:
                self.addItem(self.pooled[k].plot, row=row, col=col + 1)
        self.board_scale.set_members([(plot.view_box, (lambda p=plot: p.rect), True)
                                      for _, _, plot in self.maps()])

    def _fit_board(self):
        """Give each column room in proportion to its maps' widths, and refit the one scale
        when a map's size changed (a zoom survives edits that keep the sizes)."""
        rects = tuple((p.rect.x(), p.rect.y(), p.rect.width(), p.rect.height())
                      for _, _, p in self.maps() if p.rect is not None)
        layout = self.ci.layout
        widths = {}
        for _, _, plot in self.maps():
            if plot.rect is None:
                continue
            index = self.ci.items.get(plot.plot)
            if index:
                _, col = index[0]
                widths[col] = max(widths.get(col, 0), plot.rect.width())
        for col, width in widths.items():
            layout.setColumnStretchFactor(col, max(1, int(round(width))))
        if rects != self._fitted_rects:
            self._fitted_rects = rects
            self.board_scale.reset()
        else:
            self.board_scale.apply()

    def show_notice(self, text):
        """Write ``text`` over the maps (None hides it): why nothing can be shown."""
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))
        self._place_notice()

    def _place_notice(self):
        width = max(200, int(self.width() * 0.7))
        self.notice.setFixedWidth(min(width, self.width()))
        self.notice.adjustSize()
        self.notice.move((self.width() - self.notice.width()) // 2,
                         max(8, self.height() - self.notice.height() - 16))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        notice = getattr(self, "notice", None)  # resized once while being built
        if notice is not None and notice.isVisible():
            self._place_notice()

    def show_failure(self, message, image, value_range):
        """The settings cannot be computed: only the input (unpadded), the outputs cleared,
        and the reason written over the maps."""
        self.clear_marks()
        for plot in self.conv + self.pooled:
            plot.clear_values()
            plot.set_title("—")
        self._input_shown = None
        if image is not None:
            self.show_input(image, ((0, 0), (0, 0)), value_range)
        self.show_notice(f"Cannot compute: {message}")

    def refresh_titles(self):
        """Draw every title again at ``MapPlot.title_size`` (presentation mode changes it)."""
        for _, _, plot in self.maps():
            plot.set_title(plot.plot.titleLabel.text)

    def reset_zoom(self):
        """Back to the fitted view of every map."""
        self.board_scale.reset()

    def maps(self):
        """All MapPlots currently shown, as ``(kind, kernel, MapPlot)``."""
        items = [("input", 0, self.input)]
        items += [("conv", k, plot) for k, plot in enumerate(self.conv)]
        items += [("pooled", k, plot) for k, plot in enumerate(self.pooled)]
        return items

    # -- content ---------------------------------------------------------------------------

    def show_input(self, image, pads, value_range, *, padded=None, stretch=(1, 1),
                   padding_mode="zeros"):
        """Show ``image`` ((h, w) or (h, w, c)) with its padding drawn around it.

        ``padded`` is the image with its padding filled (zeros when not given); ``stretch`` the
        stride of a transposed convolution whose stretched input ``image`` is (titled so). The
        same image with the same padding and range is not rendered again (a kernel edit changes
        only the outputs; re-drawing a 2048x2048 input cost ~300 ms).
        """
        (t, b), (l, r) = pads
        image = np.asarray(image)
        # The same pixels: the same memory, shape, strides and dtype (each call gets a new view
        # of the dataset; holding the previous one keeps its memory from being reused).
        key = (image.__array_interface__["data"][0], image.shape, image.strides, image.dtype.str,
               tuple(map(tuple, pads)), tuple(float(v) for v in value_range), tuple(stretch),
               padding_mode)
        if self._input_shown is not None and self._input_shown[1] == key:
            return
        self._input_shown = (image, key)
        if padded is None:
            pad_spec = ((t, b), (l, r)) + ((0, 0),) * (image.ndim - 2)
            padded = np.pad(image, pad_spec) if (t or b or l or r) else image
        shown = padded
        if padded.ndim == 3 and padded.shape[2] not in (3, 4):
            shown = padded[:, :, 0]
        elif padded.ndim == 3 and padded.shape[2] == 4:
            shown = padded[:, :, :3]
        self.input.set_values(image, shown, levels=value_range, origin=(-t, -l))
        h, w = image.shape[:2]
        kind = "×".join(str(s) for s in image.shape)
        if tuple(stretch) != (1, 1):
            kind = f"stretched ×{stretch[0]}" + (f"×{stretch[1]}" if stretch[1] != stretch[0]
                                                 else "") + f" (zeros inserted) {kind}"
        fill = "" if padding_mode == "zeros" else f"{padding_mode} "
        amounts = f"{t}" if t == b == l == r else f"({t},{b}) ({l},{r})"
        extra = f" + {fill}padding {amounts}" if (t or b or l or r) else ""
        self.input.set_title(f"Input {kind}{extra}")
        self._draw_padding(h, w, pads, stretch)
        self._fit_board()

    def _draw_padding(self, h, w, pads, stretch=(1, 1)):
        for item in self._pad_items:
            self.input.view_box.removeItem(item)
        self._pad_items = []
        (t, b), (l, r) = pads
        edge = QGraphicsRectItem(QRectF(0, 0, w, h))
        pen = QPen(PAD_EDGE)
        pen.setCosmetic(True)
        pen.setWidthF(2)
        pen.setStyle(Qt.DashLine)
        edge.setPen(pen)
        self._pad_items.append(edge)
        if t or b or l or r:
            path = QPainterPath()
            path.addRect(QRectF(-l, -t, w + l + r, h + t + b))
            path.addRect(QRectF(0, 0, w, h))
            frame = QGraphicsPathItem(path)
            frame.setBrush(QBrush(PAD_FILL))
            frame.setPen(QPen(Qt.NoPen))
            self._pad_items.insert(0, frame)
        sh, sw = stretch
        if (sh, sw) != (1, 1):
            # The zeros a transposed convolution inserts between pixels are tinted like padding.
            path = QPainterPath()
            path.setFillRule(Qt.WindingFill)
            for row in range(h):
                if row % sh:
                    path.addRect(QRectF(0, row, w, 1))
            for col in range(w):
                if col % sw:
                    path.addRect(QRectF(col, 0, 1, h))
            inserted = QGraphicsPathItem(path)
            inserted.setBrush(QBrush(PAD_FILL))
            inserted.setPen(QPen(Qt.NoPen))
            self._pad_items.insert(0, inserted)
        for item in self._pad_items:
            self.input.view_box.addItem(item, ignoreBounds=True)

    def show_outputs(self, result, mapping, colormap_name, value_range):
        """Show each kernel's (activated) conv map and, when pooling is on, its pooled map."""
        conv = result.activated[0]
        pooled = None if result.pooled is None else result.pooled[0]
        count = conv.shape[2]
        self._ensure_layout(count, pooled is not None)
        lut = display.lookup_table(colormap_name)
        spec = result.spec
        for k in range(count):
            self._show_map(self.conv[k], conv[:, :, k], mapping, lut, value_range)
            label = "Transposed conv" if spec is not None and spec.transposed else "Conv"
            if spec is not None and spec.activation != "none":
                label += " → " + choices.label(choices.ACTIVATION_SHORT_LABELS, spec.activation)
            self.conv[k].set_title(self._title(label, k, count, conv.shape[:2]))
            if pooled is not None:
                self._show_map(self.pooled[k], pooled[:, :, k], mapping, lut, value_range)
                self.pooled[k].set_title(
                    self._title(f"{spec.pool_mode} pool", k, count, pooled.shape[:2]))
        self._fit_board()

    @staticmethod
    def _title(label, k, count, hw):
        prefix = f"K{k + 1} · " if count > 1 else ""
        return f"{prefix}{label} {hw[0]}×{hw[1]}"

    @staticmethod
    def _show_map(plot, values, mapping, lut, value_range):
        levels = display.levels_for(values, mapping, value_range)
        plot.set_values(values, display.mapped_values(values, mapping), levels=levels, lut=lut)

    def clear_marks(self):
        """Remove every highlight from every map."""
        for _, _, plot in self.maps():
            plot.mark_cells([])

    def plot_for(self, kind, k=0):
        """The MapPlot of ``kind`` ('input', 'conv', 'pooled') and kernel ``k``, or None."""
        if kind == "input":
            return self.input
        plots = self.conv if kind == "conv" else self.pooled
        return plots[k] if k < len(plots) else None

    # -- mouse -----------------------------------------------------------------------------

    def _map_under(self, scene_pos):
        """``(PixelRef, MapPlot)`` under ``scene_pos``, or None."""
        for kind, k, plot in self.maps():
            box = plot.view_box
            if box.sceneBoundingRect().contains(scene_pos):
                point = box.mapSceneToView(scene_pos)
                return PixelRef(kind, k, int(math.floor(point.y())),
                                int(math.floor(point.x()))), plot
        return None

    def leaveEvent(self, event):
        super().leaveEvent(event)
        self.mouseLeft.emit()

    def _on_mouse_moved(self, event):
        hit = self._map_under(event[0])
        if hit is None:
            return
        pixel, plot = hit
        self.hovered.emit(*pixel, plot.value_at(pixel.row, pixel.col))

    def _on_mouse_clicked(self, event):
        if event.double() and event.button() == Qt.LeftButton:
            self.reset_zoom()
            return
        hit = self._map_under(event.scenePos())
        if hit is None or event.button() != Qt.LeftButton:
            return
        pixel, _ = hit
        if pixel.kind != "input":
            self.mapClicked.emit(pixel.kind, pixel.kernel)
        self.pixelClicked.emit(*pixel)
