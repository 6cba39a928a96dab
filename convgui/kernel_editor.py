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
from PyQt5.QtWidgets import QWidget

from core.choices import channel_names
from core.kernels import (MAX_BANK_SIZE, add_identity_kernel, as_bank, duplicate_kernel,
                          format_weight, load_presets, normalise_kernel, random_kernel,
                          remove_kernel, resize_kernel)

from . import dialogs
from .kernel_files import KernelFiles
from .kernel_editor_controls import EditorControls, set_tabs
from .kernel_store import KernelStore

__all__ = ["KernelEditor"]

_HINT_MS = 9000


class KernelEditor(EditorControls, QWidget):
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
        self._hint_timer.timeout.connect(self._clear_hint)
        self.files = KernelFiles(self)
        self.build_controls()
        self._connect()
        self.sync_from_state()
        startup_warnings = self.store.take_warnings()
        if startup_warnings:
            self._show_hint(startup_warnings[-1])
            self._hint_timer.stop()
            self._startup_warnings = startup_warnings
            # A child timer, not QTimer.singleShot with a lambda: it dies with the editor.
            self._report_timer = QTimer(self, singleShot=True, interval=0)
            self._report_timer.timeout.connect(self._report)
            self._report_timer.start()

    def _clear_hint(self):
        self._show_hint("")

    def _report(self):
        """Emit warnings found while building, once the owner had a chance to connect."""
        for warning in self._startup_warnings:
            self.warningIssued.emit(warning)

    # -- building ----------------------------------------------------------------------------

    def make_actions(self):
        """The editor's commands, each with its shortcut (see ``actions``)."""
        act = self.add_action
        act("normalise", "Normalise", "Scale the weights shown so they sum to 1",
            self._on_q_normalise, "N")
        act("flip", "Flip 180°", "Rotate the weights shown by 180° (what true convolution does)",
            self._on_q_flip, "F")
        act("transpose", "Transpose", "Swap rows and columns (x edges ↔ y edges); a kh×kw "
            "kernel becomes kw×kh, with every kernel of the bank", self._on_q_transpose, "T")
        act("negate", "Negate", "Change the sign of every weight shown", self._on_q_negate, "I")
        act("random", "Random", "Random weights between -1 and 1", self._on_q_random, "R")
        act("clear", "Clear", "Set every weight shown to 0", self._on_q_clear, "C")
        act("draw", "✎ Draw", "Draw mode: drag to paint the brush value into cells, right-drag "
            "to erase them to 0", self._on_q_draw, "D", checkable=True)
        act("add", "+", "Add a kernel to the bank (starts as the identity): one more feature map",
            self._on_q_add_kernel)
        act("duplicate", "Dup", "Duplicate the selected kernel", self._on_q_duplicate_kernel)
        act("remove", "−", "Remove the selected kernel from the bank", self._on_q_remove_kernel)
        act("open", "Open…", "Load a kernel from a .json or .npy file", self.files.open)
        act("save", "Save…", "Save the kernel bank to a .json or .npy file", self.files.save)
        act("store_save", "Save to My kernels…", "Keep the kernel bank under a name in My "
            "kernels (listed with the presets)", self.files.store_save)
        act("store_delete", "Delete from My kernels…", "Remove one of My kernels",
            self.files.store_delete)

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

    # -- the preset list ---------------------------------------------------------------------

    def kernel_name(self):
        """The name of the preset (or saved kernel) the bank equals, or None (a custom one)."""
        if self.preset_combo.currentIndex() <= 0:
            return None
        return self.preset_combo.currentText().strip()

    def preset_index(self, key):
        """Combo index of a preset id (``"sobel_x"``) or of ``"mine:<name>"``; -1 if absent."""
        return self.preset_combo.index_of(key)

    def _on_q_preset_chosen(self, index):
        key = self.preset_combo.key_at(index)
        if not key:
            return
        name = self.preset_combo.itemText(index).strip()
        try:
            bank = as_bank(self.preset_combo.kernel_for_key(key), self.state.channels)
        except (KeyError, ValueError) as exc:
            self.preset_combo.show_matching(self.state.kernels)
            dialogs.show_error(self, "Cannot use this kernel",
                               f"{name}: {exc}.\n\nThe kernel is unchanged.")
            return
        self.replace_bank(bank, reset_active=True)

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
        set_tabs(self.kernel_tabs, [str(i + 1) for i in range(count)],
                  [f"Kernel {i + 1} of {count}: makes feature map {i + 1}" for i in range(count)],
                  state.active_kernel)
        self._sync_channels(channels)
        self.preset_combo.show_matching(bank)
        about = getattr(self, "_hint_about", None)
        if about is not None and about is not bank:
            self._show_hint("")  # the hint spoke of a kernel no longer shown
        self.actions["remove"].setEnabled(count > 1)
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
        set_tabs(self.channel_tabs, list(names), tips, self.state.active_channel)
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

    def replace_bank(self, bank, reset_active=False, active_kernel=None):
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
        self.replace_bank(bank)

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
            # A kh×kw kernel becomes kw×kh: every slice of the bank shares the shape, so the
            # whole bank is transposed (each channel and kernel its own transpose).
            self.replace_bank(self.state.kernels.transpose(1, 0, 2, 3).copy())
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
        if not self._bank_is_full():
            count = self.state.kernels.shape[3]
            self.replace_bank(add_identity_kernel(self.state.kernels), active_kernel=count)

    def _on_q_duplicate_kernel(self):
        if not self._bank_is_full():
            active = self.state.active_kernel
            self.replace_bank(duplicate_kernel(self.state.kernels, active),
                              active_kernel=active + 1)

    def _on_q_remove_kernel(self):
        bank, active = self.state.kernels, self.state.active_kernel
        if bank.shape[3] > 1:
            self.replace_bank(remove_kernel(bank, active),
                              active_kernel=min(active, bank.shape[3] - 2))

    # -- messages ----------------------------------------------------------------------------

    def _show_hint(self, text):
        """Show (or with ``""`` hide) the hint line under the grid. A hint is about the kernel
        shown when it appeared: another kernel (undo, a file, a preset) removes it."""
        self._hint_about = self.state.kernels if text else None
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))
        if text:
            self._hint_timer.start()

    def warn(self, message):
        """Show ``message`` on the hint line (until the next edit) and emit ``warningIssued``."""
        self._show_hint(message)
        self._hint_about = None  # a warning is not about one kernel: it stays until it times out
        self._hint_timer.stop()
        self.warningIssued.emit(message)
