"""The kernel editor's preset list: presets by category, then My kernels, and which one is shown.

:class:`PresetCombo` lists :func:`core.kernels.load_presets` grouped under bold headers and the
user's saved kernels (:class:`~convgui.kernel_store.KernelStore`) under *My kernels*. Each entry
holds a key, ``"preset:<id>"`` or ``"mine:<name>"``; the first row, *Custom kernel*, stands for
any bank that is none of them. :meth:`PresetCombo.show_matching` selects the entry whose kernel
is exactly the bank being edited.
"""

import numpy as np
from PyQt5.QtCore import QSignalBlocker, Qt
from PyQt5.QtGui import QColor, QStandardItem, QStandardItemModel
from PyQt5.QtWidgets import QComboBox

from core.kernels import as_bank

__all__ = ["PresetCombo", "MY_KERNELS"]

#: The category of the user's saved kernels.
MY_KERNELS = "My kernels"


class PresetCombo(QComboBox):
    """A combo box of kernel presets and saved kernels.

    Parameters
    ----------
    presets : list of core.kernels.Preset
    store : KernelStore
        Read again by :meth:`fill`.
    """

    def __init__(self, presets, store, parent=None):
        super().__init__(parent)
        self.presets = presets
        self.store = store
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        self.setMaxVisibleItems(30)
        self.setToolTip("Start from a well-known kernel; hover an entry to read what it does")
        self.fill()

    def fill(self):
        """(Re)build the list from the presets and the store, without emitting signals."""
        model = QStandardItemModel(self)
        placeholder = QStandardItem("Custom kernel")
        placeholder.setToolTip("The kernel was edited by hand (or is not a preset)")
        placeholder.setFlags(Qt.NoItemFlags)
        model.appendRow(placeholder)
        groups = {}
        for preset in self.presets:
            groups.setdefault(preset.category, []).append(
                (preset.name, f"preset:{preset.id}", _preset_tip(preset)))
        if len(self.store):
            groups[MY_KERNELS] = [(name, f"mine:{name}", _mine_tip(kernel))
                                  for name, kernel in self.store.items()]
        for category, entries in groups.items():
            model.appendRow(_header_item(category))
            for name, key, tip in entries:
                item = QStandardItem("    " + name)
                item.setData(key, Qt.UserRole)
                item.setToolTip(tip)
                model.appendRow(item)
        with QSignalBlocker(self):
            self.setModel(model)

    def index_of(self, key):
        """Index of a preset id (``"sobel_x"``) or of ``"mine:<name>"``; -1 if absent."""
        data = key if key.startswith(("preset:", "mine:")) else f"preset:{key}"
        return self.findData(data, Qt.UserRole)

    def key_at(self, index):
        """The key of entry ``index``; None for headers and *Custom kernel*."""
        return self.itemData(index, Qt.UserRole) or None

    def kernel_for_key(self, key):
        """The kernel an entry's key names (``KeyError`` when a saved one is gone)."""
        kind, _, name = key.partition(":")
        if kind == "preset":
            return next(p.kernel for p in self.presets if p.id == name)
        return self.store.get(name)

    def matching_index(self, bank):
        """The entry whose kernel gives exactly ``bank`` (kh, kw, c, nc), or 0 (Custom)."""
        channels = bank.shape[2]
        for index in range(self.count()):
            key = self.key_at(index)
            if not key:
                continue
            try:
                candidate = as_bank(self.kernel_for_key(key), channels)
            except (KeyError, ValueError):
                continue
            if candidate.shape == bank.shape and np.array_equal(candidate, bank):
                return index
        return 0

    def show_matching(self, bank):
        """Select the entry matching ``bank`` without emitting signals."""
        with QSignalBlocker(self):
            self.setCurrentIndex(self.matching_index(bank))

    def chosen_name(self):
        """The name of the selected preset or saved kernel, or ``""`` for *Custom kernel*."""
        return self.currentText().strip() if self.currentIndex() > 0 else ""


def _header_item(category):
    item = QStandardItem(category)
    font = item.font()
    font.setBold(True)
    item.setFont(font)
    item.setFlags(Qt.NoItemFlags)
    item.setData(QColor(90, 90, 90), Qt.ForegroundRole)
    return item


def _preset_tip(preset):
    shape = "×".join(str(n) for n in preset.kernel.shape)
    return f"{preset.description}\n{shape} · id: {preset.id}"


def _mine_tip(kernel):
    return "Saved in My kernels · " + "×".join(str(n) for n in kernel.shape)
