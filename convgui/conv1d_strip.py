"""The picture of the 1-D convolution lesson: padded signal, flipped kernel, products, output.

:class:`ConvolutionStrip` draws one :class:`core.conv1d.Walkthrough` at one step as rows of
cells, large enough for a projector (the added zeros greyed, the kernel's window framed, the
output filling in). :func:`sum_text` writes a step's sum out. :class:`convgui.conv1d_tab.Conv1DTab`
puts the strip together with its inputs and step controls.
"""

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from core.kernels import format_weight

__all__ = ["ConvolutionStrip", "format_value", "sum_text"]

_PAD_FILL = QColor("#eceff1")
_PAD_TEXT = QColor("#90a4ae")
_CELL_FILL = QColor("#ffffff")
_GRID = QColor("#607d8b")
_WINDOW = QColor("#1565c0")
_KERNEL_FILL = QColor("#ffe0b2")
_PRODUCT_FILL = QColor("#e3f2fd")
_DONE_FILL = QColor("#c8e6c9")
_CURRENT_FILL = QColor("#66bb6a")
_LABEL = QColor("#37474f")


def format_value(value, digits=4):
    """Short text for a value: whole numbers without decimals, else ``digits`` significant digits.

    Examples
    --------
    >>> format_value(14), format_value(-2.0), format_value(1 / 3), format_value(1 / 3, 3)
    ('14', '-2', '0.3333', '0.333')
    """
    return format_weight(value, digits)


def _factor(value):
    text = format_value(value)
    return f"({text})" if text.startswith("-") else text


def sum_text(walk, step):
    """The sum of one step written out: ``"y[1] = 2·1 + 6·2 = 14"``.

    Examples
    --------
    >>> from core.conv1d import convolve1d_steps
    >>> sum_text(convolve1d_steps([1, 2, 5, 4], [6, 2]), 1)
    'y[1] = 2·1 + 6·2 = 14'
    """
    s = walk[step]
    terms = " + ".join(f"{_factor(w)}·{_factor(x)}" for w, x in zip(walk.flipped, s.window))
    return f"y[{s.index}] = {terms} = {format_value(s.total)}"


def _anchor(walk, step):
    """Column of the padded signal under which output ``step`` is drawn.

    ``y[n]`` sits under ``x[n]`` for 'full' and 'same' (the kernel's last tap, or its centre);
    for 'valid' under the last tap as well.
    """
    k = len(walk.kernel)
    return walk[step].start + (k // 2 if walk.mode == "same" else k - 1)


class ConvolutionStrip(QWidget):
    """The picture: padded signal, flipped kernel, products and output as rows of cells."""

    ROWS = ("zero-padded signal", "flipped kernel", "products", "output")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._walk = None
        self._step = 0
        self.setMinimumSize(560, 300)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setFocusPolicy(Qt.NoFocus)

    def sizeHint(self):
        return QSize(960, 440)

    def set_walkthrough(self, walk, step=0):
        """Show ``walk`` (a :class:`core.conv1d.Walkthrough`) at ``step``."""
        self._walk = walk
        self._step = step
        self.update()

    def set_step(self, step):
        self._step = step
        self.update()

    # -- what is drawn, as text (the tests read this) -------------------------------------------

    def row_texts(self):
        """The text of every cell, per row, one entry per padded-signal column ('' = empty)."""
        walk, step = self._walk, self._step
        if walk is None:
            return {name: [] for name in self.ROWS}
        columns = len(walk.padded)
        s = walk[step]
        kernel, products, output = [""] * columns, [""] * columns, [""] * columns
        for j, (w, p) in enumerate(zip(walk.flipped, s.products)):
            kernel[s.start + j] = format_value(w, 3)
            products[s.start + j] = format_value(p, 3)
        for i in range(step + 1):
            output[_anchor(walk, i)] = format_value(walk[i].total, 3)
        return {"zero-padded signal": [format_value(v, 3) for v in walk.padded],
                "flipped kernel": kernel, "products": products, "output": output}

    def output_texts(self):
        """The output row as the learner sees it: computed values, then '' for those to come."""
        walk = self._walk
        if walk is None:
            return []
        return [format_value(walk[i].total, 3) if i <= self._step else ""
                for i in range(len(walk))]

    # -- geometry ------------------------------------------------------------------------------

    def _layout(self):
        """``(label width, cell size, x of column 0, y of each row)``."""
        columns = len(self._walk.padded)
        label_font = self._label_font(1.0)
        label_w = max(QFontMetrics(label_font).horizontalAdvance(t) for t in self.ROWS) + 24
        margin = 14
        cell = (self.width() - label_w - 2 * margin) / columns
        cell = max(26.0, min(84.0, cell, (self.height() - 2 * margin) / 6.6))
        if label_w + columns * cell + 2 * margin > self.width():
            label_w = max(0, self.width() - columns * cell - 2 * margin)
        x0 = margin + label_w + (self.width() - 2 * margin - label_w - columns * cell) / 2
        gap = cell * 0.42
        content = cell * 0.5 + 4 * cell + 4 * gap + cell * 0.45
        top = max(margin, (self.height() - content) / 2) + cell * 0.5
        ys = [top, top + cell + gap, top + 2 * (cell + gap), top + 3 * (cell + gap) + gap]
        return label_w, cell, x0, ys

    def _label_font(self, scale):
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() * scale))
        return font

    def _cell_font(self, cell):
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(max(9, int(cell * 0.4)))
        return font

    def _index_font(self, cell):
        font = QFont(self.font())
        font.setPixelSize(max(8, min(int(cell * 0.26), 16)))
        return font

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor("#fafafa"))
        if self._walk is None:
            return
        walk, step = self._walk, self._step
        label_w, cell, x0, ys = self._layout()
        texts = self.row_texts()
        painter.setFont(self._cell_font(cell))
        s = walk[step]

        def rect(col, y):
            return QRectF(x0 + col * cell, y, cell, cell)

        for col, text in enumerate(texts["zero-padded signal"]):
            pad = walk.is_padding(col)
            self._cell(painter, rect(col, ys[0]), text, _PAD_FILL if pad else _CELL_FILL,
                       _PAD_TEXT if pad else Qt.black)
        for col in range(s.start, s.start + len(walk.kernel)):
            self._cell(painter, rect(col, ys[1]), texts["flipped kernel"][col], _KERNEL_FILL)
            self._cell(painter, rect(col, ys[2]), texts["products"][col], _PRODUCT_FILL)
        for i in range(len(walk)):
            col = _anchor(walk, i)
            r = rect(col, ys[3])
            if i < step:
                self._cell(painter, r, texts["output"][col], _DONE_FILL)
            elif i == step:
                self._cell(painter, r, texts["output"][col], _CURRENT_FILL, Qt.black, width=3)
            else:
                painter.setPen(QPen(_GRID, 1, Qt.DashLine))
                painter.setBrush(Qt.NoBrush)
                painter.drawRect(r.adjusted(2, 2, -2, -2))

        window = QRectF(x0 + s.start * cell, ys[0], len(walk.kernel) * cell, cell)
        painter.setPen(QPen(_WINDOW, 4))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(window.adjusted(-2, -2, 2, 2))
        products = QRectF(x0 + s.start * cell, ys[2], len(walk.kernel) * cell, cell)
        target = rect(_anchor(walk, step), ys[3])
        painter.setPen(QPen(_WINDOW, 2))
        painter.drawLine(QPointF(products.center().x(), products.bottom() + 3),
                         QPointF(target.center().x(), target.top() - 3))

        painter.setFont(self._index_font(cell))
        painter.setPen(_PAD_TEXT)
        for i in range(len(walk.signal)):
            r = QRectF(x0 + (walk.pad[0] + i) * cell, ys[0] - cell * 0.5, cell, cell * 0.5)
            painter.drawText(r, Qt.AlignCenter, f"x[{i}]")
        for i in range(len(walk)):
            r = QRectF(x0 + _anchor(walk, i) * cell, ys[3] + cell, cell, cell * 0.45)
            painter.drawText(r, Qt.AlignCenter, f"y[{i}]")
        painter.setFont(self._label_font(1.0))
        painter.setPen(_LABEL)
        for name, y in zip(self.ROWS, ys):
            painter.drawText(QRectF(0, y, x0 - 12, cell), Qt.AlignRight | Qt.AlignVCenter, name)

    @staticmethod
    def _cell(painter, rect, text, fill, color=Qt.black, width=1):
        """One cell; a text too wide for it is drawn in a smaller font, the others unchanged."""
        painter.setPen(QPen(_GRID, width))
        painter.setBrush(fill)
        painter.drawRect(rect)
        painter.setPen(QColor(color))
        font = painter.font()
        room = rect.width() - 6
        wide = QFontMetrics(font).horizontalAdvance(text)
        if wide > room and text:
            small = QFont(font)
            small.setPixelSize(max(8, int(font.pixelSize() * room / wide)))
            painter.setFont(small)
            painter.drawText(rect, Qt.AlignCenter, text)
            painter.setFont(font)
        else:
            painter.drawText(rect, Qt.AlignCenter, text)
