"""Saving the result of File ▸ Process dataset…: an ``.npz``, a folder of PNGs, a contact sheet.

:class:`BatchExports` is the export half of :class:`convgui.batch_dialog.BatchDialog`. Each
export asks for its target (never replacing a file without asking), refuses a result computed
with other settings or another dataset, and writes in the background, all or nothing.
"""

from core import batch as core_batch
from core import sheets

from . import dialogs
from .batch_job import single_step
from .batch_text import file_stem

__all__ = ["BatchExports"]


class BatchExports:
    """The exports of a :class:`~convgui.batch_dialog.BatchDialog` (a QDialog).

    The dialog provides ``result``, ``grid``, ``sheet_columns``, ``is_running()``,
    ``result_is_current()``, ``set_busy()``, ``run_job()`` and ``on_export_done``.
    """

    def _refuse_stale(self):
        """True when the result may be saved; otherwise say why (another dataset or settings)."""
        if self.result is None:
            return False
        if not self.result_is_current():
            dialogs.show_error(self, "The result is out of date",
                               "The dataset or the settings changed since this result was "
                               "computed, so it would not match what the window shows. Press "
                               "Start to process again. Nothing was written.")
            return False
        return True

    def ask_target(self, title, filters, suggested, suffix):
        """Ask where to save (asking before replacing a file); None when cancelled."""
        return dialogs.ask_save_target(self, title, filters, suggested, suffix)

    def export_npz(self):
        """Save the result as ``.npz`` in the source file's layout. Returns the path or None."""
        if self.is_running() or not self._refuse_stale():
            return None
        path = self.ask_target("Save the processed dataset", "NumPy archive (*.npz)",
                                f"{file_stem(self.result)}_processed.npz", ".npz")
        if path is None:
            return None
        arrays = self.result.npz_arrays()
        self.set_busy(True, exports=False)
        self.run_job(single_step(lambda: core_batch.save_npz(path, arrays) or path),
                  self.on_export_done, f"Saving {path}…")
        return path

    def export_png_folder(self):
        """Write one PNG per image and feature map into a folder. Returns the folder or None."""
        if self.is_running() or not self._refuse_stale():
            return None
        folder = dialogs.ask_folder(self, "Folder for the PNG files")
        if not folder:
            return None
        result = self.result
        names = sheets.png_names(len(result), result.feature_count, start=result.start,
                                 labels=result.labels, class_names=result.class_names)
        conflicts = sheets.png_folder_conflicts(folder, names)
        if conflicts and not dialogs.ask_yes_no(
                self, "Replace the files?",
                f"{folder} already holds {len(conflicts):,} of these PNG files "
                f"(e.g. {conflicts[0]}). Replace them?"):
            return None
        levels, lut = self.grid.levels, self.grid.lut

        def job():
            yield from sheets.iter_png_folder(folder, result.outputs, start=result.start,
                                              labels=result.labels,
                                              class_names=result.class_names, levels=levels,
                                              lut=lut, overwrite=bool(conflicts))
            return folder

        self.set_busy(True, exports=False)
        self.run_job(job, self.on_export_done, f"Writing {len(names):,} PNG files…")
        return folder

    def export_sheet(self):
        """Save the thumbnails of the page shown as one contact-sheet PNG (labels drawn below).
        Returns the path or None."""
        if self.is_running() or not self._refuse_stale():
            return None
        path = self.ask_target("Save a contact sheet", "PNG image (*.png)",
                                f"{file_stem(self.result)}_sheet.png", ".png")
        if path is None:
            return None
        first, last = self.grid.page_range()
        columns = self.sheet_columns.value()
        rows = -(-(last - first) // columns)
        k = max(0, self.grid.feature.currentIndex())
        result, levels, lut = self.result, self.grid.levels, self.grid.lut

        def write():
            sheets.write_png(path, sheets.contact_sheet(
                result.outputs, result.labels, rows=rows, columns=columns, first=first,
                features=[k], levels=levels, lut=lut))
            return path

        self.set_busy(True, exports=False)
        self.run_job(single_step(write), self.on_export_done, f"Saving {path}…")
        return path
