"""The Layers strip: pick which layer of the stack the controls edit, add one, remove one.

One button per layer (Alt+1 … Alt+4), "+ Layer" (Ctrl+Shift+N) and "− Layer"
(Ctrl+Shift+Delete). The keys are ``actions`` for the window to own, so they work while the
strip is hidden (presentation mode). It only calls the state's :meth:`~convgui.state.ExplorerState.select_layer`,
``add_layer`` and ``remove_layer``; what a layer holds is shown by every other control.
"""

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (QAction, QButtonGroup, QHBoxLayout, QLabel, QSizePolicy,
                             QToolButton, QVBoxLayout, QWidget)

from core import choices
from core.stack import MAX_LAYERS

from . import dialogs

__all__ = ["LayerStrip", "layer_summary"]


def layer_summary(spec):
    """One line for a layer: ``'8 kernels 3×3 → ReLU → max pool 2×2'``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> layer_summary(PipelineSpec(np.ones((3, 3, 1, 8)), activation="relu", pool_mode="max"))
    '8 kernels 3×3 → ReLU → max pool 2×2'
    """
    kh, kw, _, nc = spec.kernels.shape
    parts = [f"{nc} kernel{'s' if nc > 1 else ''} {kh}×{kw}"]
    if spec.transposed:
        parts[0] += " (transposed)"
    if spec.activation != "none":
        parts.append(choices.label(choices.ACTIVATION_SHORT_LABELS, spec.activation))
    if spec.pooled:
        ph, pw = spec.pool_shape
        parts.append(f"{spec.pool_mode} pool {ph}×{pw}")
    return " → ".join(parts)


class LayerStrip(QWidget):
    """Buttons for the layers of an :class:`~convgui.state.ExplorerState`.

    Signals
    -------
    layerAdded(int)
        A layer was added by the user (its index, from 0).
    """

    layerAdded = pyqtSignal(int)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons = []
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        title = QLabel("<b>Layers</b>")
        title.setToolTip("The network is a stack of layers: convolution → activation → "
                         "pooling, each reading the maps of the one before. The controls "
                         "and the kernel editor edit the selected layer.")
        row.addWidget(title)
        for i in range(MAX_LAYERS):
            button = QToolButton()
            button.setText(str(i + 1))
            button.setCheckable(True)
            button.setMinimumWidth(28)
            button.setAccessibleName(f"Layer {i + 1}")
            self.group.addButton(button, i)
            self.buttons.append(button)
            row.addWidget(button)
        self.group.buttonClicked.connect(self._on_clicked)
        self.add_button = QToolButton()
        self.add_button.setText("+ Layer")
        self.add_button.setToolTip("Add a layer after the last one: it reads that layer's "
                                   "maps (Ctrl+Shift+N)")
        self.add_button.clicked.connect(self.add_layer)
        self.remove_button = QToolButton()
        self.remove_button.setText("− Layer")
        self.remove_button.setToolTip("Remove the selected layer (Ctrl+Shift+Delete); "
                                      "Ctrl+Z brings it back")
        self.remove_button.clicked.connect(self.remove_layer)
        row.addStretch(1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        self.actions = []
        for i in range(MAX_LAYERS):
            self._action(f"Edit layer {i + 1}", f"Alt+{i + 1}", lambda _=False, i=i: self.select(i))
        self._action("Add a layer", "Ctrl+Shift+N", self.add_layer)
        self._action("Remove the selected layer", "Ctrl+Shift+Delete", self.remove_layer)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #555;")
        self.summary.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        for signal in (state.layersChanged, state.selectedLayerChanged, state.kernelsChanged,
                       state.activationChanged, state.poolModeChanged, state.poolShapeChanged,
                       state.transposedChanged):
            signal.connect(lambda *_: self.sync())
        self.sync()

    def _action(self, text, keys, slot):
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        self.actions.append(action)
        return action

    def sync(self):
        """Show the state's layers and which one is selected."""
        stack = self.state.stack()
        count = len(stack)
        selected = min(self.state.selected_layer, count - 1)  # mid-undo they may differ
        for i, button in enumerate(self.buttons):
            button.setVisible(i < count)
            button.setChecked(i == selected)
            if i < count:
                button.setToolTip(f"Layer {i + 1}: {layer_summary(stack[i])} — edit it "
                                  f"(Alt+{i + 1})")
        self.add_button.setEnabled(count < MAX_LAYERS)
        self.remove_button.setEnabled(count > 1)
        reads = "the image" if selected == 0 else f"the {self.state.channels} maps of layer " \
                                                  f"{selected}"
        self.summary.setText(f"Editing layer {selected + 1} of {count}: "
                             f"{layer_summary(stack[selected])}, reading {reads}.")

    def _on_clicked(self, button):
        self.select(self.group.id(button))

    def select(self, layer):
        """Edit ``layer`` (from 0), if the stack has it."""
        if layer < self.state.layer_count:
            self.state.select_layer(layer)
        self.sync()

    def add_layer(self):
        """Add a layer (a message says why not when the stack is full)."""
        try:
            self.state.add_layer()
        except ValueError as exc:
            dialogs.show_error(self, "Cannot add a layer", str(exc))
            return
        self.layerAdded.emit(self.state.selected_layer)

    def remove_layer(self):
        try:
            self.state.remove_layer()
        except ValueError as exc:
            dialogs.show_error(self, "Cannot remove the layer", str(exc))
