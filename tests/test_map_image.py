"""Large float maps are drawn through the fast item: the same colours as pyqtgraph's own
rendering, sampled to the screen's resolution, re-rendered when zooming changes it."""

import numpy as np
import pyqtgraph as pg
from PyQt5.QtGui import QImage

from convgui import display
from convgui.map_image import MapImageItem, color_indices

pg.setConfigOptions(imageAxisOrder="row-major")


def rgb_of(qimage):
    image = qimage.convertToFormat(QImage.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    return data.reshape(h, image.bytesPerLine())[:, :3 * w].reshape(h, w, 3)


def rendered(item, values, levels, lut):
    item.setImage(values, levels=levels, lut=lut, autoLevels=False)
    item.render()
    return rgb_of(item.qimage)


def test_colours_match_pyqtgraphs_own_rendering():
    rng = np.random.default_rng(8)
    values = (rng.standard_normal((37, 53)) * 40).astype(np.float32)
    values[0, :4] = [-1e9, 1e9, -30.0, 30.0]   # clipped on both sides, and the levels' ends
    lut = display.lookup_table("viridis")
    ours = rendered(MapImageItem(), values, (-30.0, 30.0), lut)
    theirs = rendered(pg.ImageItem(), values, (-30.0, 30.0), lut)
    np.testing.assert_array_equal(ours, theirs)


def test_rgb_photos_match_pyqtgraphs_own_rendering():
    photo = np.random.default_rng(9).integers(0, 256, (41, 29, 3), dtype=np.uint8)
    ours = rendered(MapImageItem(), photo, (0.0, 255.0), None)
    theirs = rendered(pg.ImageItem(), photo, (0.0, 255.0), None)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, photo)


def test_colour_indices_follow_the_levels():
    values = np.array([[-5.0, 0.0, 0.999, 1.0, 2.0, 4.0, 9.0]])
    # (x - low) * 256 / (high - low), clipped to 0..255, truncated: as pyqtgraph does.
    expected = np.clip(np.floor((values - 0.0) * 256 / 4.0), 0, 255)
    np.testing.assert_array_equal(color_indices(values, (0.0, 4.0)), expected)


def test_a_large_map_is_sampled_to_the_screen_and_resampled_on_zoom(qtbot):
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    plot = widget.addPlot()
    item = MapImageItem()
    plot.addItem(item)
    values = np.add.outer(np.arange(2048.0), np.arange(2048.0)).astype(np.float32)
    lut = display.lookup_table("gray")
    item.setImage(values, levels=(0.0, 4094.0), lut=lut, autoLevels=False)
    plot.getViewBox().setRange(xRange=(0, 2048), yRange=(0, 2048), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: item.qimage is not None and item.qimage.width() < 2048)
    # The step per axis: the one whose sampling gives the picture's size.
    ys, xs = (min(s for s in range(1, 2049) if -(-2048 // s) == n)
              for n in (item.qimage.height(), item.qimage.width()))
    assert min(ys, xs) >= 4
    # Every sampled pixel is the map's own pixel at (row, col) = (ys·i, xs·j).
    np.testing.assert_array_equal(rgb_of(item.qimage),
                                  lut[color_indices(values[::ys, ::xs], (0.0, 4094.0))])
    plot.getViewBox().setRange(xRange=(0, 64), yRange=(0, 64), padding=0)
    qtbot.waitUntil(lambda: item.qimage.width() == 2048)
