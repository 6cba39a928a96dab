"""The kernel editor's files: open and save a kernel file, keep kernels in My kernels.

:class:`KernelFiles` carries out the editor's *Open…*, *Save…*, *Save to My kernels…* and
*Delete from My kernels…*. Every question and message goes through :mod:`convgui.dialogs`;
a file that cannot be read or written leaves the kernel (and the file) as it was.
"""

from core.kernels import as_bank, compact_kernel, load_named_kernel, save_kernel

from . import dialogs

__all__ = ["KernelFiles", "FILE_FILTERS"]

#: The file dialogs' filters for kernel files.
FILE_FILTERS = "Kernel files (*.json *.npy);;JSON kernel (*.json);;NumPy array (*.npy)"


class KernelFiles:
    """File and My-kernels commands of one :class:`~convgui.kernel_editor.KernelEditor`.

    Parameters
    ----------
    editor : KernelEditor
        Its ``state``, ``store`` and ``preset_combo`` are used; a loaded bank is written with
        its ``replace_bank`` (one edit), warnings shown with its ``warn``.
    """

    def __init__(self, editor):
        self.editor = editor

    def open(self):
        editor = self.editor
        path = dialogs.ask_open_path(editor, "Load kernel", FILE_FILTERS)
        if not path:
            return
        try:
            kernel, _name = load_named_kernel(path)
            bank = as_bank(kernel, editor.state.channels)
        except (OSError, ValueError, TypeError) as exc:
            dialogs.show_error(editor, "Could not load the kernel",
                               f"{exc}\n\nThe current kernel is unchanged.")
            return
        editor.replace_bank(bank, reset_active=True)

    def save(self):
        editor = self.editor
        path = dialogs.ask_save_target(editor, "Save kernel", FILE_FILTERS, "kernel.json",
                                       (".json", ".npy"))
        if not path:
            return
        name = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
        try:
            save_kernel(path, compact_kernel(editor.state.kernels), name=name)
        except (OSError, ValueError) as exc:
            dialogs.show_error(editor, "Could not save the kernel",
                               f"{exc}\n\nNothing was written.")

    def store_save(self):
        editor, store = self.editor, self.editor.store
        name = dialogs.ask_text(editor, "Save to My kernels", "Name of the kernel:",
                                editor.preset_combo.chosen_name())
        if not name:
            return
        kernel = compact_kernel(editor.state.kernels)
        try:
            if name in store:
                if not dialogs.ask_yes_no(editor, "Replace kernel?",
                                          f"My kernels already has “{name}”. Replace it?"):
                    return
                store.replace(name, kernel)
            else:
                store.add(name, kernel)
        except (OSError, ValueError, KeyError) as exc:
            dialogs.show_error(editor, "Could not save to My kernels", str(exc))
        self.store_changed()

    def store_delete(self):
        editor, store = self.editor, self.editor.store
        store.reload()
        names = store.names()
        if not names:
            self.store_changed()
            dialogs.show_info(editor, "My kernels", "My kernels is empty: use “Save to My "
                              "kernels…” to keep the kernel you are editing.")
            return
        name = dialogs.ask_choice(editor, "Delete from My kernels", "Kernel to delete:", names)
        if not name or not dialogs.ask_yes_no(editor, "Delete kernel?",
                                              f"Delete “{name}” from My kernels?"):
            return
        try:
            store.delete(name)
        except (OSError, ValueError, KeyError) as exc:
            dialogs.show_error(editor, "Could not delete from My kernels", str(exc))
        self.store_changed()

    def store_changed(self):
        """Show the store's warnings and list its kernels again."""
        editor = self.editor
        for warning in editor.store.take_warnings():
            editor.warn(warning)
        editor.preset_combo.fill()
        editor.preset_combo.show_matching(editor.state.kernels)
