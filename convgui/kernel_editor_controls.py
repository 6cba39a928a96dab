"""The kernel editor's controls: preset list, size, kernel and channel tabs, grid, buttons.

:class:`EditorControls` builds the widgets of :class:`~convgui.kernel_editor.KernelEditor` and
the actions behind its buttons (each with its shortcut and tooltip); the editor connects them to
the state. Kept apart so that the editor itself reads as what each control does.
"""

from PyQt5.QtCore import QSignalBlocker, Qt
from PyQt5.QtWidgets import (QAction, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QMenu,
                             QSizePolicy, QSpinBox, QTabBar, QToolButton, QVBoxLayout)

from .kernel_grid import KernelGrid
from .kernel_preset_combo import PresetCombo
from .state import MAX_KERNEL_SIZE

__all__ = ["EditorControls", "set_tabs"]


class _CompactTabBar(QTabBar):
    """Tabs as narrow as their label allows: a bank of 4–8 kernels shows every tab in the
    panel instead of two and a pair of scroll arrows."""

    def tabSizeHint(self, index):
        hint = super().tabSizeHint(index)
        metrics = self.fontMetrics()
        width = metrics.horizontalAdvance(self.tabText(index)) + 20
        hint.setWidth(min(hint.width(), max(width, metrics.height() + 8)))
        return hint

    def minimumTabSizeHint(self, index):
        return self.tabSizeHint(index)


class _SlimButton(QToolButton):
    """A text tool button only as wide as its text needs (the + / Dup / − beside the tabs)."""

    def sizeHint(self):
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        slim = metrics.horizontalAdvance(self.text()) + metrics.height() // 2 + 4
        hint.setWidth(min(hint.width(), slim))
        return hint

    def minimumSizeHint(self):
        return self.sizeHint()


def _tab_bar(tip):
    bar = _CompactTabBar()
    bar.setElideMode(Qt.ElideNone)
    bar.setExpanding(False)
    bar.setDrawBase(False)
    bar.setUsesScrollButtons(True)
    bar.setMinimumWidth(48)  # scroll buttons appear rather than widening the panel
    bar.setToolTip(tip)
    return bar


def set_tabs(bar, labels, tips, current):
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


class EditorControls:
    """Widget building for :class:`~convgui.kernel_editor.KernelEditor` (a QWidget).

    The editor provides ``presets``, ``store``, ``actions``, ``buttons`` and
    ``make_actions()`` (which calls :meth:`add_action` for each command).
    """

    def add_action(self, name, text, tip, slot, shortcut=None, checkable=False):
        """Make the editor's action ``name`` (tooltip with its shortcut, active while the editor
        has the focus) and keep it in ``actions``."""
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

    def _button(self, name, action=None, tool_button=QToolButton):
        button = tool_button()
        button.setDefaultAction(action or self.actions[name])
        button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.buttons[name] = button
        return button

    def build_controls(self):
        """Make every control of the editor and lay them out."""
        self.make_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(self._build_top())
        self.grid = KernelGrid()
        self.grid.setObjectName("kernelGrid")
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

    def _build_top(self):
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        self.preset_combo = PresetCombo(self.presets, self.store)
        grid.addWidget(self._label("Preset", self.preset_combo), 0, 0)
        grid.addWidget(self.preset_combo, 0, 1)
        grid.addWidget(self._label("Size", None, "Rows × columns of the kernel"), 1, 0)
        grid.addLayout(self._build_size_row(), 1, 1)
        self.kernel_tabs = _tab_bar("Kernels of the bank: each one makes one feature map")
        kernel_row = QHBoxLayout()
        kernel_row.setSpacing(0)
        kernel_row.addWidget(self.kernel_tabs, 1)
        for name in ("add", "duplicate", "remove"):
            button = self._button(name, tool_button=_SlimButton)
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
