"""A board of titled maps in rows, each with a caption (its shape) underneath.

The pipeline and compare tabs lay out their pictures with it; it only displays what it is given.
"""

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from . import display
from .board_scale import BoardScale
from .map_plot import MapPlot

__all__ = ["Tile", "MapBoard", "shape_text"]

#: Height of a tile's caption line (its shape), in pixels.
CAPTION_HEIGHT = 24
#: What every column asks for (they share the room equally beyond that).
COLUMN_WIDTH = 160


def shape_text(values):
    """``'26×26'``: an array's shape as a caption."""
    return "×".join(str(s) for s in np.shape(values))


@dataclass
class Tile:
    """One picture: ``values`` (h, w) or an RGB image (h, w, 3), a title and a caption.

    ``raw=True`` shows the values as an image in ``value_range`` (the input); otherwise they are
    a feature map, shown with the current mapping and colormap. Every tile with ``to_scale``
    is drawn with the same screen size per data pixel (:class:`convgui.board_scale.BoardScale`).
    """

    title: str
    values: np.ndarray
    caption: str = ""
    raw: bool = False
    #: Drawn at the board's one scale (a map); False for a kernel, fitted on its own.
    to_scale: bool = True
    #: ``core.sheets.finite_range(values)`` when it was computed with the values (off the GUI
    #: thread); None: found when shown.
    found_range: tuple = None
    #: True when the values are known to hold no NaN or infinity (found with them).
    all_finite: bool = None


class MapBoard(pg.GraphicsLayoutWidget):
    """Rows of :class:`Tile` pictures, arrows between them when ``arrows`` is on."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("#1e1e1e")
        self.plots = []
        self._shape = None
        self.board_scale = BoardScale(self)
        self._fitted = None
        self.scene().sigMouseClicked.connect(self._on_click)

    def _on_click(self, event):
        if event.double():
            self.board_scale.reset()

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
                    caption.setMaximumHeight(CAPTION_HEIGHT)  # the height goes to the maps
                    plot.plot.setPreferredWidth(COLUMN_WIDTH)
                    plots_row.append((plot, caption))
                self.plots.append(plots_row)
                self.ci.layout.setRowStretchFactor(2 * r, 1)
                self.ci.layout.setRowStretchFactor(2 * r + 1, 0)
            for c in range(max(shape, default=0)):
                # Columns of one width, whatever their titles: the maps' scale is set by the
                # narrowest box, and a short title ("Input") made its column the narrowest.
                self.ci.layout.setColumnStretchFactor(c, 1)
        lut = display.lookup_table(colormap_name)
        for r, row in enumerate(rows):
            for c, tile in enumerate(row):
                plot, caption = self.plots[r][c]
                values = np.asarray(tile.values)
                if tile.raw:
                    shown = values if values.ndim == 2 or values.shape[2] == 3 else values[..., 0]
                    plot.set_values(values, shown, levels=value_range)
                else:
                    levels = display.levels_for(values, mapping, value_range,
                                                found=tile.found_range)
                    plot.set_values(values, display.mapped_values(values, mapping),
                                    levels=levels, lut=lut, all_finite=tile.all_finite)
                plot.set_title(tile.title)
                caption.setText(tile.caption)
        self.board_scale.set_members([
            (self.plots[r][c][0].view_box, (lambda p=self.plots[r][c][0]: p.rect), tile.to_scale)
            for r, row in enumerate(rows) for c, tile in enumerate(row)])
        fitted = tuple((tile.to_scale, np.shape(tile.values)) for row in rows for tile in row)
        if fitted != self._fitted:
            self._fitted = fitted
            self.board_scale.reset()
        else:
            self.board_scale.apply()

    def scaled_plots(self):
        """The MapPlots drawn to the board's one scale."""
        return [plot for r, row in enumerate(self.plots) for c, (plot, _) in enumerate(row)
                if self._fitted is not None and self._fitted[self._index(r, c)][0]]

    def _index(self, r, c):
        return sum(len(row) for row in self.plots[:r]) + c

    def tile_values(self, row, col):
        """The raw values of the tile at (row, col) (for tests and read-outs)."""
        return self.plots[row][col][0].values

    def tile_title(self, row, col):
        return self.plots[row][col][0].plot.titleLabel.text
