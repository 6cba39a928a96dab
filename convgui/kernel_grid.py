"""The kernel grid: a painted grid of weights that can be typed into and drawn on.

Positive weights are red, negative blue, zero white (the convention of the diverging colormap
and the inspector). :class:`KernelGrid` only shows and edits one 2-D slice; the
:class:`~convgui.kernel_editor.KernelEditor` around it binds it to the state.
"""

import numpy as np
from PyQt5.QtCore import QPoint, QRect, QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PyQt5.QtWidgets import QLineEdit, QSizePolicy, QToolTip, QWidget

from core.kernels import format_weight, parse_weight

__all__ = ["KernelGrid", "cell_colour"]

# Same convention as the diverging colormap and the inspector: positive red, negative blue.
_POSITIVE = QColor(200, 50, 40)
_NEGATIVE = QColor(33, 102, 172)
_ZERO = QColor(250, 250, 250)
_GRID_LINE = QColor(175, 175, 175)
_REJECTED = QColor(255, 120, 120)
_MAX_CELL = 96
_MIN_CELL = 16
#: Kernels up to 5×5 never get cells smaller than this (digits readable across a room);
#: larger kernels share the extent of five such cells, down to ``_MIN_CELL``.
_READABLE_CELL = 40
_HINT_CELL = 64
_HINT_EXTENT = 280
_FLASH_MS = 700
_EDIT_START = set("0123456789-+.\u2212")


def cell_colour(value, scale):
    """Background for a weight: white for 0, towards red for positive and blue for negative.

    ``scale`` is the largest absolute weight shown, so the strongest weight is fully tinted; any
    non-zero weight gets at least a light tint so it is visible.
    """
    if value == 0 or scale <= 0:
        return QColor(_ZERO)
    strength = 0.18 + 0.82 * min(abs(value) / scale, 1.0)
    target = _POSITIVE if value > 0 else _NEGATIVE
    return QColor(*(round(a + (b - a) * strength) for a, b in
                    zip(_ZERO.getRgb()[:3], target.getRgb()[:3])))


def _text_colour(background):
    return Qt.white if background.lightnessF() < 0.55 else Qt.black


def _typed_here(event):
    """True for keys a text field keeps: plain or shifted characters, Escape, editing keys."""
    if event.modifiers() & (Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier):
        return False
    return bool(event.text().strip()) or event.key() in (
        Qt.Key_Escape, Qt.Key_Backspace, Qt.Key_Delete, Qt.Key_Left, Qt.Key_Right, Qt.Key_Home,
        Qt.Key_End, Qt.Key_Space)


class _CellLineEdit(QLineEdit):
    """The inline editor of one cell: Enter commits, Tab commits and moves, Escape cancels."""

    committed = pyqtSignal()
    tabbed = pyqtSignal(int)
    cancelled = pyqtSignal()
    focusLost = pyqtSignal()

    def event(self, event):
        if event.type() == event.KeyPress and event.key() in (Qt.Key_Tab, Qt.Key_Backtab):
            self.tabbed.emit(-1 if event.key() == Qt.Key_Backtab else 1)
            return True
        if event.type() == event.ShortcutOverride and _typed_here(event):
            # Typed text and Escape belong to the cell: never a panel or window shortcut
            # ("c" is Clear, Esc unpins the inspector).
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.committed.emit()
        elif event.key() == Qt.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        self.focusLost.emit()


class KernelGrid(QWidget):
    """A painted grid of kernel weights that can be typed into and drawn on.

    It shows the values it is given (:meth:`set_values`) and reports edits through signals; it
    never changes its own values, the owner writes them back.

    Signals
    -------
    cellEdited(row, col, value)
        A typed weight was accepted.
    cellPainted(row, col, value)
        A drawing stroke entered a cell (brush value, or 0 when erasing).
    strokeFinished()
        The mouse button of a drawing stroke was released.
    editRejected(message)
        Typed text was not a number; the message says what is accepted.
    """

    cellEdited = pyqtSignal(int, int, float)
    cellPainted = pyqtSignal(int, int, float)
    strokeFinished = pyqtSignal()
    editRejected = pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._values = np.zeros((1, 1))
        self._current = (0, 0)
        self._stroke = None
        self._last_cell = None
        self._editing = None
        self._flash = set()
        self.draw_mode = False
        self.large = False
        self.brush_value = 1.0
        self.cell_editor = _CellLineEdit(self)
        self.cell_editor.hide()
        self.cell_editor.setToolTip("Type a number or a fraction (0.5, -2, 1/9); Enter to accept, "
                                    "Tab for the next cell, Escape to cancel")
        self.cell_editor.committed.connect(lambda: self._commit(move=0))
        self.cell_editor.tabbed.connect(lambda step: self._commit(move=step))
        self.cell_editor.cancelled.connect(self._cancel_edit)
        self.cell_editor.focusLost.connect(self._on_editor_focus_lost)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setToolTip("Kernel weights: double-click or type to edit; turn on Draw to paint")

    # -- values ------------------------------------------------------------------------------

    def set_values(self, values):
        """Show ``values`` (a 2-D array); keeps the current cell and an open editor if they fit."""
        values = np.array(values, dtype=np.float64)
        reshaped = values.shape != self._values.shape
        self._values = values
        rows, cols = values.shape
        self._current = (min(self._current[0], rows - 1), min(self._current[1], cols - 1))
        if self._editing is not None and (self._editing[0] >= rows or self._editing[1] >= cols):
            self._close_editor()
        if reshaped:
            self.updateGeometry()
            self._place_editor()
        self.update()

    def values(self):
        """A copy of the displayed weights."""
        return self._values.copy()

    def cell_text(self, row, col):
        """The exact text of a displayed weight (what its tooltip shows)."""
        return format_weight(self._values[row, col])

    @property
    def current_cell(self):
        """``(row, col)`` of the keyboard cursor."""
        return self._current

    # -- geometry ----------------------------------------------------------------------------

    def _cell_size(self):
        rows, cols = self._values.shape
        size = min((self.width() - 2) // cols, (self.height() - 2) // rows)
        return max(4, min(size, _MAX_CELL if not self.large else 2 * _MAX_CELL))

    def _origin(self):
        rows, cols = self._values.shape
        size = self._cell_size()
        return QPoint((self.width() - cols * size) // 2, (self.height() - rows * size) // 2)

    def cell_rect(self, row, col):
        """The rectangle of cell ``(row, col)`` in this widget's coordinates (for tests too)."""
        size = self._cell_size()
        origin = self._origin()
        return QRect(origin.x() + col * size, origin.y() + row * size, size, size)

    def cell_at(self, pos):
        """``(row, col)`` of the cell under ``pos`` (widget coordinates), or ``None``."""
        size = self._cell_size()
        origin = self._origin()
        col = (pos.x() - origin.x()) // size
        row = (pos.y() - origin.y()) // size
        rows, cols = self._values.shape
        if 0 <= row < rows and 0 <= col < cols:
            return int(row), int(col)
        return None

    def sizeHint(self):
        rows, cols = self._values.shape
        size = max(_MIN_CELL + 2, min(_HINT_CELL, _HINT_EXTENT // max(rows, cols)))
        return QSize(cols * size + 2, rows * size + 2)

    def minimumSizeHint(self):
        rows, cols = self._values.shape
        readable = _READABLE_CELL * (2 if self.large else 1)
        cell = max(_MIN_CELL, min(readable, 5 * readable // max(rows, cols)))
        return QSize(cols * cell + 2, rows * cell + 2)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._place_editor()

    # -- painting ----------------------------------------------------------------------------

    def _font_for(self, size):
        font = QFont(self.font())
        if self.large:
            font.setPixelSize(int(max(7, min(56, size * 0.42))))
        else:
            font.setPixelSize(int(max(7, min(24, size * 0.3))))
        return font

    def set_large(self, on):
        """Presentation size: cells of at least 80 px up to 5×5 and digits of about 0.4 of a
        cell (≥ 32 px), for the back of a room."""
        self.large = bool(on)
        self.updateGeometry()
        self.update()

    @staticmethod
    def _short_texts(value):
        texts = []
        for digits in (3, 2, 1):
            text = format_weight(value, digits)
            texts.append(text)
            if text.startswith(("0.", "-0.")):
                texts.append(text.replace("0.", ".", 1))
        return texts

    def _fitting_text(self, value, metrics, width):
        texts = self._short_texts(value)
        for text in texts:
            if metrics.horizontalAdvance(text) <= width:
                return text
        return min(texts, key=len)

    def paintEvent(self, event):
        painter = QPainter(self)
        rows, cols = self._values.shape
        size = self._cell_size()
        scale = float(np.abs(self._values).max())
        font = self._font_for(size)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        for row in range(rows):
            for col in range(cols):
                self._paint_cell(painter, row, col, scale, metrics)
        self._paint_anchor(painter)
        self._paint_current(painter)
        painter.end()

    def _paint_cell(self, painter, row, col, scale, metrics):
        rect = self.cell_rect(row, col)
        value = self._values[row, col]
        background = _REJECTED if (row, col) in self._flash else cell_colour(value, scale)
        painter.fillRect(rect, background)
        painter.setPen(QPen(_GRID_LINE, 1))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.setPen(_text_colour(background))
        text = self._fitting_text(value, metrics, rect.width() - 4)
        painter.drawText(rect, Qt.AlignCenter, text)

    def _paint_anchor(self, painter):
        rows, cols = self._values.shape
        rect = self.cell_rect((rows - 1) // 2, (cols - 1) // 2)
        pen = QPen(QColor(90, 90, 90), 1, Qt.DotLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(rect.adjusted(2, 2, -3, -3))

    def _paint_current(self, painter):
        if not self.hasFocus() and self._editing is None:
            return
        rect = self.cell_rect(*self._current)
        painter.setPen(QPen(self.palette().highlight().color(), 3))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(rect.adjusted(1, 1, -2, -2))

    def flash(self, row, col):
        """Tint a cell red for a moment (a refused edit)."""
        self._flash.add((row, col))
        self.update()
        QTimer.singleShot(_FLASH_MS, self._end_flash)

    def _end_flash(self):
        self._flash.clear()
        self.update()

    # -- tooltips ----------------------------------------------------------------------------

    def event(self, event):
        if event.type() == event.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is not None:
                QToolTip.showText(event.globalPos(), self._cell_tip(*cell), self,
                                  self.cell_rect(*cell))
                return True
        return super().event(event)

    def _cell_tip(self, row, col):
        how = ("drag to paint, right-drag to erase" if self.draw_mode
               else "double-click or type to edit")
        return f"Row {row + 1}, column {col + 1}: {self.cell_text(row, col)}\n({how})"

    # -- drawing with the mouse --------------------------------------------------------------

    def mousePressEvent(self, event):
        cell = self.cell_at(event.pos())
        if cell is None:
            return super().mousePressEvent(event)
        self.setFocus(Qt.MouseFocusReason)
        self._current = cell
        if self.draw_mode and event.button() in (Qt.LeftButton, Qt.RightButton):
            self._stroke = self.brush_value if event.button() == Qt.LeftButton else 0.0
            self._last_cell = cell
            self.cellPainted.emit(cell[0], cell[1], self._stroke)
        self.update()

    def mouseMoveEvent(self, event):
        if self._stroke is None:
            return super().mouseMoveEvent(event)
        cell = self.cell_at(event.pos())
        if cell is None or cell == self._last_cell:
            return
        for row, col in _cells_between(self._last_cell, cell):
            self.cellPainted.emit(row, col, self._stroke)
        self._last_cell = cell
        self._current = cell

    def mouseReleaseEvent(self, event):
        if self._stroke is None:
            return super().mouseReleaseEvent(event)
        self._stroke = None
        self._last_cell = None
        self.strokeFinished.emit()

    def mouseDoubleClickEvent(self, event):
        cell = self.cell_at(event.pos())
        if cell is not None and not self.draw_mode and event.button() == Qt.LeftButton:
            self.edit_cell(*cell)
        else:
            self.mousePressEvent(event)

    # -- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event):
        key, text = event.key(), event.text()
        moves = {Qt.Key_Left: (0, -1), Qt.Key_Right: (0, 1), Qt.Key_Up: (-1, 0),
                 Qt.Key_Down: (1, 0)}
        if key in moves:
            self._move_current(*moves[key])
        elif key in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_F2):
            self.edit_cell(*self._current)
        elif key in (Qt.Key_Delete, Qt.Key_Backspace):
            self.cellEdited.emit(self._current[0], self._current[1], 0.0)
        elif text and text in _EDIT_START and not event.modifiers() & Qt.ControlModifier:
            self.edit_cell(*self._current, text=text)
        else:
            super().keyPressEvent(event)

    def _move_current(self, d_row, d_col):
        rows, cols = self._values.shape
        row, col = self._current
        self._current = (min(max(row + d_row, 0), rows - 1), min(max(col + d_col, 0), cols - 1))
        self.update()

    def focusInEvent(self, event):
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        self.update()

    # -- typing into a cell ------------------------------------------------------------------

    def edit_cell(self, row, col, text=None):
        """Open the inline editor on cell ``(row, col)``; return it (a ``QLineEdit``).

        Without ``text`` it starts with the cell's exact value selected; with ``text`` it starts
        with that text (a key typed on the grid).
        """
        self._editing = (row, col)
        self._current = (row, col)
        editor = self.cell_editor
        editor.setStyleSheet("")
        editor.setFont(self._font_for(self._cell_size()))
        editor.setAlignment(Qt.AlignCenter)
        editor.setText(self.cell_text(row, col) if text is None else text)
        self._place_editor()
        editor.show()
        editor.setFocus(Qt.OtherFocusReason)
        if text is None:
            editor.selectAll()
        self.update()
        return editor

    def _place_editor(self):
        if self._editing is None:
            return
        rect = self.cell_rect(*self._editing)
        width = max(rect.width(), 64)
        self.cell_editor.setGeometry(rect.center().x() - width // 2, rect.y(), width,
                                     max(rect.height(), 24))

    def _commit(self, move=0):
        if self._editing is None:
            return
        row, col = self._editing
        try:
            value = parse_weight(self.cell_editor.text())
        except ValueError as exc:
            self.cell_editor.setStyleSheet("background: #ffd6d6; color: #800000;")
            self.cell_editor.selectAll()
            self.flash(row, col)
            self.editRejected.emit(str(exc))
            return
        self._close_editor()
        self.cellEdited.emit(row, col, value)
        if move:
            self._edit_next(row, col, move)

    def _edit_next(self, row, col, step):
        rows, cols = self._values.shape
        index = (row * cols + col + step) % (rows * cols)
        self.edit_cell(index // cols, index % cols)

    def _cancel_edit(self):
        self._close_editor()

    def _on_editor_focus_lost(self):
        """Clicking elsewhere accepts a valid number and gives up on anything else."""
        if self._editing is None or not self.cell_editor.isVisible():
            return
        try:
            parse_weight(self.cell_editor.text())
        except ValueError:
            self._close_editor(refocus=False)
            return
        self._commit()

    def _close_editor(self, refocus=True):
        self._editing = None
        had_focus = self.cell_editor.hasFocus()
        self.cell_editor.hide()
        if refocus and had_focus:
            self.setFocus(Qt.OtherFocusReason)
        self.update()

    @property
    def editing(self):
        """``(row, col)`` of the cell being typed into, or ``None``."""
        return self._editing


def _cells_between(start, end):
    """The cells on the straight line from ``start`` (excluded) to ``end`` (included)."""
    (r0, c0), (r1, c1) = start, end
    steps = max(abs(r1 - r0), abs(c1 - c0))
    cells = []
    for i in range(1, steps + 1):
        cell = (round(r0 + (r1 - r0) * i / steps), round(c0 + (c1 - c0) * i / steps))
        if not cells or cells[-1] != cell:
            cells.append(cell)
    return cells
