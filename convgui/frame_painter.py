"""Paint one frame of an exported animation (a :class:`core.frames.Frame`) into an image.

QPainter on a QImage: it works without a window and without a display (``QT_QPA_PLATFORM=
offscreen``), and in a worker thread. The layout is computed from the frame size alone, so a
1280×720 and a 1920×1080 frame look the same, only sharper: a title and the settings on top, the
panels (input with the kernel's window, kernel, output filling in) in a row, and below them the
sum for this position and the output-size formula.

Colours are the window's: the output through the chosen colormap and levels (as the feature
maps), the input in gray (or its own colours), the kernel white at 0, red positive, blue negative
(as the kernel editor), padding tinted blue, the window outlined green (as the inspector).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from PyQt5.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PyQt5.QtGui import (QColor, QFont, QFontMetricsF, QGuiApplication, QImage, QPainter,
                         QPen, QStaticText, QTransform)

from core.sheets import render_tile, to_gray

__all__ = ["ensure_gui_application", "PanelPlace", "frame_layout", "FramePainter", "paint_frame",
           "frame_pixels", "RenderedFrames", "SIZES", "BACKGROUND", "WINDOW_EDGE", "EMPTY",
           "panel_rgb"]

#: Frame sizes offered by the dialog and ``--size`` (any other ``WxH`` works too).
SIZES = ((1280, 720), (1920, 1080), (960, 540))

BACKGROUND = QColor(255, 255, 255)
TEXT = QColor(30, 30, 30)
MUTED = QColor(100, 100, 100)
GRID = QColor(200, 200, 200)
FRAME_EDGE = QColor(60, 60, 60)
#: Not-yet-computed output cells.
EMPTY = QColor(242, 242, 242)
#: The kernel window and the current output cell (the inspector's green).
WINDOW_EDGE = QColor(0, 200, 100)
TAP_FILL = QColor(0, 230, 120, 70)
PAD_TINT = (80, 160, 255, 70)
PAD_EDGE = QColor(255, 170, 0)


def ensure_gui_application():
    """The running Qt application, or a new QGuiApplication (offscreen without a display).

    Keep the returned object alive while painting.
    """
    app = QCoreApplication.instance()
    if app is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["convolution-explorer"])
    return app


@dataclass(frozen=True)
class PanelPlace:
    """Where one panel sits in the frame: its cells start at ``(x, y)``, each ``cell`` pixels."""

    x: int
    y: int
    cell: int
    rows: int
    cols: int

    def cell_rect(self, row, col):
        """``(x, y, size)`` of one cell in frame pixels."""
        return self.x + col * self.cell, self.y + row * self.cell, self.cell


@dataclass(frozen=True)
class _Layout:
    width: int
    height: int
    margin: float
    title_px: int
    subtitle_px: int
    panel_title_px: int
    line_px: int
    panels: tuple
    symbols: tuple
    lines_top: float


def _font(pixels, bold=False):
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(6, int(pixels)))
    font.setBold(bold)
    return font


def frame_layout(frame, size):
    """The :class:`PanelPlace` of each panel of ``frame`` in an image of ``size`` (w, h), and the
    text sizes."""
    width, height = size
    margin = max(8.0, height * 0.035)
    title_px = int(height * 0.042)
    subtitle_px = int(height * 0.024)
    panel_title_px = int(height * 0.028)
    line_px = int(height * 0.03)
    top = margin + title_px * 1.35 + subtitle_px * 1.6 + panel_title_px * 1.6
    n_lines = max(1, len(frame.lines))
    bottom = margin + n_lines * line_px * 1.5 + line_px * 0.4
    area_w = width - 2 * margin
    area_h = height - top - bottom
    shapes = [p.values.shape[:2] for p in frame.panels]
    small = [p.colormap == "weights" for p in frame.panels]  # kernels: few cells
    n_gaps = len(shapes) - 1
    gap_share = 0.09 * area_w
    gap = max(24.0, gap_share / max(n_gaps, 1)) if n_gaps else 0.0
    big = [s for s, k in zip(shapes, small) if not k] or shapes
    # One cell size for the input and output (so they compare); kernels at least readable.
    readable = max(12, int(height * 0.05))
    cell = max(1, int(min((area_w - n_gaps * gap) / sum(c for _, c in shapes),
                          area_h / max(r for r, _ in shapes))))
    for _ in range(2):
        cells = [max(cell, int(min(readable, area_h / r))) if k else cell
                 for (r, _), k in zip(shapes, small)]
        kernel_w = sum(c * size for (_, c), size, k in zip(shapes, cells, small) if k)
        cell = max(1, int(min((area_w - n_gaps * gap - kernel_w) / sum(c for _, c in big),
                              area_h / max(r for r, _ in big))))
        gap = max(24.0, min(cell * 1.6, gap_share / max(n_gaps, 1))) if n_gaps else 0.0
    cells = [max(cell, int(min(readable, area_h / r))) if k else cell
             for (r, _), k in zip(shapes, small)]
    used_w = sum(c * size for (_, c), size in zip(shapes, cells)) + n_gaps * gap
    x = margin + (area_w - used_w) / 2
    places, symbols = [], []
    for i, ((rows, cols), size) in enumerate(zip(shapes, cells)):
        y = top + (area_h - rows * size) / 2
        places.append(PanelPlace(int(round(x)), int(round(y)), size, rows, cols))
        x += cols * size
        if i < n_gaps:
            symbols.append((x + gap / 2, top + area_h / 2))
            x += gap
    lines_top = height - bottom + line_px * 0.4
    return _Layout(width, height, margin, title_px, subtitle_px, panel_title_px, line_px,
                   tuple(places), tuple(symbols), lines_top)


def _qcolor_rgb(colour):
    return np.array(colour.getRgb()[:3], np.uint8)


def panel_rgb(panel, lut_for):
    """``(h, w, 3)`` uint8 cell colours of a panel (before padding tint); ``lut_for(name)``
    gives a colormap's ``(256, 3)`` table."""
    values = np.asarray(panel.shown, dtype=np.float64)
    if panel.colormap == "rgb":
        return to_gray(values, panel.levels)
    if panel.colormap == "weights":
        from .kernel_grid import cell_colour

        bound = float(panel.levels[1])
        rgb = np.empty(values.shape + (3,), np.uint8)
        for (r, c), v in np.ndenumerate(values):
            rgb[r, c] = _qcolor_rgb(cell_colour(v, bound))
        return rgb
    empty = np.isnan(values)
    rgb = render_tile(np.where(empty, panel.levels[0], values), panel.levels,
                      lut_for(panel.colormap))
    rgb[empty] = _qcolor_rgb(EMPTY)
    return rgb


def _lookup_table(name):
    from . import display

    return display.lookup_table(name)


def _tinted(rgb, mask):
    if mask is None or not mask.any():
        return rgb
    r, g, b, a = PAD_TINT
    alpha = a / 255.0
    out = rgb.astype(np.float64)
    out[mask] = out[mask] * (1 - alpha) + np.array([r, g, b]) * alpha
    return np.rint(out).astype(np.uint8)


def _to_qimage(rgb):
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888)
    return image.copy()


def _fit_font(text, max_width, pixels, bold=False, minimum=8):
    font = _font(pixels, bold)
    width = QFontMetricsF(font).horizontalAdvance(text)
    if width > max_width and width > 0:
        font = _font(max(minimum, pixels * max_width / width), bold)
    return font


class FramePainter:
    """Paints frames of one size; remembers the panels that do not change from frame to frame
    (the input and the kernel) and the laid-out numbers, so a long animation paints fast."""

    _CACHE_PANELS = 12

    def __init__(self, size):
        self.size = (int(size[0]), int(size[1]))
        self._panels = {}
        self._texts = {}

    _CACHE_TEXTS = 4096

    def pixels(self, frame):
        """``frame`` as an ``(h, w, 3)`` uint8 array."""
        return _qimage_pixels(self.paint(frame))

    def paint(self, frame):
        """Draw ``frame`` into a new QImage (RGB888) and return it."""
        if len(self._texts) > self._CACHE_TEXTS:
            self._texts.clear()
        width, height = self.size
        layout = frame_layout(frame, self.size)
        image = QImage(width, height, QImage.Format_RGB888)
        image.fill(BACKGROUND)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.Antialiasing, False)
            painter.setRenderHint(QPainter.TextAntialiasing, True)
            m = layout.margin
            text_w = width - 2 * m
            self._line(painter, frame.title, m, m, text_w, layout.title_px, TEXT, bold=True)
            self._line(painter, frame.subtitle, m, m + layout.title_px * 1.35, text_w,
                       layout.subtitle_px, MUTED)
            for panel, place in zip(frame.panels, layout.panels):
                painter.drawImage(place.x, place.y, self._panel_base(panel, place))
                _paint_marks(painter, panel, place)
                w = place.cols * place.cell
                self._line(painter, panel.title, place.x + w / 2,
                           place.y - layout.panel_title_px * 1.45, max(w, 8 * layout.panel_title_px),
                           layout.panel_title_px, TEXT, bold=True, centre=True)
            painter.setFont(_font(layout.title_px * 1.2, bold=True))
            painter.setPen(MUTED)
            for (x, y), text in zip(layout.symbols, _symbols(frame, len(layout.symbols))):
                painter.drawText(QRectF(x - 40, y - 40, 80, 80), Qt.AlignCenter, text)
            y = layout.lines_top
            for i, line in enumerate(frame.lines):
                colour = TEXT if i == 0 else MUTED
                self._line(painter, line, m, y, text_w, layout.line_px, colour, bold=i == 0)
                y += layout.line_px * 1.5
        finally:
            painter.end()
        return image

    def _panel_base(self, panel, place):
        """The panel's cells, grid, numbers and edges (no window outline), cached by content."""
        key = (place.cell, panel.colormap, tuple(panel.levels), panel.numbers,
               np.asarray(panel.values).shape, hash(np.asarray(panel.values).tobytes()),
               None if panel.padding is None else hash(panel.padding.tobytes()))
        base = self._panels.get(key)
        if base is None:
            base = self._draw_panel_base(panel, place)
            if len(self._panels) >= self._CACHE_PANELS:
                self._panels.pop(next(iter(self._panels)))
            self._panels[key] = base
        return base

    def _draw_panel_base(self, panel, place):
        cell, rows, cols = place.cell, place.rows, place.cols
        rgb = _tinted(panel_rgb(panel, _lookup_table), panel.padding)
        big = np.repeat(np.repeat(rgb, cell, axis=0), cell, axis=1)
        canvas = np.empty((rows * cell + 1, cols * cell + 1, 3), np.uint8)
        canvas[:-1, :-1] = big
        if cell >= 6:
            canvas[::cell, :] = _qcolor_rgb(GRID)
            canvas[:, ::cell] = _qcolor_rgb(GRID)
        edge = _qcolor_rgb(FRAME_EDGE)
        canvas[[0, -1], :] = edge
        canvas[:, [0, -1]] = edge
        image = _to_qimage(canvas)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.TextAntialiasing, True)
            if panel.numbers and panel.colormap != "rgb" and cell >= 18:
                self._paint_numbers(painter, panel, cell, rgb)
            if panel.padding is not None and panel.padding.any():
                inner = np.argwhere(~panel.padding)
                if len(inner):
                    (r0, c0), (r1, c1) = inner.min(axis=0), inner.max(axis=0)
                    pen = QPen(PAD_EDGE, max(1.5, cell * 0.05))
                    pen.setStyle(Qt.DashLine)
                    painter.setPen(pen)
                    painter.setBrush(Qt.NoBrush)
                    painter.drawRect(QRectF(c0 * cell, r0 * cell, (c1 - c0 + 1) * cell,
                                            (r1 - r0 + 1) * cell))
        finally:
            painter.end()
        return image

    def _paint_numbers(self, painter, panel, cell, rgb):
        values = np.asarray(panel.values, dtype=np.float64)
        cols = values.shape[1]
        texts = {divmod(i, cols): _cell_text(v)
                 for i, v in enumerate(values.ravel().tolist()) if v == v}
        if not texts:
            return
        longest = max(texts.values(), key=len)
        font = _fit_font(longest, cell * 0.86, cell * 0.34, minimum=6)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        dark, light = QColor(20, 20, 20), QColor(250, 250, 250)
        lightness = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        for (r, c), text in texts.items():
            static = self._static_text(text, font)
            painter.setPen(dark if lightness[r, c] > 140 else light)
            size = static.size()
            painter.drawStaticText(QPointF(c * cell + (cell - size.width()) / 2,
                                           r * cell + (cell - metrics.height()) / 2), static)

    def _line(self, painter, text, x, y, max_width, pixels, colour, bold=False, centre=False):
        """One line of text at ``(x, y)`` (top-left; or centred on ``x``), shrunk to
        ``max_width`` and then elided in the middle if still too long."""
        key = ("line", text, int(pixels), int(max_width), bold)
        entry = self._texts.get(key)
        if entry is None:
            font = _fit_font(text, max_width, pixels, bold)
            shown = QFontMetricsF(font).elidedText(text, Qt.ElideMiddle, max_width)
            static = QStaticText(shown)
            static.setTextFormat(Qt.PlainText)
            static.prepare(QTransform(), font)
            entry = self._texts[key] = (font, static)
        font, static = entry
        painter.setFont(font)
        painter.setPen(colour)
        if centre:
            x -= static.size().width() / 2
        painter.drawStaticText(QPointF(x, y), static)
        return static.size().height()

    def _static_text(self, text, font):
        key = (text, font.pixelSize())
        static = self._texts.get(key)
        if static is None:
            static = QStaticText(text)
            static.setTextFormat(Qt.PlainText)
            static.prepare(QTransform(), font)
            self._texts[key] = static
        return static


def _symbols(frame, count):
    """The operators between the panels: input ∗ kernel = output, feature map → pooled."""
    if frame.stage != "conv":
        return ("→",) * count
    if count < 2:
        return ("=",) * count
    # input ∗ kernel = output; the kernels of several channels side by side, summed.
    return ("∗",) + ("",) * (count - 2) + ("=",)


def _paint_marks(painter, panel, place):
    """The kernel's window (and its taps under dilation) and the cell being computed."""
    cell = place.cell
    if panel.taps is not None and panel.window is not None:
        top, left, bottom, right = panel.window
        if not panel.taps[top:bottom + 1, left:right + 1].all():
            for r, c in zip(*np.nonzero(panel.taps)):
                painter.fillRect(QRectF(place.x + c * cell, place.y + r * cell, cell, cell),
                                 TAP_FILL)
    edge = max(2.0, min(8.0, cell * 0.09))
    pen = QPen(WINDOW_EDGE, edge)
    pen.setJoinStyle(Qt.MiterJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    boxes = []
    if panel.window is not None:
        boxes.append(panel.window)
    if panel.current is not None:
        boxes.append(panel.current * 2)
    for top, left, bottom, right in boxes:
        rect = QRectF(place.x + left * cell + edge / 2, place.y + top * cell + edge / 2,
                      (right - left + 1) * cell - edge, (bottom - top + 1) * cell - edge)
        if rect.width() < 10 or rect.height() < 10:  # tiny cells: keep the window findable
            rect = QRectF(rect.center().x() - 6, rect.center().y() - 6, 12, 12)
        painter.drawRect(rect)


def _cell_text(value):
    """A cell's number: at most 3 significant digits (the sum below the panels has more)."""
    if value == int(value) and abs(value) < 1e5:
        return str(int(value))
    return f"{value:.3g}"


def paint_frame(frame, size):
    """Draw ``frame`` into a new ``size`` = ``(width, height)`` QImage (RGB888) and return it."""
    return FramePainter(size).paint(frame)


def _qimage_pixels(image):
    width, height = image.width(), image.height()
    pointer = image.constBits()
    pointer.setsize(image.bytesPerLine() * height)
    rows = np.frombuffer(pointer, np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, :3 * width].reshape(height, width, 3).copy()


def frame_pixels(frame, size):
    """``frame`` painted at ``size`` as an ``(h, w, 3)`` uint8 array."""
    return FramePainter(size).pixels(frame)


class RenderedFrames:
    """The frames of an :class:`core.frames.Animation` as pixel arrays, painted on demand."""

    def __init__(self, animation, size):
        self.animation = animation
        self.size = (int(size[0]), int(size[1]))
        self.painter = FramePainter(self.size)

    def __len__(self):
        return len(self.animation)

    def __getitem__(self, index):
        return self.painter.pixels(self.animation[index])
