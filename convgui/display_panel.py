"""Colormap, value mapping and the levels histogram of the selected feature map."""

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF, QSignalBlocker, QTimer
from PyQt5.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from . import display
from .widgets import choice_combo

__all__ = ["DisplayPanel"]


def _bounds_without_a_view(histogram):
    """Let the level lines of ``histogram`` (a ``HistogramLUTWidget``) report empty bounds once
    their view box is gone.

    pyqtgraph's ``InfiniteLine`` looks its view box up twice while computing its bounds; while
    a window is being destroyed the box can go between the two, the computation raises inside
    Qt's C++ and Qt 5.15.0 then crashed.
    """
    for line in histogram.scene().items():
        if not isinstance(line, pg.InfiniteLine):
            continue
        compute = line._computeBoundingRect

        def bounds(compute=compute):
            try:
                return compute()
            except AttributeError:  # its view box went while the bounds were computed
                return QRectF()

        line._computeBoundingRect = bounds


class DisplayPanel(QWidget):
    """Bound both ways to ``state.colormap`` and ``state.mapping``; hosts the histogram."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.colormap_combo = choice_combo(
            display.COLORMAP_LABELS, "Colours of the feature maps. The diverging map shows "
            "negative values in blue and positive in red.")
        self.mapping_combo = choice_combo(
            display.MAPPING_LABELS, "Which values are shown: the full range (min–max), |x|, the image's own range "
            "(values outside are clipped), or a range centred on 0 (best with diverging colours)")
        self.histogram = pg.HistogramLUTWidget(gradientPosition="right")
        self.histogram.setToolTip("Histogram of the selected feature map; drag the bounds to "
                                  "change its display levels. Click a map to select it.")
        self.histogram.setMinimumHeight(140)
        _bounds_without_a_view(self.histogram)
        self.selected_label = QLabel("")
        self.selected_label.setWordWrap(True)      # a long map title wraps, never widens the panel
        self.selected_label.setMinimumWidth(1)
        self._attached = None
        self._attached_plot = None
        self._syncing = False
        form = QFormLayout()
        form.addRow("Colours", self.colormap_combo)
        form.addRow("Values", self.mapping_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.selected_label)
        layout.addWidget(self.histogram, 1)
        self.colormap_combo.currentIndexChanged.connect(
            lambda _: setattr(state, "colormap", self.colormap_combo.currentData()))
        self.mapping_combo.currentIndexChanged.connect(
            lambda _: setattr(state, "mapping", self.mapping_combo.currentData()))
        self.histogram.item.sigLevelChangeFinished.connect(self._on_q_levels)
        state.colormapChanged.connect(self._sync)
        state.mappingChanged.connect(self._sync)
        self._sync()

    def _sync(self, *_):
        with QSignalBlocker(self.colormap_combo), QSignalBlocker(self.mapping_combo):
            self.colormap_combo.setCurrentIndex(self.colormap_combo.findData(self.state.colormap))
            self.mapping_combo.setCurrentIndex(self.mapping_combo.findData(self.state.mapping))
        self._show_colormap()

    def _show_colormap(self):
        """The state's colormap on the histogram's gradient, without its stops' handles: a
        256-stop colormap drew 256 handles on every repaint of the levels (8 ms a result)."""
        gradient = self.histogram.item.gradient
        gradient.setColorMap(display.colormap(self.state.colormap))
        gradient.showTicks(False)

    def _on_q_levels(self, item):
        """Levels dragged by hand become the state's ``display_levels`` (kept across redraws).

        Read once the histogram settled: moving its region reports each edge on the way."""
        if not self._syncing and self._attached is not None:
            QTimer.singleShot(0, self._store_levels)

    def _store_levels(self):
        if self._attached is None:
            return
        low, high = (float(v) for v in self.histogram.item.getLevels())
        automatic = self._attached_plot.auto_levels
        if automatic is not None and np.allclose((low, high), automatic, rtol=1e-6, atol=0):
            self.state.display_levels = None       # back on the map's own levels
        elif high > low:
            self.state.display_levels = (low, high)

    def attach(self, map_plot, title):
        """Let the histogram show and control ``map_plot``'s levels (keeping its current ones)."""
        self.selected_label.setText(f"Levels of: <b>{title}</b>")
        item = map_plot.image_item
        levels = item.getLevels()
        self._attached_plot = map_plot
        self._syncing = True
        try:
            if self._attached is not item:
                self._attached = item
                self.histogram.setImageItem(item)
                self._show_colormap()
            if levels is not None:
                self.histogram.item.setLevels(*levels)
        finally:
            self._syncing = False
