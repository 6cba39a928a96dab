"""A board of titled maps in rows, each with a caption (its shape) underneath.

The pipeline and compare tabs lay out their pictures with it; it only displays what it is given.
"""

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from . import display
from .feature_canvas import MapPlot

__all__ = ["Tile", "MapBoard", "shape_text"]


def shape_text(values):
    """``'26×26'``: an array's shape as a caption."""
    return "×".join(str(s) for s in np.shape(values))


@dataclass
class Tile:
    """One picture: ``values`` (h, w) or an RGB image (h, w, 3), a title and a caption.

    ``raw=True`` shows the values as an image in ``value_range`` (the input); otherwise they are
    a feature map, shown with the current mapping and colormap.
    """

    title: str
    values: np.ndarray
    caption: str = ""
    raw: bool = False


class MapBoard(pg.GraphicsLayoutWidget):
    """Rows of :class:`Tile` pictures, arrows between them when ``arrows`` is on."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("#1e1e1e")
        self.plots = []
        self._shape = None

    def show_rows(self, rows, mapping, colormap_name, value_range):
        """Display ``rows`` (a list of lists of Tile); reuse plots when the layout is the same."""
        shape = tuple(len(row) for row in rows)
        if shape != self._shape:
            self.clear()
            self._shape = shape
            self.plots = []
            for r, row in enumerate(rows):
                plots_row = []
                for c, _ in enumerate(row):
                    plot = MapPlot("tile")
                    self.addItem(plot.plot, row=2 * r, col=c)
                    caption = self.addLabel("", row=2 * r + 1, col=c, color="#bbbbbb",
                                            size="10pt")
                    plots_row.append((plot, caption))
                self.plots.append(plots_row)
        lut = display.lookup_table(colormap_name)
        for r, row in enumerate(rows):
            for c, tile in enumerate(row):
                plot, caption = self.plots[r][c]
                values = np.asarray(tile.values)
                if tile.raw:
                    shown = values if values.ndim == 2 or values.shape[2] == 3 else values[..., 0]
                    plot.set_values(values, shown, levels=value_range)
                else:
                    levels = display.levels_for(values, mapping, value_range)
                    plot.set_values(values, display.mapped_values(values, mapping),
                                    levels=levels, lut=lut)
                plot.set_title(tile.title)
                caption.setText(tile.caption)

    def tile_values(self, row, col):
        """The raw values of the tile at (row, col) (for tests and read-outs)."""
        return self.plots[row][col][0].values

    def tile_title(self, row, col):
        return self.plots[row][col][0].plot.titleLabel.text
