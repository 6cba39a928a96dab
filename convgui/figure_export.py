"""Print-quality figures of what the window shows: PNG at 2× or 4×, SVG or PDF, with titles.

A figure is a title and one or more *parts* (a caption and a widget: the feature maps, the
pipeline, the compare view, the inspector), stacked top to bottom. Widgets paint themselves
through :meth:`QWidget.render` into the chosen device: a QImage scaled up for PNG (so a 2×
figure is sharp on a slide, not a blown-up screenshot), a QSvgGenerator or a QPdfWriter for
vector output (text stays text; pixel maps stay crisp blocks). Files are written to a temporary
name beside the target and renamed at the end (:func:`core.atomic.atomic_path`).
"""

from pathlib import Path

from PyQt5.QtCore import QMarginsF, QPoint, QRectF, QSize, QSizeF, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, \
    QPdfWriter, QRegion
from PyQt5.QtSvg import QSvgGenerator
from PyQt5.QtWidgets import QWidget

from core.atomic import atomic_path

__all__ = ["FIGURE_FORMATS", "SCALES", "figure_format", "figure_size", "write_figure"]

FIGURE_FORMATS = {"png": "PNG image (*.png)", "svg": "SVG vector drawing (*.svg)",
                  "pdf": "PDF document (*.pdf)"}
#: Enlargements offered for PNG figures.
SCALES = (2, 4)
_MARGIN = 16
_TITLE_PX = 20
_CAPTION_PX = 14
_GAP = 12


def figure_format(path):
    """``'png'``, ``'svg'`` or ``'pdf'`` from ``path``'s suffix; ValueError otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise ValueError(f"path must end in .png, .svg or .pdf, got {str(path)!r}")
    return suffix


def _font(pixels, bold=False):
    font = QFont("DejaVu Sans")
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def figure_size(parts, title=""):
    """Logical ``(width, height)`` of a figure of ``parts`` (``(caption, widget)`` pairs)."""
    if not parts:
        raise ValueError("parts must hold at least one (caption, widget) pair")
    width = max(widget.width() for _, widget in parts) + 2 * _MARGIN
    height = _MARGIN + (int(_TITLE_PX * 1.6) if title else 0)
    for caption, widget in parts:
        height += (int(_CAPTION_PX * 1.5) if caption else 0) + widget.height() + _GAP
    return width, height - _GAP + _MARGIN


def _paint(painter, parts, title, size):
    width, height = size
    painter.fillRect(QRectF(0, 0, width, height), QColor(255, 255, 255))
    y = _MARGIN
    if title:
        painter.setFont(_font(_TITLE_PX, bold=True))
        painter.setPen(QColor(30, 30, 30))
        painter.drawText(QRectF(_MARGIN, y, width - 2 * _MARGIN, _TITLE_PX * 1.4),
                         Qt.AlignLeft | Qt.AlignVCenter, title)
        y += int(_TITLE_PX * 1.6)
    for caption, widget in parts:
        if caption:
            font = _font(_CAPTION_PX, bold=True)
            painter.setFont(font)
            painter.setPen(QColor(60, 60, 60))
            painter.drawText(QRectF(_MARGIN, y, width - 2 * _MARGIN,
                                    QFontMetricsF(font).height()),
                             Qt.AlignLeft | Qt.AlignVCenter, caption)
            y += int(_CAPTION_PX * 1.5)
        # QWidget.render itself: views (QGraphicsView) override render() with another meaning.
        QWidget.render(widget, painter, QPoint(_MARGIN, y), QRegion(),
                       QWidget.DrawChildren | QWidget.DrawWindowBackground)
        y += widget.height() + _GAP


def write_figure(path, parts, *, title="", scale=2):
    """Write ``parts`` (``(caption, widget)`` pairs) under ``title`` to ``path``.

    The format comes from the suffix (:func:`figure_format`); ``scale`` (2 or 4) enlarges PNG
    figures and is ignored by SVG and PDF, which are vector. Returns the written path.
    """
    fmt = figure_format(path)
    if fmt == "png" and scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    size = figure_size(parts, title)
    with atomic_path(path) as tmp:
        if fmt == "png":
            image = QImage(size[0] * scale, size[1] * scale, QImage.Format_RGB32)
            image.setDevicePixelRatio(1.0)
            painter = QPainter(image)
            painter.scale(scale, scale)
            _paint_ended(painter, parts, title, size)
            if not image.save(tmp, "PNG"):
                raise OSError(f"could not write {path}")
        elif fmt == "svg":
            generator = QSvgGenerator()
            generator.setFileName(tmp)
            generator.setSize(QSize(*size))
            generator.setViewBox(QRectF(0, 0, *size))
            generator.setTitle(title)
            generator.setDescription("Convolution Explorer figure")
            painter = QPainter(generator)
            _paint_ended(painter, parts, title, size)
        else:
            writer = QPdfWriter(tmp)
            writer.setTitle(title)
            writer.setCreator("Convolution Explorer")
            writer.setResolution(96)
            writer.setPageLayout(QPageLayout(
                QPageSize(QSizeF(size[0] * 72 / 96, size[1] * 72 / 96), QPageSize.Point,
                          "figure", QPageSize.ExactMatch),
                QPageLayout.Portrait, QMarginsF(0, 0, 0, 0)))
            painter = QPainter(writer)
            _paint_ended(painter, parts, title, size)
        if Path(tmp).stat().st_size == 0:
            raise OSError(f"could not write {path}")
    return Path(path)


def _paint_ended(painter, parts, title, size):
    if not painter.isActive():
        raise OSError("could not start drawing the figure")
    try:
        _paint(painter, parts, title, size)
    finally:
        painter.end()
