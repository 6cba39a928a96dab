"""The kernel editor: pick a preset, type or draw weights, shape the kernel bank, save and load.

:class:`KernelEditor` is bound both ways to an :class:`~convgui.state.ExplorerState`: every user
edit writes a whole new bank into ``state.kernels``; every state change redraws the controls with
their signals blocked. The editor keeps no kernel data of its own beyond what the grid displays.

Decisions
---------
* **Edits act on one 2-D slice**: the active channel of the active kernel
  (``state.kernel_2d``). Size changes, presets and files act on the whole bank.
* **Resizing keeps the kernel centred**: the anchor cell ``((k - 1) // 2)`` stays the anchor,
  growing pads with zeros around, shrinking crops the outside (:func:`core.kernels.resize_kernel`),
  for every channel and kernel of the bank. Growing and shrinking back restores the kernel.
* **Typing** a weight accepts numbers and fractions (``-2``, ``0.5``, ``1/9``). Anything else is
  refused: the cell keeps its value, the state is untouched, the cell editor turns red and a hint
  explains; Escape or clicking elsewhere gives up.
* **Drawing**: with *Draw* on, a left-button drag paints the brush value into every cell the
  pointer crosses and a right-button drag sets them to 0. The state is written at every cell
  entered (the outputs follow live). :attr:`KernelEditor.editStarted` is emitted at the press
  and :attr:`KernelEditor.editFinished` once at the release, so one drag can be one undo step.
  Every other edit is wrapped the same way: ``editStarted``, the write(s), ``editFinished``.
* **Normalise** scales the slice to sum 1. A slice that sums to 0 (an edge detector) cannot be
  scaled to sum 1: it is left unchanged and the hint line says why (no modal dialog).
* **New kernels** added to the bank start as the identity (weight 1 at the anchor of every
  channel), so the new feature map shows the image straight away.
"""

from contextlib import contextmanager

import numpy as np
from PyQt5.QtCore import QPoint, QRect, QSignalBlocker, QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QStandardItem, \
    QStandardItemModel
from PyQt5.QtWidgets import (QAction, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout,
                             QLabel, QLineEdit, QMenu, QSizePolicy, QSpinBox, QTabBar,
                             QToolButton, QToolTip, QVBoxLayout, QWidget)

from core.choices import channel_names
from core.kernels import (as_bank, compact_kernel, format_weight, load_named_kernel,
                          load_presets, normalise_kernel, parse_weight, random_kernel,
                          resize_kernel, save_kernel)

from . import dialogs
from .kernel_store import KernelStore
from .state import MAX_KERNEL_SIZE

__all__ = ["KernelEditor", "KernelGrid", "cell_colour"]

# Same convention as the diverging colormap and the inspector: positive red, negative blue.
_POSITIVE = QColor(200, 50, 40)
_NEGATIVE = QColor(33, 102, 172)
_ZERO = QColor(250, 250, 250)
_GRID_LINE = QColor(175, 175, 175)
_REJECTED = QColor(255, 120, 120)
_MAX_CELL = 96
_MIN_CELL = 16
_HINT_CELL = 64
_HINT_EXTENT = 280
_HINT_MS = 9000
_FLASH_MS = 700
_FILE_FILTERS = "Kernel files (*.json *.npy);;JSON kernel (*.json);;NumPy array (*.npy)"
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
        return max(4, min(size, _MAX_CELL))

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
        return QSize(cols * _MIN_CELL + 2, rows * _MIN_CELL + 2)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._place_editor()

    # -- painting ----------------------------------------------------------------------------

    def _font_for(self, size):
        font = QFont(self.font())
        font.setPixelSize(int(max(7, min(24, size * 0.3))))
        return font

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


def _tab_bar(tip):
    bar = QTabBar()
    bar.setExpanding(False)
    bar.setDrawBase(False)
    bar.setUsesScrollButtons(True)
    bar.setToolTip(tip)
    return bar


def _set_tabs(bar, labels, tips, current):
    """Make ``bar`` show ``labels`` with ``current`` selected, without emitting signals."""
    with QSignalBlocker(bar):
        while bar.count() > len(labels):
            bar.removeTab(bar.count() - 1)
        while bar.count() < len(labels):
            bar.addTab("")
        for index, (label, tip) in enumerate(zip(labels, tips)):
            bar.setTabText(index, label)
            bar.setTabToolTip(index, tip)
        bar.setCurrentIndex(current)


class KernelEditor(QWidget):
    """Edit the explorer's kernel bank: presets, size, weights, channels, kernels, files.

    Parameters
    ----------
    state : ExplorerState
        Read and written; the editor holds no kernel of its own.
    parent : QWidget, optional
    store : KernelStore, optional
        The user's saved kernels ("My kernels"); the default library file when omitted.

    Signals
    -------
    editStarted()
        A user edit is about to write the state (a typed weight, a drawing stroke, an
        operation, a resize, a preset, a file, a bank change).
    editFinished()
        That edit is complete. The two always come in pairs, so an undo history can group
        everything in between into one step (``History.begin_group`` / ``end_group``); the
        state may be unchanged (e.g. a weight typed over with the same value).
    warningIssued(message)
        Something the user should know that is not an error of theirs (e.g. the My kernels file
        was corrupt and set aside). Also shown on the editor's hint line.

    Attributes for tests
    --------------------
    grid : KernelGrid
        ``grid.cell_rect(row, col)`` gives a cell's rectangle in grid coordinates for mouse
        events; ``grid.edit_cell(row, col)`` opens the inline editor.
    buttons : dict of str to QToolButton
        ``"normalise"``, ``"flip"``, ``"transpose"``, ``"negate"``, ``"random"``, ``"clear"``,
        ``"draw"``, ``"add"``, ``"duplicate"``, ``"remove"``, ``"open"``, ``"save"``, ``"mine"``.
    actions : dict of str to QAction
        The same names, plus ``"store_save"`` and ``"store_delete"``.
    """

    editStarted = pyqtSignal()
    editFinished = pyqtSignal()
    warningIssued = pyqtSignal(str)

    def __init__(self, state, parent=None, store=None):
        super().__init__(parent)
        self.state = state
        self.presets = load_presets()
        self.store = store if store is not None else KernelStore()
        self.actions = {}
        self.buttons = {}
        self._stroking = False
        self._hint_timer = QTimer(self, singleShot=True, interval=_HINT_MS)
        self._hint_timer.timeout.connect(lambda: self._show_hint(""))
        self._build()
        self._connect()
        self._fill_preset_combo()
        self.sync_from_state()
        startup_warnings = self.store.take_warnings()
        if startup_warnings:
            self._show_hint(startup_warnings[-1])
            self._hint_timer.stop()
            QTimer.singleShot(0, lambda: self._report(startup_warnings))

    def _report(self, warnings):
        """Emit warnings found while building, once the owner had a chance to connect."""
        for warning in warnings:
            self.warningIssued.emit(warning)

    # -- building ----------------------------------------------------------------------------

    def _action(self, name, text, tip, slot, shortcut=None, checkable=False):
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            tip = f"{tip} ({shortcut})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions[name] = action
        return action

    def _button(self, name, action=None):
        button = QToolButton()
        button.setDefaultAction(action or self.actions[name])
        button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.buttons[name] = button
        return button

    def _build(self):
        self._make_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(self._build_top())
        self.grid = KernelGrid()
        layout.addWidget(self.grid, 1)
        self.info_label = QLabel()
        self.info_label.setToolTip("Shape of the bank and the sum of the weights shown")
        self.info_label.setStyleSheet("color: #555555;")
        layout.addWidget(self.info_label)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #b00020;")
        self.hint_label.setToolTip("Why the last edit did nothing")
        self.hint_label.hide()
        layout.addWidget(self.hint_label)
        layout.addLayout(self._build_draw_row())
        layout.addLayout(self._build_operations())
        layout.addLayout(self._build_file_row())

    def _make_actions(self):
        act = self._action
        act("normalise", "Normalise", "Scale the weights shown so they sum to 1",
            self._on_q_normalise, "N")
        act("flip", "Flip 180°", "Rotate the weights shown by 180° (what true convolution does)",
            self._on_q_flip, "F")
        act("transpose", "Transpose", "Swap rows and columns of a square kernel (x edges ↔ y "
            "edges)", self._on_q_transpose, "T")
        act("negate", "Negate", "Change the sign of every weight shown", self._on_q_negate, "I")
        act("random", "Random", "Random weights between -1 and 1", self._on_q_random, "R")
        act("clear", "Clear", "Set every weight shown to 0", self._on_q_clear, "C")
        act("draw", "✎ Draw", "Draw mode: drag to paint the brush value into cells, right-drag "
            "to erase them to 0", self._on_q_draw, "D", checkable=True)
        act("add", "+", "Add a kernel to the bank (starts as the identity): one more feature map",
            self._on_q_add_kernel)
        act("duplicate", "Dup", "Duplicate the selected kernel", self._on_q_duplicate_kernel)
        act("remove", "−", "Remove the selected kernel from the bank", self._on_q_remove_kernel)
        act("open", "Open…", "Load a kernel from a .json or .npy file", self._on_q_open)
        act("save", "Save…", "Save the kernel bank to a .json or .npy file", self._on_q_save)
        act("store_save", "Save to My kernels…", "Keep the kernel bank under a name in My "
            "kernels (listed with the presets)", self._on_q_store_save)
        act("store_delete", "Delete from My kernels…", "Remove one of My kernels",
            self._on_q_store_delete)

    def _build_top(self):
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        self.preset_combo = QComboBox()
        self.preset_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.preset_combo.setMinimumContentsLength(12)
        self.preset_combo.setMaxVisibleItems(30)
        self.preset_combo.setToolTip("Start from a well-known kernel; hover an entry to read "
                                     "what it does")
        grid.addWidget(self._label("Preset", self.preset_combo), 0, 0)
        grid.addWidget(self.preset_combo, 0, 1)
        grid.addWidget(self._label("Size", None, "Rows × columns of the kernel"), 1, 0)
        grid.addLayout(self._build_size_row(), 1, 1)
        self.kernel_tabs = _tab_bar("Kernels of the bank: each one makes one feature map")
        kernel_row = QHBoxLayout()
        kernel_row.setSpacing(2)
        kernel_row.addWidget(self.kernel_tabs, 1)
        for name in ("add", "duplicate", "remove"):
            button = self._button(name)
            button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
            button.setAutoRaise(True)
            kernel_row.addWidget(button)
        grid.addWidget(self._label("Kernel", self.kernel_tabs), 2, 0)
        grid.addLayout(kernel_row, 2, 1)
        self.channel_tabs = _tab_bar("Channel of the kernel being edited: its weights multiply "
                                     "that channel of the image")
        self.channel_label = self._label("Channel", self.channel_tabs)
        grid.addWidget(self.channel_label, 3, 0)
        grid.addWidget(self.channel_tabs, 3, 1)
        grid.setColumnStretch(1, 1)
        return grid

    @staticmethod
    def _label(text, buddy, tip=None):
        label = QLabel(text)
        if buddy is not None:
            label.setBuddy(buddy)
        label.setToolTip(tip or (buddy.toolTip() if buddy is not None else ""))
        return label

    def _build_size_row(self):
        row = QHBoxLayout()
        row.setSpacing(4)
        self.rows_spin = self._size_spin("Rows of the kernel (1–15); the kernel stays centred")
        self.cols_spin = self._size_spin("Columns of the kernel (1–15); the kernel stays "
                                         "centred")
        row.addWidget(self.rows_spin)
        row.addWidget(QLabel("×"))
        row.addWidget(self.cols_spin)
        row.addStretch(1)
        return row

    @staticmethod
    def _size_spin(tip):
        spin = QSpinBox()
        spin.setRange(1, MAX_KERNEL_SIZE)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        spin.setAccelerated(True)
        return spin

    def _build_draw_row(self):
        row = QHBoxLayout()
        row.setSpacing(4)
        draw = self._button("draw")
        draw.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        row.addWidget(draw)
        self.brush_spin = QDoubleSpinBox()
        self.brush_spin.setRange(-999.0, 999.0)
        self.brush_spin.setDecimals(3)
        self.brush_spin.setSingleStep(0.5)
        self.brush_spin.setValue(1.0)
        self.brush_spin.setToolTip("Brush: the value a left-button drag paints in Draw mode")
        row.addWidget(self._label("Brush", self.brush_spin))
        row.addWidget(self.brush_spin, 1)
        return row

    def _build_operations(self):
        grid = QGridLayout()
        grid.setSpacing(2)
        names = ("normalise", "flip", "transpose", "negate", "random", "clear")
        for index, name in enumerate(names):
            grid.addWidget(self._button(name), index // 3, index % 3)
        return grid

    def _build_file_row(self):
        row = QHBoxLayout()
        row.setSpacing(2)
        row.addWidget(self._button("open"))
        row.addWidget(self._button("save"))
        menu = QMenu(self)
        menu.addAction(self.actions["store_save"])
        menu.addAction(self.actions["store_delete"])
        mine = QToolButton()
        mine.setText("My kernels")
        mine.setToolTip("Save the kernel under a name, or delete a saved one; saved kernels are "
                        "listed under My kernels in the presets")
        mine.setMenu(menu)
        mine.setPopupMode(QToolButton.InstantPopup)
        mine.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.buttons["mine"] = mine
        row.addWidget(mine)
        return row

    def _connect(self):
        state = self.state
        for signal in (state.kernelsChanged, state.activeKernelChanged,
                       state.activeChannelChanged, state.datasetChanged):
            signal.connect(self.sync_from_state)
        self.preset_combo.currentIndexChanged.connect(self._on_q_preset_chosen)
        self.rows_spin.valueChanged.connect(self._on_q_size_changed)
        self.cols_spin.valueChanged.connect(self._on_q_size_changed)
        self.kernel_tabs.currentChanged.connect(self._on_q_kernel_tab)
        self.channel_tabs.currentChanged.connect(self._on_q_channel_tab)
        self.brush_spin.valueChanged.connect(self._on_q_brush)
        self.grid.cellEdited.connect(self._on_q_cell_edited)
        self.grid.cellPainted.connect(self._on_q_cell_painted)
        self.grid.strokeFinished.connect(self._on_q_stroke_finished)
        self.grid.editRejected.connect(self._show_hint)

    # -- presets combo -----------------------------------------------------------------------

    def _fill_preset_combo(self):
        model = QStandardItemModel(self.preset_combo)
        placeholder = QStandardItem("Custom kernel")
        placeholder.setToolTip("The kernel was edited by hand (or is not a preset)")
        placeholder.setFlags(Qt.NoItemFlags)
        model.appendRow(placeholder)
        groups = {}
        for preset in self.presets:
            groups.setdefault(preset.category, []).append(
                (preset.name, f"preset:{preset.id}", self._preset_tip(preset)))
        if len(self.store):
            groups["My kernels"] = [(name, f"mine:{name}", self._mine_tip(kernel))
                                    for name, kernel in self.store.items()]
        for category, entries in groups.items():
            model.appendRow(self._header_item(category))
            for name, key, tip in entries:
                item = QStandardItem("    " + name)
                item.setData(key, Qt.UserRole)
                item.setToolTip(tip)
                model.appendRow(item)
        with QSignalBlocker(self.preset_combo):
            self.preset_combo.setModel(model)

    @staticmethod
    def _header_item(category):
        item = QStandardItem(category)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.NoItemFlags)
        item.setData(QColor(90, 90, 90), Qt.ForegroundRole)
        return item

    @staticmethod
    def _preset_tip(preset):
        shape = "×".join(str(n) for n in preset.kernel.shape)
        return f"{preset.description}\n{shape} · id: {preset.id}"

    @staticmethod
    def _mine_tip(kernel):
        return "Saved in My kernels · " + "×".join(str(n) for n in kernel.shape)

    def preset_index(self, key):
        """Combo index of a preset id (``"sobel_x"``) or of ``"mine:<name>"``; -1 if absent."""
        data = key if key.startswith(("preset:", "mine:")) else f"preset:{key}"
        return self.preset_combo.findData(data, Qt.UserRole)

    def _kernel_for_key(self, key):
        kind, _, name = key.partition(":")
        if kind == "preset":
            return next(p.kernel for p in self.presets if p.id == name)
        return self.store.get(name)

    def _matching_index(self, bank):
        """The combo entry whose kernel gives exactly ``bank``, or 0 (Custom kernel)."""
        channels = bank.shape[2]
        for index in range(self.preset_combo.count()):
            key = self.preset_combo.itemData(index, Qt.UserRole)
            if not key:
                continue
            try:
                candidate = as_bank(self._kernel_for_key(key), channels)
            except (KeyError, ValueError):
                continue
            if candidate.shape == bank.shape and np.array_equal(candidate, bank):
                return index
        return 0

    def _on_q_preset_chosen(self, index):
        key = self.preset_combo.itemData(index, Qt.UserRole)
        if not key:
            return
        name = self.preset_combo.itemText(index).strip()
        try:
            bank = as_bank(self._kernel_for_key(key), self.state.channels)
        except (KeyError, ValueError) as exc:
            self._sync_combo()
            dialogs.show_error(self, "Cannot use this kernel",
                               f"{name}: {exc}.\n\nThe kernel is unchanged.")
            return
        self._replace_bank(bank, reset_active=True)

    def _sync_combo(self):
        with QSignalBlocker(self.preset_combo):
            self.preset_combo.setCurrentIndex(self._matching_index(self.state.kernels))

    # -- state -> widgets --------------------------------------------------------------------

    def sync_from_state(self, *_):
        """Show what the state holds (called on every relevant state signal)."""
        state = self.state
        bank = state.kernels
        kh, kw, channels, count = bank.shape
        self.grid.set_values(state.kernel_2d)
        for spin, value in ((self.rows_spin, kh), (self.cols_spin, kw)):
            with QSignalBlocker(spin):
                spin.setValue(value)
        _set_tabs(self.kernel_tabs, [str(i + 1) for i in range(count)],
                  [f"Kernel {i + 1} of {count}: makes feature map {i + 1}" for i in range(count)],
                  state.active_kernel)
        self._sync_channels(channels)
        self._sync_combo()
        self.actions["remove"].setEnabled(count > 1)
        self.actions["transpose"].setEnabled(kh == kw)
        self._sync_info()

    def _sync_channels(self, channels):
        names = channel_names(channels)
        tips = [f"Edit the weights applied to channel {name}" for name in names]
        _set_tabs(self.channel_tabs, list(names), tips, self.state.active_channel)
        many = channels > 1
        self.channel_tabs.setVisible(many)
        self.channel_label.setVisible(many)

    def _sync_info(self):
        kh, kw, channels, count = self.state.kernels.shape
        parts = [f"{kh}×{kw}"]
        if channels > 1:
            parts.append(f"{channels} channels")
        if count > 1:
            parts.append(f"{count} kernels")
        total = float(self.state.kernel_2d.sum())
        parts.append(f"sum {format_weight(round(total, 6), 6)}")
        self.info_label.setText(" · ".join(parts))

    # -- writing the state -------------------------------------------------------------------

    @contextmanager
    def _one_edit(self):
        """Wrap one user edit in ``editStarted`` / ``editFinished``; clear the hint if it
        changed the kernels."""
        before = self.state.kernels
        self.editStarted.emit()
        try:
            yield
        finally:
            self.editFinished.emit()
        if self.state.kernels is not before:
            self._show_hint("")

    def _replace_bank(self, bank, reset_active=False, active_kernel=None):
        """Write a whole bank (one edit), optionally selecting a kernel."""
        state = self.state
        with self._one_edit():
            state.kernels = bank
            if reset_active:
                state.active_kernel = 0
                state.active_channel = 0
            if active_kernel is not None:
                state.active_kernel = active_kernel

    def _replace_slice(self, values):
        """Write the slice under edit (one edit)."""
        with self._one_edit():
            self.state.set_kernel_2d(values)

    def _slice(self):
        return np.array(self.state.kernel_2d)

    # -- widgets -> state --------------------------------------------------------------------

    def _on_q_cell_edited(self, row, col, value):
        values = self._slice()
        values[row, col] = value
        self._replace_slice(values)

    def _on_q_cell_painted(self, row, col, value):
        if not self._stroking:
            self._stroking = True
            self.editStarted.emit()
        values = self._slice()
        if values[row, col] != value:
            values[row, col] = value
            self.state.set_kernel_2d(values)
            self._show_hint("")

    def _on_q_stroke_finished(self):
        if self._stroking:
            self._stroking = False
            self.editFinished.emit()

    def _on_q_brush(self, value):
        self.grid.brush_value = float(value)

    def _on_q_draw(self, checked):
        self.grid.draw_mode = bool(checked)
        self.grid.setCursor(Qt.CrossCursor if checked else Qt.ArrowCursor)

    def _on_q_size_changed(self, _value):
        bank = resize_kernel(self.state.kernels, self.rows_spin.value(), self.cols_spin.value())
        self._replace_bank(bank)

    def _on_q_kernel_tab(self, index):
        if index >= 0:
            self.state.active_kernel = index

    def _on_q_channel_tab(self, index):
        if index >= 0:
            self.state.active_channel = index

    # -- operations on the slice -------------------------------------------------------------

    def _on_q_normalise(self):
        try:
            values = normalise_kernel(self._slice())
        except ValueError:
            self._show_hint("The weights sum to 0 (as edge detectors do), so no scale can make "
                            "them sum to 1; the kernel is unchanged.")
            return
        self._replace_slice(values)

    def _on_q_flip(self):
        self._replace_slice(self._slice()[::-1, ::-1])

    def _on_q_transpose(self):
        values = self._slice()
        if values.shape[0] != values.shape[1]:
            self._show_hint("Only a square kernel can be transposed here.")
            return
        self._replace_slice(values.T)

    def _on_q_negate(self):
        self._replace_slice(0.0 - self._slice())

    def _on_q_random(self):
        self._replace_slice(random_kernel(self._slice().shape))

    def _on_q_clear(self):
        self._replace_slice(np.zeros_like(self._slice()))

    # -- the bank ----------------------------------------------------------------------------

    def _on_q_add_kernel(self):
        bank = self.state.kernels
        kh, kw, channels, count = bank.shape
        new = np.zeros((kh, kw, channels, 1))
        new[(kh - 1) // 2, (kw - 1) // 2, :, 0] = 1.0
        self._replace_bank(np.concatenate([bank, new], axis=3), active_kernel=count)

    def _on_q_duplicate_kernel(self):
        bank = self.state.kernels
        active = self.state.active_kernel
        copy = bank[:, :, :, active:active + 1]
        merged = np.concatenate([bank[:, :, :, :active + 1], copy, bank[:, :, :, active + 1:]],
                                axis=3)
        self._replace_bank(merged, active_kernel=active + 1)

    def _on_q_remove_kernel(self):
        bank = self.state.kernels
        if bank.shape[3] == 1:
            return
        active = self.state.active_kernel
        self._replace_bank(np.delete(bank, active, axis=3),
                           active_kernel=min(active, bank.shape[3] - 2))

    # -- files and My kernels ----------------------------------------------------------------

    def _on_q_open(self):
        path = dialogs.ask_open_path(self, "Load kernel", _FILE_FILTERS)
        if not path:
            return
        try:
            kernel, _name = load_named_kernel(path)
            bank = as_bank(kernel, self.state.channels)
        except (OSError, ValueError, TypeError) as exc:
            dialogs.show_error(self, "Could not load the kernel",
                               f"{exc}\n\nThe current kernel is unchanged.")
            return
        self._replace_bank(bank, reset_active=True)

    def _on_q_save(self):
        path = dialogs.ask_save_target(self, "Save kernel", _FILE_FILTERS, "kernel.json",
                                       (".json", ".npy"))
        if not path:
            return
        name = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        try:
            save_kernel(path, compact_kernel(self.state.kernels), name=name)
        except (OSError, ValueError) as exc:
            dialogs.show_error(self, "Could not save the kernel",
                               f"{exc}\n\nNothing was written.")

    def _on_q_store_save(self):
        suggested = self.preset_combo.currentText().strip()
        if self.preset_combo.currentIndex() <= 0:
            suggested = ""
        name = dialogs.ask_text(self, "Save to My kernels", "Name of the kernel:", suggested)
        if not name:
            return
        kernel = compact_kernel(self.state.kernels)
        try:
            if name in self.store:
                if not dialogs.ask_yes_no(self, "Replace kernel?",
                                          f"My kernels already has “{name}”. Replace it?"):
                    return
                self.store.replace(name, kernel)
            else:
                self.store.add(name, kernel)
        except (OSError, ValueError, KeyError) as exc:
            dialogs.show_error(self, "Could not save to My kernels", str(exc))
        self._after_store_change()

    def _on_q_store_delete(self):
        self.store.reload()
        names = self.store.names()
        if not names:
            self._after_store_change()
            dialogs.show_info(self, "My kernels", "My kernels is empty: use “Save to My "
                              "kernels…” to keep the kernel you are editing.")
            return
        name = dialogs.ask_choice(self, "Delete from My kernels", "Kernel to delete:", names)
        if not name or not dialogs.ask_yes_no(self, "Delete kernel?",
                                              f"Delete “{name}” from My kernels?"):
            return
        try:
            self.store.delete(name)
        except (OSError, ValueError, KeyError) as exc:
            dialogs.show_error(self, "Could not delete from My kernels", str(exc))
        self._after_store_change()

    def _after_store_change(self):
        for warning in self.store.take_warnings():
            self._warn(warning)
        self._fill_preset_combo()
        self._sync_combo()

    # -- messages ----------------------------------------------------------------------------

    def _show_hint(self, text):
        """Show (or with ``""`` hide) the hint line under the grid."""
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))
        if text:
            self._hint_timer.start()

    def _warn(self, message):
        self._show_hint(message)
        self._hint_timer.stop()
        self.warningIssued.emit(message)
