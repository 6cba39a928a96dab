"""What the Train panel keeps: the learned kernels to the editor or a file, the model to a file.

:class:`TrainingResults` is the results half of :class:`convgui.training_panel.TrainingPanel`;
every question and message goes through :mod:`convgui.dialogs`, and a failed write leaves
nothing behind.
"""

import numpy as np

from core.nn import export_kernels, save_model

from . import dialogs

__all__ = ["TrainingResults"]


class TrainingResults:
    """Keeping what a :class:`~convgui.training_panel.TrainingPanel` (a QDialog) learned.

    The panel provides ``run``, ``result``, ``state``, ``status`` and ``open_layer`` (which conv
    layer's kernels to open).
    """

    def _conv_layers(self):
        network = None if self.run is None else self.run.network
        return [] if network is None else [l for l in network.layers if l.kind == "conv"]

    def list_conv_layers(self):
        """One entry of ``open_layer`` per conv layer of the network trained (or training)."""
        count = max(1, len(self._conv_layers()))
        if self.open_layer.count() != count:
            self.open_layer.clear()
            for i in range(count):
                self.open_layer.addItem(f"Layer {i + 1}", i)

    def learned_bank(self, layer=0):
        """The learned kernels of conv layer ``layer`` (from 0) as the window should hold them
        in that layer, or None."""
        if self.run is None or self.run.kernels is None:
            return None
        if layer == 0:
            bank = self.run.kernels
        else:
            convs = self._conv_layers()
            if layer >= len(convs):
                return None
            bank = convs[layer].params["W"].astype(np.float64)
        stack = self.state.stack()
        flip = stack[layer].flip if layer < len(stack) else False
        return bank[::-1, ::-1].copy() if flip else bank.copy()

    def open_in_editor(self, layer=None):
        """Put the learned kernels of the chosen conv layer (``open_layer``) into that layer of
        the window's stack (adding layers when it is shorter) and select it; one undo step."""
        if layer is None or isinstance(layer, bool):
            layer = max(self.open_layer.currentData() or 0, 0)
        bank = self.learned_bank(layer)
        if bank is None:
            return
        state = self.state
        try:
            with state.one_step():
                while state.layer_count <= layer:
                    state.add_layer()
                state.select_layer(layer)
                state.kernels = bank
        except (ValueError, TypeError) as exc:
            dialogs.show_error(self, "Cannot open the kernels", str(exc))
            return
        self.status.setText(f"The learned kernels of layer {layer + 1} are now the window's "
                            f"layer {layer + 1} kernel bank (Ctrl+Z in the window undoes it).")

    def save_kernels(self):
        if self.run is None or self.run.network is None:
            return
        path = dialogs.ask_save_target(self, "Save the learned kernels",
                                       "Kernel files (*.json *.npy)", "learned_kernels.json",
                                       suffix=".json")
        if not path:
            return
        try:
            export_kernels(path, self.run.network,
                           name=f"learned: {self.run.network.layers[0].describe()}")
        except (ValueError, OSError) as exc:
            dialogs.show_error(self, "Could not save the kernels", f"{exc}\n\nNothing was "
                               "written.")
            return
        self.status.setText(f"Saved the learned kernels to {path}.")

    def save_model(self):
        if self.result is None:
            return
        path = dialogs.ask_save_target(self, "Save the model", "Models (*.npz)", "model.npz",
                                       suffix=".npz")
        if not path:
            return
        try:
            save_model(path, self.result.network)
        except (ValueError, OSError) as exc:
            dialogs.show_error(self, "Could not save the model", f"{exc}\n\nNothing was "
                               "written.")
            return
        self.status.setText(f"Saved the model to {path}.")
