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
                         QPen)

from core.sheets import render_tile, to_gray

__all__ = ["ensure_gui_application", "PanelPlace", "frame_layout", "paint_frame",
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
    total_cols = sum(c for _, c in shapes)
    max_rows = max(r for r, _ in shapes)
    n_gaps = len(shapes) - 1
    gap_share = 0.09 * area_w
    cell = int(min((area_w - n_gaps * max(gap_share / max(n_gaps, 1), 24)) / total_cols,
                   area_h / max_rows))
    cell = max(cell, 1)
    gap = max(24, min(cell * 1.6, gap_share / max(n_gaps, 1))) if n_gaps else 0
    used_w = total_cols * cell + n_gaps * gap
    x = margin + (area_w - used_w) / 2
    places, symbols = [], []
    for i, (rows, cols) in enumerate(shapes):
        y = top + (area_h - rows * cell) / 2
        places.append(PanelPlace(int(round(x)), int(round(y)), cell, rows, cols))
        x += cols * cell
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
        from .kernel_editor import cell_colour

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


def _draw_text_line(painter, text, x, y, max_width, pixels, colour, bold=False,
                    align=Qt.AlignLeft):
    font = _fit_font(text, max_width, pixels, bold)
    painter.setFont(font)
    painter.setPen(colour)
    metrics = QFontMetricsF(font)
    shown = metrics.elidedText(text, Qt.ElideMiddle, max_width)
    painter.drawText(QRectF(x, y, max_width, metrics.height() * 1.2), align | Qt.AlignTop,
                     shown)


def _paint_panel(painter, panel, place, title_px):
    cell, rows, cols = place.cell, place.rows, place.cols
    w, h = cols * cell, rows * cell
    rgb = _tinted(panel_rgb(panel, _lookup_table), panel.padding)
    painter.drawImage(QRectF(place.x, place.y, w, h), _to_qimage(rgb))
    if panel.taps is not None and panel.window is not None:
        top, left, bottom, right = panel.window
        if not panel.taps[top:bottom + 1, left:right + 1].all():
            for r, c in zip(*np.nonzero(panel.taps)):
                painter.fillRect(QRectF(place.x + c * cell, place.y + r * cell, cell, cell),
                                 TAP_FILL)
    if cell >= 6:
        painter.setPen(QPen(GRID, 1))
        for r in range(1, rows):
            painter.drawLine(QPointF(place.x, place.y + r * cell),
                             QPointF(place.x + w, place.y + r * cell))
        for c in range(1, cols):
            painter.drawLine(QPointF(place.x + c * cell, place.y),
                             QPointF(place.x + c * cell, place.y + h))
    if panel.numbers and panel.colormap != "rgb" and cell >= 18:
        _paint_numbers(painter, panel, place, rgb)
    if panel.padding is not None and panel.padding.any():
        inner = np.argwhere(~panel.padding)
        if len(inner):
            (r0, c0), (r1, c1) = inner.min(axis=0), inner.max(axis=0)
            pen = QPen(PAD_EDGE, max(1.5, cell * 0.05))
            pen.setStyle(Qt.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(QRectF(place.x + c0 * cell, place.y + r0 * cell,
                                    (c1 - c0 + 1) * cell, (r1 - r0 + 1) * cell))
    painter.setPen(QPen(FRAME_EDGE, 1))
    painter.setBrush(Qt.NoBrush)
    painter.drawRect(QRectF(place.x, place.y, w, h))
    edge = max(2.0, min(8.0, cell * 0.09))
    pen = QPen(WINDOW_EDGE, edge)
    pen.setJoinStyle(Qt.MiterJoin)
    painter.setPen(pen)
    boxes = []
    if panel.window is not None:
        boxes.append(panel.window)
    if panel.current is not None:
        boxes.append(panel.current * 2)
    for top, left, bottom, right in boxes:
        painter.drawRect(QRectF(place.x + left * cell + edge / 2, place.y + top * cell + edge / 2,
                                (right - left + 1) * cell - edge, (bottom - top + 1) * cell - edge))
    font = _fit_font(panel.title, max(w, 4 * title_px), title_px, bold=True)
    painter.setFont(font)
    painter.setPen(TEXT)
    metrics = QFontMetricsF(font)
    text_w = max(w, metrics.horizontalAdvance(panel.title) + 4)
    painter.drawText(QRectF(place.x + w / 2 - text_w / 2, place.y - metrics.height() * 1.35,
                            text_w, metrics.height() * 1.2), Qt.AlignHCenter | Qt.AlignBottom,
                     panel.title)


def _paint_numbers(painter, panel, place, rgb):
    cell = place.cell
    values = np.asarray(panel.values, dtype=np.float64)
    cols = values.shape[1]
    texts = {divmod(i, cols): _cell_text(v)
             for i, v in enumerate(values.ravel().tolist()) if v == v}
    if not texts:
        return
    longest = max(texts.values(), key=len)
    font = _fit_font(longest, cell * 0.86, cell * 0.34, minimum=6)
    painter.setFont(font)
    for (r, c), text in texts.items():
        red, green, blue = (int(x) for x in rgb[r, c])
        light = (0.299 * red + 0.587 * green + 0.114 * blue) > 140
        painter.setPen(QColor(20, 20, 20) if light else QColor(250, 250, 250))
        painter.drawText(QRectF(place.x + c * cell, place.y + r * cell, cell, cell),
                         Qt.AlignCenter, text)


def _cell_text(value):
    """A cell's number: at most 3 significant digits (the sum below the panels has more)."""
    if value == int(value) and abs(value) < 1e5:
        return str(int(value))
    return f"{value:.3g}"


def paint_frame(frame, size):
    """Draw ``frame`` into a new ``size`` = ``(width, height)`` QImage (RGB888) and return it."""
    width, height = int(size[0]), int(size[1])
    layout = frame_layout(frame, (width, height))
    image = QImage(width, height, QImage.Format_RGB888)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.Antialiasing, False)
        painter.setRenderHint(QPainter.TextAntialiasing, True)
        m = layout.margin
        text_w = width - 2 * m
        _draw_text_line(painter, frame.title, m, m, text_w, layout.title_px, TEXT, bold=True)
        _draw_text_line(painter, frame.subtitle, m, m + layout.title_px * 1.35, text_w,
                        layout.subtitle_px, MUTED)
        for panel, place in zip(frame.panels, layout.panels):
            _paint_panel(painter, panel, place, layout.panel_title_px)
        symbol = ("∗", "=") if frame.stage == "conv" else ("→",)
        symbols = symbol if len(layout.symbols) <= len(symbol) else (
            ("∗",) * (len(layout.symbols) - 1) + ("=",))
        painter.setFont(_font(layout.title_px * 1.2, bold=True))
        painter.setPen(MUTED)
        for (x, y), text in zip(layout.symbols, symbols):
            painter.drawText(QRectF(x - 40, y - 40, 80, 80), Qt.AlignCenter, text)
        y = layout.lines_top
        for i, line in enumerate(frame.lines):
            colour = TEXT if i == 0 else MUTED
            _draw_text_line(painter, line, m, y, text_w, layout.line_px, colour, bold=i == 0)
            y += layout.line_px * 1.5
    finally:
        painter.end()
    return image


def frame_pixels(frame, size):
    """``frame`` painted at ``size`` as an ``(h, w, 3)`` uint8 array."""
    image = paint_frame(frame, size)
    width, height = image.width(), image.height()
    pointer = image.constBits()
    pointer.setsize(image.bytesPerLine() * height)
    rows = np.frombuffer(pointer, np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, :3 * width].reshape(height, width, 3).copy()


class RenderedFrames:
    """The frames of an :class:`core.frames.Animation` as pixel arrays, painted on demand."""

    def __init__(self, animation, size):
        self.animation = animation
        self.size = (int(size[0]), int(size[1]))

    def __len__(self):
        return len(self.animation)

    def __getitem__(self, index):
        return frame_pixels(self.animation[index], self.size)
