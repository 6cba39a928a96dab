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
from PyQt5.QtCore import QSignalBlocker, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QStandardItem, QStandardItemModel
from PyQt5.QtWidgets import (QAction, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel,
                             QMenu, QSizePolicy, QSpinBox, QTabBar, QToolButton, QVBoxLayout,
                             QWidget)

from core.choices import channel_names
from core.kernels import (MAX_BANK_SIZE, as_bank, compact_kernel, format_weight,
                          load_named_kernel, load_presets, normalise_kernel, random_kernel,
                          resize_kernel, save_kernel)

from . import dialogs
from .kernel_grid import KernelGrid
from .kernel_store import KernelStore
from .state import MAX_KERNEL_SIZE

__all__ = ["KernelEditor"]

_HINT_MS = 9000
_FILE_FILTERS = "Kernel files (*.json *.npy);;JSON kernel (*.json);;NumPy array (*.npy)"


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
        full = count >= MAX_BANK_SIZE
        for name in ("add", "duplicate"):
            self.actions[name].setEnabled(not full)
            self.actions[name].setStatusTip(
                f"The bank holds the most kernels there can be ({MAX_BANK_SIZE})" if full
                else self.actions[name].toolTip())
        self._sync_info()

    def _sync_channels(self, channels):
        names = self.state.channel_labels()
        if len(names) != channels:
            names = channel_names(channels)
        deep = self.state.selected_layer > 0
        tips = [f"Edit the weights applied to map {name[1:]} of layer {self.state.selected_layer}"
                if deep else f"Edit the weights applied to channel {name}" for name in names]
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

    def _bank_is_full(self):
        if self.state.kernels.shape[3] < MAX_BANK_SIZE:
            return False
        dialogs.show_error(self, "The bank is full",
                           f"A bank holds at most {MAX_BANK_SIZE} kernels (one feature map "
                           "each); remove one first.")
        return True

    def _on_q_add_kernel(self):
        if self._bank_is_full():
            return
        bank = self.state.kernels
        kh, kw, channels, count = bank.shape
        new = np.zeros((kh, kw, channels, 1))
        new[(kh - 1) // 2, (kw - 1) // 2, :, 0] = 1.0
        self._replace_bank(np.concatenate([bank, new], axis=3), active_kernel=count)

    def _on_q_duplicate_kernel(self):
        if self._bank_is_full():
            return
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
