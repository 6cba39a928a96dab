"""The Layers tab: the whole stack at one scale, its size arithmetic, and receptive fields.

The input and every layer's maps (conv after its activation, then pooled) sit in ONE view, so a
data pixel is equally large everywhere: a 14×14 map is half as wide as the 28×28 input.
Hovering a pixel of any map outlines the input pixels it sees (dashed where the field reaches
into the padding) and the window it reads in the map before it (hovering an input pixel, every
deep pixel that sees it), and writes out the recursion
``r_l = r_{l−1} + (k_l − 1)·j_{l−1}``, ``j_l = j_{l−1}·s_l``; the inspector explains the pixel
one layer back at a time. A click pins the pixel, a second click releases it.
"""

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPen
from PyQt5.QtWidgets import (QFrame, QGraphicsRectItem, QLabel, QScrollArea, QSplitter,
                             QVBoxLayout, QWidget)

from core import choices
from core.explain import explain_conv_pixel, explain_pool_pixel, spec_pads
from core.stack import field_steps, pixel_trail, pixels_seeing, stack_fields, stage_region

from . import display
from .operation_panel import size_formula, transposed_size_formula

pg.setConfigOptions(imageAxisOrder="row-major")

__all__ = ["Spot", "StackBoard", "LayersTab", "install_layers", "sizes_html", "field_html"]

FIELD_EDGE = QColor(0, 230, 120)
WINDOW_EDGE = QColor(255, 200, 0)
PIXEL_EDGE = QColor(255, 80, 200)


@dataclass(frozen=True)
class Spot:
    """A pixel of the board: ``layer`` from 0 (-1 for the input), ``stage`` ``'input'``,
    ``'conv'`` or ``'pooled'``, the ``kernel`` (map) and ``row``, ``col`` in that map."""

    layer: int
    stage: str
    kernel: int
    row: int
    col: int


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


def _stage_name(spec, stage):
    if stage == "conv":
        name = "transposed conv" if spec.transposed else "conv"
        if spec.activation != "none":
            name += " → " + choices.label(choices.ACTIVATION_SHORT_LABELS, spec.activation)
        return name
    return f"{spec.pool_mode} pool"


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
        counts = {"above": 0, "below": 0}
        for layer, stage, values in stages:
            h, w = values.shape[:2]
            count = 1 if stage == "input" else values.shape[2]
            rows = max(1, math.ceil(math.sqrt(count)))
            cols = math.ceil(count / rows)
            inner = max(1, round(min(h, w) / 8))
            for k in range(count):
                r, c = divmod(k, cols)
                top, x = r * (h + inner), left + c * (w + inner)
                item = pg.ImageItem()
                self.plot.addItem(item)
                self.placed.append(_Placed(layer, stage, k, top, x, values, item))
            title = "Input" if stage == "input" else \
                f"L{layer + 1} {'conv' if stage == 'conv' else 'pool'}"
            # Conv titles above the blocks, pool titles below them (shapes are in the size
            # arithmetic), every other one on a side a line further out: never colliding.
            below = stage == "pooled"
            side = "below" if below else "above"
            lift = counts[side] % 2
            counts[side] += 1
            text = pg.TextItem(title, color="#dddddd",
                               anchor=(0, -lift) if below else (0, 1 + lift))
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


def sizes_html(specs, image_shape, selected=0):
    """Each layer's size arithmetic, one line per layer, as HTML.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> text = sizes_html([PipelineSpec(np.ones((3, 3, 1, 2)), pool_mode="max")], (28, 28))
    >>> "28 + 0 + 0 − 3 + 1 = 26" in text and "⌊(26 + 0 + 0 − 2) / 2⌋ + 1 = 13" in text
    True
    """
    hw = tuple(image_shape[:2])
    channels = image_shape[2] if len(image_shape) > 2 else 1
    lines = []
    for index, spec in enumerate(specs):
        kh, kw, _, nc = spec.kernels.shape
        pads = spec_pads(spec, hw)
        parts = []
        for axis, (size, k, pad) in enumerate(zip(hw, (kh, kw), pads)):
            if spec.transposed:
                parts.append(transposed_size_formula(size, k, pad, spec.stride[axis],
                                                     spec.dilation[axis],
                                                     spec.output_padding[axis]))
            else:
                parts.append(size_formula(size, k, pad, spec.stride[axis], spec.dilation[axis]))
        conv_hw, pooled_hw = spec.shapes(hw)
        conv = parts[0] if parts[0] == parts[1] else f"{parts[0]} (rows), {parts[1]} (cols)"
        conv_name = "transposed conv" if spec.transposed else "conv"
        line = f"{hw[0]}×{hw[1]}×{channels} → {conv_name} {kh}×{kw}: {conv}"
        if spec.activation != "none":
            line += " → " + choices.label(choices.ACTIVATION_SHORT_LABELS, spec.activation)
        if pooled_hw is not None:
            pool = [size_formula(s, k, (0, 0), st, 1) for s, k, st in
                    zip(conv_hw, spec.pool_shape, spec.pool_stride)]
            pool = pool[0] if pool[0] == pool[1] else f"{pool[0]} (rows), {pool[1]} (cols)"
            line += f" → {spec.pool_mode} pool {spec.pool_shape[0]}×{spec.pool_shape[1]}: {pool}"
        out = pooled_hw or conv_hw
        line += f" → <b>{out[0]}×{out[1]}×{nc}</b>"
        name = f"<b>Layer {index + 1}</b>"
        if index == selected:
            name = f"<span style='color:#0a7'>{name} (editing)</span>"
        lines.append(f"{name}: {line}")
        hw, channels = out, nc
    return "<br>".join(lines)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _steps_text(steps, letter_r="r", letter_j="j"):
    parts = []
    for n, step in enumerate(steps, start=1):
        i, p = str(n).translate(_SUB), str(n - 1).translate(_SUB)
        parts.append(f"{step.name} (k {step.extent}, s {step.stride}): "
                     f"{letter_r}{i} = {letter_r}{p} + ({step.extent} − 1)·{letter_j}{p} = "
                     f"{step.size_before} + {step.extent - 1}·{step.jump_before} = "
                     f"<b>{step.size}</b>, {letter_j}{i} = {letter_j}{p}·{step.stride} = "
                     f"{step.jump_before}·{step.stride} = <b>{step.jump}</b>")
    return "; ".join(parts)


def field_html(specs, image_shape, spot):
    """Where pixel ``spot`` looks in the input, with the recursion of its size and jump.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> specs = [PipelineSpec(np.ones((5, 5, 1, 1)), pool_mode="max"),
    ...          PipelineSpec(np.ones((3, 3, 1, 1)))]
    >>> text = field_html(specs, (28, 28), Spot(1, "conv", 0, 0, 0))
    >>> "input rows 0…9, cols 0…9" in text, "6 + (3 − 1)·2 = <b>10</b>" in text
    (True, True)
    """
    image_hw = tuple(image_shape[:2])
    field = getattr(stack_fields(specs, image_shape)[spot.layer], spot.stage)
    rows, cols = stage_region(field, (spot.row, spot.col), image_hw)
    full_rows, full_cols = stage_region(field, (spot.row, spot.col), image_hw, clip=False)
    padding = "" if (rows, cols) == (full_rows, full_cols) else \
        " (the rest of its field is padding, dashed)"
    head = (f"<b>L{spot.layer + 1} {_stage_name(specs[spot.layer], spot.stage)} "
            f"K{spot.kernel + 1} [{spot.row}, {spot.col}]</b> sees input rows "
            f"{rows.start}…{rows.stop - 1}, cols {cols.start}…{cols.stop - 1}{padding}: "
            f"field r = {field.size[0]}×{field.size[1]}, jump j = "
            f"{field.jump[0]}×{field.jump[1]}.")
    lines = [head]
    for axis, name in ((0, "rows"), (1, "cols")):
        steps = field_steps(specs, image_shape, spot.layer, spot.stage, axis=axis)
        if axis == 1 and [(s.extent, s.stride) for s in steps] == \
                [(s.extent, s.stride) for s in rows_steps]:
            break
        rows_steps = steps if axis == 0 else rows_steps
        label = "" if axis == 0 else "Columns: "
        last = steps[-1]
        n, p = str(len(steps)).translate(_SUB), str(len(steps) - 1).translate(_SUB)
        chain_r = " → ".join(["1"] + [str(s.size) for s in steps])
        chain_j = " → ".join(["1"] + [str(s.jump) for s in steps])
        lines.append(f"{label}r: {chain_r}, j: {chain_j}; last step ({last.name}): "
                     f"r{n} = r{p} + (k − 1)·j{p} = {last.size_before} + ({last.extent} − 1)·"
                     f"{last.jump_before} = <b>{last.size}</b>, j{n} = j{p}·s = "
                     f"{last.jump_before}·{last.stride} = <b>{last.jump}</b>")
    return "<br>".join(lines)


def field_steps_html(specs, image_shape, spot, axis=0):
    """Every step of the recursion for ``spot``'s field along ``axis``, as HTML."""
    steps = field_steps(specs, image_shape, spot.layer, spot.stage, axis=axis)
    return "r₀ = 1, j₀ = 1<br>" + _steps_text(steps).replace("; ", "<br>")


def trail_text(specs, image_shape, spot):
    """The inspector's "one layer back at a time" line for a deep pixel."""
    trail = pixel_trail(specs, image_shape, spot.layer, spot.stage, (spot.row, spot.col))
    pieces = []
    for stop in trail:
        where = "input" if stop.stage == "input" else \
            f"L{stop.layer + 1} {'pool' if stop.stage == 'pooled' else 'conv'}"
        pieces.append(f"{where} rows {stop.rows.start}…{stop.rows.stop - 1}, cols "
                      f"{stop.cols.start}…{stop.cols.stop - 1}")
    return "<span style='color:#555'>Reads " + " ← ".join(pieces) + "</span>"


class LayersTab(QWidget):
    """The Layers tab of an explorer window (see the module docstring)."""

    def __init__(self, state, computation, value_range, panel=None, parent=None):
        super().__init__(parent)
        self.state, self.computation = state, computation
        self.value_range = value_range
        self.panel = panel
        self.view = None
        self.pinned = None
        self.intro = QLabel("Every layer at one scale. Hover a pixel: the input it sees "
                            "(green) and the window it reads (yellow); click to pin.")
        self.intro.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        self.board = StackBoard()
        self.sizes = QLabel()
        self.sizes.setWordWrap(True)
        self.sizes.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.field = QLabel("Hover a map to see its receptive field.")
        self.field.setWordWrap(True)
        self.field.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.field.setMinimumHeight(40)
        texts = QWidget()
        texts_layout = QVBoxLayout(texts)
        texts_layout.setContentsMargins(0, 0, 0, 0)
        texts_layout.addWidget(self.field)  # what the hovered pixel sees first, always in view
        texts_layout.addWidget(self.sizes)
        texts_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(texts)
        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.addWidget(self.board)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([300, 200])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.intro)
        layout.addWidget(self.problem)
        layout.addWidget(self.splitter, 1)
        self.board.hovered.connect(self._on_hover)
        self.board.clicked.connect(self._on_click)

    def update_view(self):
        """Draw the latest result (call when the tab is visible)."""
        view = self.computation.latest
        if view is None or not view.stack:
            return
        self.view = view
        self.problem.hide()
        self.board.show_stack(view.source, view.stack, view.specs, self.state.mapping,
                              self.state.colormap, self.value_range())
        self.sizes.setText(sizes_html(view.specs, np.shape(view.source), view.layer))
        spot = self.pinned
        if spot is not None and not self._exists(spot):  # the maps changed under the pin
            self.pinned = spot = None
        self.inspect(spot)

    def _exists(self, spot):
        placed = self.board.maps_of(spot.layer, spot.stage, spot.kernel)
        return bool(placed) and 0 <= spot.row < placed[0].values.shape[0] \
            and 0 <= spot.col < placed[0].values.shape[1]

    def show_problem(self, message):
        """The stack cannot be computed: say why above the last good result."""
        self.problem.setText(f"Cannot compute this stack: {message}. Showing the last result "
                             "that could be computed.")
        self.problem.show()

    def unpin(self):
        if self.pinned is not None:
            self.pinned = None
            self.board.clear_marks()

    def _on_hover(self, spot):
        if self.pinned is None:
            self.inspect(spot)

    def _on_click(self, spot):
        self.pinned = None if spot == self.pinned else spot
        self.inspect(spot)

    def inspect(self, spot):
        """Outline what ``spot`` sees and explain it (None clears)."""
        self.board.clear_marks()
        view = self.view
        if spot is None or view is None:
            return
        if spot.stage == "input":
            self._inspect_input(spot)
            return
        if not self._exists(spot):
            return
        specs, shape = view.specs, np.shape(view.source)
        one = range(spot.row, spot.row + 1), range(spot.col, spot.col + 1)
        self.board.outline(spot.layer, spot.stage, *one, kernel=spot.kernel, kind="pixel")
        try:
            fields = stack_fields(specs, shape)
        except ValueError as exc:  # a transposed layer: no field arithmetic
            self.field.setText(str(exc))
            self._explain(spot)
            return
        field = getattr(fields[spot.layer], spot.stage)
        rc = (spot.row, spot.col)
        rows, cols = stage_region(field, rc, shape[:2])
        full = stage_region(field, rc, shape[:2], clip=False)
        if full != (rows, cols):
            self.board.outline(-1, "input", *full, kind="padding")
        if len(rows) and len(cols):
            self.board.outline(-1, "input", rows, cols, kind="field")
        back = pixel_trail(specs, shape, spot.layer, spot.stage, rc)[0]
        if back.stage != "input":
            kernel = spot.kernel if spot.stage == "pooled" else None
            self.board.outline(back.layer, back.stage, back.rows, back.cols, kernel=kernel,
                               kind="window")
        self.field.setText(field_html(specs, shape, spot))
        self.field.setToolTip(field_steps_html(specs, shape, spot))
        self._explain(spot)

    def _inspect_input(self, spot):
        """Outline, in every map, the pixels whose receptive field holds this input pixel."""
        view = self.view
        shape = np.shape(view.source)
        if not (0 <= spot.row < shape[0] and 0 <= spot.col < shape[1]):
            return
        try:
            fields = stack_fields(view.specs, shape)
        except ValueError as exc:
            self.field.setText(str(exc))
            return
        self.board.outline(-1, "input", range(spot.row, spot.row + 1),
                           range(spot.col, spot.col + 1), kind="pixel")
        seen = []
        for layer, layer_fields in enumerate(fields):
            for stage in ("conv", "pooled"):
                field = getattr(layer_fields, stage)
                maps = self.board.maps_of(layer, stage)
                if field is None or not maps:
                    continue
                rows, cols = pixels_seeing(field, (spot.row, spot.col), maps[0].values.shape)
                name = f"L{layer + 1} {'conv' if stage == 'conv' else 'pool'}"
                if len(rows) and len(cols):
                    self.board.outline(layer, stage, rows, cols, kind="field")
                    seen.append(f"{name} rows {rows.start}…{rows.stop - 1}, cols "
                                f"{cols.start}…{cols.stop - 1}")
                else:
                    seen.append(f"no pixel of {name}")
        self.field.setText(f"<b>Input [{spot.row}, {spot.col}]</b> is seen by: "
                           + "; ".join(seen) + " (green, in every map of each layer).")
        self.field.setToolTip("")

    def _explain(self, spot):
        """The inspector panel: this pixel's arithmetic, over the map just before it."""
        if self.panel is None:
            return
        view = self.view
        spec = view.specs[spot.layer]
        result = view.stack[spot.layer]
        pinned = self.pinned is not None
        try:
            trail = trail_text(view.specs, np.shape(view.source), spot)
        except ValueError:
            trail = ""
        prefix = f"Layer {spot.layer + 1} K{spot.kernel + 1}"
        if spot.stage == "conv":
            layer_input = view.source if spot.layer == 0 else view.stack[spot.layer - 1].final[0]
            pixel = explain_conv_pixel(layer_input, spec, spot.kernel, spot.row, spot.col)
            shown = float(result.activated[0, spot.row, spot.col, spot.kernel])
            names = None if spot.layer == 0 else \
                tuple(f"M{i + 1}" for i in range(spec.kernels.shape[2]))
            self.panel.show_conv(pixel, f"{prefix} conv", shown, spec.activation, pinned, trail,
                                 names=names)
        else:
            feature_map = result.activated[0, :, :, spot.kernel]
            pixel = explain_pool_pixel(feature_map, spec, spot.row, spot.col)
            shown = float(result.pooled[0, spot.row, spot.col, spot.kernel])
            self.panel.show_pool(pixel, f"{prefix} {spec.pool_mode} pool", f"{prefix} conv",
                                 shown, pinned, trail)


def install_layers(window):
    """Give an explorer window its Layers strip (above the operation controls) and its
    Layers tab (after the Pipeline tab); return ``(strip, tab)``."""
    from .layer_strip import LayerStrip

    state = window.state
    strip = LayerStrip(state)
    panel = window.operation_panel
    holder = panel.parentWidget().layout()
    holder.insertWidget(holder.indexOf(panel), strip)
    window.addActions(strip.actions)  # the strip's keys work while it is hidden
    def value_range():  # the images' value range, wherever the window keeps it
        return getattr(state, "value_range", None) or getattr(window, "value_range", (0.0, 1.0))
    tab = LayersTab(state, window.computation, value_range, window.inspector_panel)
    tabs = window.tabs
    index = tabs.insertTab(tabs.indexOf(window.pipeline_tab) + 1, tab, "Layers")
    tabs.setTabToolTip(index, "Every layer of the stack at one scale; hover a pixel to see its "
                              "receptive field grow")

    def refresh(*_):
        if tabs.currentWidget() is tab:
            tab.update_view()
    window.computation.resultReady.connect(refresh)
    window.computation.failed.connect(tab.show_problem)
    tabs.currentChanged.connect(refresh)
    state.mappingChanged.connect(refresh)
    state.colormapChanged.connect(refresh)
    strip.layerAdded.connect(lambda _: tabs.setCurrentWidget(tab))
    # Esc (the window's "release the pinned pixel") releases the tab's pin too.
    window.inspector.targetChanged.connect(lambda target: tab.unpin() if target is None
                                           else None)
    # A deep layer's input view shows the map of the channel under edit: draw it again.
    state.activeChannelChanged.connect(lambda _: window.computation.request()
                                       if state.selected_layer else None)
    window.layer_strip, window.layers_tab = strip, tab
    return strip, tab
