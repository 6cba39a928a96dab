"""How numbers become pixels: value mappings, colormaps and 8-bit rendering.

A feature map can hold any real values (an edge kernel gives negatives). The *mapping* decides
which values are shown and which display range (levels) they span; the *colormap* turns the
levels into colours. The views and the PNG export both go through :func:`render_rgb` /
:func:`mapped_values`, so an exported PNG looks exactly like the view.
"""

import numpy as np
import pyqtgraph as pg

from core.choices import COLORMAP_CHOICES, MAPPING_CHOICES
from core.sheets import levels_for, mapped_values, render_tile

__all__ = ["MAPPING_LABELS", "COLORMAP_LABELS", "mapped_values", "levels_for", "lookup_table",
           "render_rgb", "colormap"]

#: ``{key: label}`` of the value mappings and of the colormaps (from :mod:`core.choices`).
MAPPING_LABELS = dict(MAPPING_CHOICES)
COLORMAP_LABELS = dict(COLORMAP_CHOICES)

_COLORMAP_NAMES = {"gray": None, "viridis": "viridis", "diverging": "CET-D1"}


def colormap(name):
    """The pyqtgraph ColorMap for one of ``COLORMAP_LABELS``."""
    if name not in _COLORMAP_NAMES:
        raise ValueError(f"colormap must be one of {tuple(_COLORMAP_NAMES)}, got {name!r}")
    source = _COLORMAP_NAMES[name]
    if source is None:
        return pg.ColorMap(pos=[0.0, 1.0], color=[(0, 0, 0), (255, 255, 255)])
    return pg.colormap.get(source)


def lookup_table(name, points=256):
    """A ``(points, 3)`` uint8 RGB lookup table for colormap ``name``."""
    return colormap(name).getLookupTable(nPts=points, alpha=False).astype(np.uint8)


def render_rgb(values, mapping, colormap_name, levels=None, image_range=(0.0, 255.0)):
    """Render a 2-D map to an ``(h, w, 3)`` uint8 RGB image exactly as the views show it.

    Examples
    --------
    >>> import numpy as np
    >>> render_rgb(np.array([[0.0, 1.0]]), 'minmax', 'gray')[0, :, 0].tolist()
    [0, 255]
    """
    values = np.asarray(values, dtype=np.float64)
    if levels is None:
        levels = levels_for(values, mapping, image_range)
    return render_tile(mapped_values(values, mapping), levels, lookup_table(colormap_name))
