"""What the Train panel draws: the kernels as one picture, the curves' charts, the confusion matrix.

Functions of data (a kernel bank, a list of losses, a training result) that fill a pyqtgraph
chart or a table; :class:`convgui.training_panel.TrainingPanel` places them.
"""

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QBrush, QColor
from PyQt5.QtWidgets import QTableWidgetItem

from .display import render_rgb

__all__ = ["kernel_mosaic", "plot_widget", "running_mean", "fill_confusion"]

_GAP_RGB = (70, 70, 70)

def kernel_mosaic(bank, gap=1):
    """The kernels of ``bank`` (kh, kw, c, nc) as one RGB picture.

    One channel: the kernels in a grid about twice as wide as high. Several channels: one column
    per kernel, one row per channel. Weights share one symmetric blue–white–red scale (positive
    red, negative blue, as everywhere in the explorer).

    Examples
    --------
    >>> import numpy as np
    >>> kernel_mosaic(np.ones((3, 3, 1, 8))).shape      # 2 rows of 4 kernels
    (7, 15, 3)
    >>> kernel_mosaic(np.ones((3, 3, 3, 2))).shape      # 3 channels x 2 kernels
    (11, 7, 3)
    """
    bank = np.asarray(bank, dtype=np.float64)
    kh, kw, c, nc = bank.shape
    bound = float(np.max(np.abs(bank))) or 1.0
    if c == 1:
        rows = int(np.ceil(np.sqrt(nc / 2)))
        cells = [(k // -(-nc // rows), k % -(-nc // rows), 0, k) for k in range(nc)]
    else:
        cells = [(ch, k, ch, k) for ch in range(c) for k in range(nc)]
    n_rows = 1 + max(r for r, _, _, _ in cells)
    n_cols = 1 + max(q for _, q, _, _ in cells)
    out = np.empty((n_rows * (kh + gap) - gap, n_cols * (kw + gap) - gap, 3), dtype=np.uint8)
    out[...] = _GAP_RGB
    for row, col, ch, k in cells:
        r, q = row * (kh + gap), col * (kw + gap)
        out[r:r + kh, q:q + kw] = render_rgb(bank[:, :, ch, k], "symmetric", "diverging",
                                             levels=(-bound, bound))
    return out


def plot_widget(title, left, legend_corner):
    """A white chart over epochs with a grid and a legend, for the training curves."""
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color="#333", size="10pt")
    plot.setLabel("bottom", "epoch")
    plot.setLabel("left", left)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.addLegend(offset=legend_corner, labelTextColor="#333")
    plot.setMouseEnabled(x=False, y=False)
    plot.setMinimumHeight(160)
    return plot


def running_mean(values, window=20):
    """The mean of the last ``window`` values at each step (fewer at the start).

    Examples
    --------
    >>> running_mean([2.0, 4.0, 6.0], window=2).tolist()
    [2.0, 3.0, 5.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return values
    sums = np.cumsum(values)
    out = np.empty_like(values)
    out[:window] = sums[:window] / np.arange(1, min(window, len(values)) + 1)
    out[window:] = (sums[window:] - sums[:-window]) / window
    return out


def fill_confusion(table, caption, result):
    """Show ``result``'s validation confusion matrix in ``table`` (rows true, columns
    predicted; the diagonal green, mistakes red, darker for more images) and say so in
    ``caption``."""
    matrix = result.confusion
    k = len(matrix)
    names = result.network.class_names
    headers = [names[i] if names and i < len(names) else str(i) for i in range(k)]
    table.setRowCount(k)
    table.setColumnCount(k)
    table.setHorizontalHeaderLabels(headers)
    table.setVerticalHeaderLabels(headers)
    peak = max(1, int(matrix.max()))
    for t in range(k):
        for p in range(k):
            item = QTableWidgetItem(str(int(matrix[t, p])))
            item.setTextAlignment(Qt.AlignCenter)
            share = matrix[t, p] / peak
            base = (40, 140, 60) if t == p else (200, 60, 40)
            tint = [int(255 - share * (255 - c)) for c in base]
            item.setBackground(QBrush(QColor(*tint)))
            if share > 0.6:
                item.setForeground(QBrush(QColor(255, 255, 255)))
            table.setItem(t, p, item)
    caption.setText(
        f"Confusion matrix (validation, {int(matrix.sum())} images): rows true, columns "
        "predicted")
