"""What the Train panel keeps: the learned kernels to the editor or a file, the model to a file.

:class:`TrainingResults` is the results half of :class:`convgui.training_panel.TrainingPanel`;
every question and message goes through :mod:`convgui.dialogs`, and a failed write leaves
nothing behind.
"""

from core.nn import export_kernels, save_model

from . import dialogs

__all__ = ["TrainingResults"]


class TrainingResults:
    """Keeping what a :class:`~convgui.training_panel.TrainingPanel` (a QDialog) learned.

    The panel provides ``run``, ``result``, ``state`` and ``status``.
    """

    def learned_bank(self):
        """The learned layer-1 kernels as the window should hold them, or None."""
        if self.run is None or self.run.kernels is None:
            return None
        bank = self.run.kernels
        return bank[::-1, ::-1].copy() if self.state.flip else bank.copy()

    def open_in_editor(self):
        bank = self.learned_bank()
        if bank is None:
            return
        try:
            self.state.kernels = bank
        except (ValueError, TypeError) as exc:
            dialogs.show_error(self, "Cannot open the kernels", str(exc))
            return
        self.status.setText("The learned kernels are now the window's kernel bank "
                            "(Ctrl+Z in the window undoes it).")

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
