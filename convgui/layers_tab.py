"""The Layers tab: the whole stack at one scale, its size arithmetic, and receptive fields.

The input and every layer's maps (conv after its activation, then pooled) sit in ONE view, so a
data pixel is equally large everywhere: a 14×14 map is half as wide as the 28×28 input.
Hovering a pixel of any map outlines the input pixels it sees (dashed where the field reaches
into the padding) and the window it reads in the map before it (hovering an input pixel, every
deep pixel that sees it), and writes out the recursion
``r_l = r_{l−1} + (k_l − 1)·j_{l−1}``, ``j_l = j_{l−1}·s_l``; the inspector explains the pixel
one layer back at a time. A click pins the pixel, a second click releases it. The board is a
:class:`~convgui.stack_board.StackBoard`, the texts come from :mod:`convgui.layer_texts`.
"""

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from core.explain import explain_conv_pixel, explain_pool_pixel
from core.stack import pixel_trail, pixels_seeing, stack_fields, stage_region

from .layer_texts import field_html, field_steps_html, sizes_html, trail_text
from .stack_board import StackBoard

__all__ = ["LayersTab", "install_layers"]


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
