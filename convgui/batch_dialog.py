"""Process a whole dataset from the window: the dialog, its settings, progress and result grid.

The computation (:func:`convgui.batch_job.batch_job`, :func:`core.batch.process_dataset`) is run by a :class:`convgui.workers.Worker` off
the GUI thread; the worker only reports progress (at most ``1 / interval`` times a second), so
the window keeps browsing, zooming and hovering while tens of thousands of images are
processed. Every dialog goes through :mod:`convgui.dialogs`. Saving the result is
:class:`convgui.batch_exports.BatchExports`; its texts are :mod:`convgui.batch_text`.

:func:`batch_action` makes the File → Process dataset… action (Ctrl+B) the main window
places in its menu.
"""

import time

import numpy as np
from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QGridLayout, QGroupBox,
                             QHBoxLayout, QLabel, QProgressBar, QPushButton, QRadioButton,
                             QSpinBox, QVBoxLayout)

from core import batch as core_batch

from . import dialogs, display
from .batch_exports import BatchExports
from .batch_job import batch_job
from .batch_text import describe_spec, duration_text, file_stem, size_text
from .thumbnail_grid import ThumbnailGrid
from .widgets import spin_box, window_action
from .workers import Worker

__all__ = ["batch_job", "BatchDialog", "batch_action", "open_batch_dialog"]


class BatchDialog(BatchExports, QDialog):
    """Apply the window's current pipeline to the whole dataset (or a range) and export it.

    The dialog is not modal: the window stays usable while a batch runs. The settings and the
    dataset are captured when :meth:`start` is pressed; later edits in the window do not change a
    running batch.

    Attributes
    ----------
    result : core.batch.BatchResult or None
        The last completed batch.
    worker : convgui.workers.Worker or None
        The running (or last) job.
    """

    #: A batch or export ended: ``"finished"``, ``"cancelled"`` or ``"failed"``.
    jobEnded = pyqtSignal(str)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Process the whole dataset")
        self.setModal(False)
        self.state = state
        self.result = None
        self.worker = None
        self._started = None
        self._source = None
        self._ranged_dataset = None
        self._build()
        state.datasetChanged.connect(lambda _: self.refresh())
        state.changed.connect(lambda _: self.refresh())
        self.refresh()

    # -- construction --------------------------------------------------------------------

    def _build(self):
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.all_images = QRadioButton("All images")
        self.some_images = QRadioButton("Images from")
        self.all_images.setChecked(True)
        ranges = QButtonGroup(self)
        ranges.addButton(self.all_images)
        ranges.addButton(self.some_images)
        self.first = QSpinBox()
        self.last = QSpinBox()
        self.first.setToolTip("First image to process (0-based)")
        self.last.setToolTip("Last image to process (included)")
        for widget in (self.first, self.last):
            widget.valueChanged.connect(lambda _: self.some_images.setChecked(True))
            widget.valueChanged.connect(lambda _: self.refresh())
        self.all_images.toggled.connect(lambda _: self.refresh())
        range_row = QHBoxLayout()
        range_row.addWidget(self.all_images)
        range_row.addWidget(self.some_images)
        range_row.addWidget(self.first)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.last)
        range_row.addStretch(1)

        self.in_memory = QRadioButton("Keep in memory")
        self.to_disk = QRadioButton("Write straight to disk (.npy)…")
        self.to_disk.setToolTip("For results larger than the memory: a memory-mapped .npy file")
        self.in_memory.setChecked(True)
        outputs = QButtonGroup(self)
        outputs.addButton(self.in_memory)
        outputs.addButton(self.to_disk)
        self.float64 = QCheckBox("float64 (twice the size)")
        self.float64.toggled.connect(lambda _: self.refresh())
        self.every_array = QCheckBox("Every image array of the file")
        self.every_array.setChecked(True)
        self.every_array.setToolTip(
            "Also process the file's other image arrays (e.g. X_valid and X_test), each saved "
            "under its own name with its labels, so the .npz has the source's layout")
        self.every_array.toggled.connect(lambda _: self.refresh())
        output_row = QHBoxLayout()
        output_row.addWidget(self.in_memory)
        output_row.addWidget(self.to_disk)
        output_row.addWidget(self.float64)
        output_row.addStretch(1)
        self.size_label = QLabel()

        self.start_button = QPushButton("&Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.eta = QLabel("")
        run_row = QHBoxLayout()
        run_row.addWidget(self.start_button)
        run_row.addWidget(self.progress_bar, 1)
        run_row.addWidget(self.eta)
        run_row.addWidget(self.cancel_button)

        setup = QGroupBox("What to process")
        setup_layout = QVBoxLayout(setup)
        setup_layout.addWidget(self.summary)
        setup_layout.addLayout(range_row)
        setup_layout.addWidget(self.every_array)
        setup_layout.addLayout(output_row)
        setup_layout.addWidget(self.size_label)

        self.grid = ThumbnailGrid()
        self.grid.imageActivated.connect(self._show_in_window)
        self.export_npz_button = QPushButton("Save as .&npz…")
        self.export_npz_button.setToolTip(
            "Same array names as the source file (e.g. X_train, Y_train), processed images")
        self.export_pngs_button = QPushButton("&PNG per image…")
        self.export_pngs_button.setToolTip("A folder with one PNG per image and feature map")
        self.export_sheet_button = QPushButton("Contact &sheet of this page…")
        self.export_sheet_button.setToolTip("One PNG: the thumbnails of this page with labels")
        self.export_npz_button.clicked.connect(self.export_npz)
        self.export_pngs_button.clicked.connect(self.export_png_folder)
        self.export_sheet_button.clicked.connect(self.export_sheet)
        self.sheet_columns = spin_box(1, 50, value=10, prefix="columns: ")
        export_row = QHBoxLayout()
        for widget in (self.export_npz_button, self.export_pngs_button, self.export_sheet_button,
                       self.sheet_columns):
            export_row.addWidget(widget)
        export_row.addStretch(1)
        results = QGroupBox("Result")
        results_layout = QVBoxLayout(results)
        results_layout.addWidget(self.grid, 1)
        results_layout.addLayout(export_row)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        layout = QGridLayout(self)
        layout.addWidget(setup, 0, 0)
        layout.addLayout(run_row, 1, 0)
        layout.addWidget(results, 2, 0)
        layout.addWidget(self.status, 3, 0)
        layout.setRowStretch(2, 1)
        self.resize(760, 640)
        self.set_busy(False)

    # -- settings ------------------------------------------------------------------------

    @property
    def dtype(self):
        """The compute dtype chosen."""
        return np.float64 if self.float64.isChecked() else np.float32

    def selected_range(self):
        """``(start, stop)`` of the images to process (``stop`` excluded)."""
        dataset = self.state.dataset
        count = 0 if dataset is None else len(dataset)
        if self.all_images.isChecked():
            return 0, count
        if self.last.value() < self.first.value():
            raise ValueError(f"the range ends (image {self.last.value()}) before it starts "
                             f"(image {self.first.value()})")
        return self.first.value(), self.last.value() + 1

    def other_keys(self):
        """The file's other image arrays processed with this one (with every array, all images
        and the result kept in memory)."""
        dataset = self.state.dataset
        if (dataset is None or not dataset.alternatives or not dataset.source
                or not self.every_array.isChecked() or not self.all_images.isChecked()
                or self.to_disk.isChecked()):
            return []
        return list(dataset.alternatives)

    def result_is_current(self):
        """True when the result was computed from the dataset open now with its settings now."""
        if self.result is None or self.state.dataset is None:
            return False
        try:
            return self.result.matches(self.state.dataset, self.state.spec())
        except (ValueError, TypeError):
            return False

    def _check_result(self):
        """Clear a result of another dataset; turn exports off while the settings differ."""
        if self.result is None or self.is_running():
            return
        if self.state.dataset is not self._source:
            self.result = None
            self.grid.set_result(None)
            self.status.setText("Another dataset is open now: the previous result was cleared. "
                                "Press Start to process this one.")
        elif not self.result_is_current():
            self.status.setText("The settings changed since this result was computed: saving "
                                "is off until they are set back. Press Start to process again.")
        else:
            self.status.setText(self._done_text())
        self.set_busy(False)

    def set_range(self, start, stop):
        """Choose images ``start .. stop - 1`` (as if typed in the spin boxes)."""
        self.first.setValue(start)
        self.last.setValue(stop - 1)
        self.some_images.setChecked(True)

    def refresh(self):
        """Update the summary and the output size for the current settings and range."""
        self._check_result()
        dataset = self.state.dataset
        self.every_array.setVisible(bool(dataset is not None and dataset.alternatives
                                         and dataset.source))
        if dataset is not None and dataset.alternatives:
            self.every_array.setText(f"Every image array of the file (also "
                                     f"{', '.join(dataset.alternatives)})")
        if dataset is None:
            self.summary.setText("Open a dataset first.")
            self.size_label.setText("")
            self.start_button.setEnabled(False)
            return
        count = len(dataset)
        for widget in (self.first, self.last):
            widget.blockSignals(True)
            widget.setRange(0, count - 1)
            widget.blockSignals(False)
        if dataset is not self._ranged_dataset:
            self._ranged_dataset = dataset
            self.last.blockSignals(True)
            self.first.blockSignals(True)
            self.first.setValue(0)
            self.last.setValue(count - 1)
            self.first.blockSignals(False)
            self.last.blockSignals(False)
        try:
            spec = self.state.single_layer_spec()
        except (ValueError, TypeError) as exc:
            self.summary.setText(f"{dataset.name}: {exc}")
            self.start_button.setEnabled(False)
            return
        self.summary.setText(f"<b>{dataset.name}</b>: {count:,} images "
                             f"{'×'.join(map(str, dataset.image_shape))}<br>{describe_spec(spec)}")
        try:
            start, stop = self.selected_range()
            shape = core_batch.batch_output_shape(dataset.images.shape, spec, start=start,
                                                  stop=stop)
            nbytes = core_batch.output_nbytes(dataset.images.shape, spec, start=start,
                                              stop=stop, dtype=self.dtype)
        except (ValueError, TypeError) as exc:
            self.size_label.setText(f"Cannot process with these settings: {exc}")
            self.start_button.setEnabled(False)
            return
        fits = core_batch.fits_in_memory(nbytes)
        note = "fits in memory" if fits else "too big for memory: write it straight to disk"
        self.size_label.setText(f"Output {shape} {np.dtype(self.dtype).name}: "
                                f"{size_text(nbytes)} — {note}")
        self.start_button.setEnabled(not self.is_running())

    # -- running -------------------------------------------------------------------------

    def is_running(self):
        """True while a batch or an export runs."""
        return self.worker is not None and self.worker.is_running()

    def start(self):
        """Check the settings, ask what needs asking, and start the batch. True if started."""
        if self.is_running():
            return False
        dataset = self.state.dataset
        if dataset is None:
            dialogs.show_error(self, "Nothing to process", "Open a dataset first.")
            return False
        try:
            spec = self.state.single_layer_spec()
            start, stop = core_batch.batch_range(len(dataset), *self.selected_range())
            nbytes = core_batch.output_nbytes(dataset.images.shape, spec, start=start,
                                              stop=stop, dtype=self.dtype)
        except (ValueError, TypeError) as exc:
            dialogs.show_error(self, "Cannot process the dataset", str(exc))
            return False
        to_disk = self.to_disk.isChecked()
        if not to_disk and not core_batch.fits_in_memory(nbytes):
            free = core_batch.available_memory()
            free_text = "an unknown amount" if free is None else size_text(free)
            if not dialogs.ask_yes_no(
                    self, "Too big for memory",
                    f"The result needs {size_text(nbytes)}, but only {free_text} of memory is "
                    "free.\n\nWrite it straight to disk as a .npy file instead?"):
                return False
            to_disk = True
        path = None
        if to_disk:
            path = self.ask_target("Write the processed images to", "NumPy array (*.npy)",
                                    f"{file_stem(dataset)}_processed.npy", ".npy")
            if path is None:
                return False
        self.result = None
        self._source = dataset
        self.grid.result = None
        self.grid.show_page(0)
        self.set_busy(True, exports=False)
        others = self.other_keys()
        self.run_job(batch_job(dataset, spec, start=start, stop=stop, dtype=self.dtype, path=path,
                            other_keys=others),
                  self._on_batch_done, f"Processing {stop - start:,} images"
                  + (f" and {', '.join(others)}" if others else "") + "…")
        return True

    def cancel(self):
        """Stop the running batch or export; whatever it was writing is removed."""
        if self.worker is not None:
            self.worker.cancel()

    def run_job(self, job, on_done, message):
        """Run ``job`` on the worker; ``on_done(value)`` gets its result, ``message`` is shown."""
        self.status.setText(message)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.eta.setText("")
        self._started = time.perf_counter()
        self.worker = Worker(job, parent=self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.start()

    def _on_progress(self, done, total):
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        elapsed = time.perf_counter() - self._started
        if 0 < done < total and elapsed > 0.5:
            left = elapsed * (total - done) / done
            self.eta.setText(f"about {duration_text(left)} left")
        elif done >= total:
            self.eta.setText(f"{duration_text(elapsed)}")

    def _on_batch_done(self, result):
        self.worker.wait()
        self.result = result
        lut = None if self.state.colormap == "gray" else display.lookup_table(self.state.colormap)
        self.grid.set_result(result, lut)
        self.status.setText(self._done_text())
        self.set_busy(False)
        self._check_result()
        self.jobEnded.emit("finished")

    def _done_text(self):
        result = self.result
        where = f" into {result.path}" if result.path else ""
        also = "".join(f", {other.key} ({len(other):,})" for other in result.others)
        return (f"Done: {len(result):,} images{also} in {duration_text(result.seconds)}{where}. "
                "Double-click a thumbnail to show it in the window.")

    def on_export_done(self, paths):
        """An export finished: say what was written."""
        self.worker.wait()
        self.set_busy(False)
        self.status.setText(f"Saved {paths}.")
        self.jobEnded.emit("finished")

    def _on_failed(self, message):
        self.worker.wait()
        self.set_busy(False)
        # A multi-file write already says exactly what was and was not written.
        tail = "" if "written" in message else "\n\nNothing was written."
        self.status.setText(f"Failed: {message}" + tail.replace("\n\n", ". "))
        dialogs.show_error(self, "Processing failed", f"{message}{tail}")
        self.jobEnded.emit("failed")

    def _on_cancelled(self):
        self.worker.wait()
        self.set_busy(False)
        self.eta.setText("")
        self.status.setText("Cancelled. Nothing was written.")
        self.jobEnded.emit("cancelled")

    def set_busy(self, busy, exports=None):
        """Enable the controls for a running job (``busy``) or an idle dialog; ``exports`` forces
        the export buttons on or off."""
        self.cancel_button.setEnabled(busy)
        self.start_button.setEnabled(not busy and self.state.dataset is not None)
        can_export = (not busy and self.result_is_current()) if exports is None else exports
        for widget in (self.export_npz_button, self.export_pngs_button, self.export_sheet_button):
            widget.setEnabled(can_export)
        for widget in (self.all_images, self.some_images, self.first, self.last, self.in_memory,
                       self.to_disk, self.float64, self.every_array):
            widget.setEnabled(not busy)

    def _show_in_window(self, index):
        if self.result is not None and self.state.dataset is self._source:
            self.state.index = index

    def closeEvent(self, event):
        if self.is_running():
            self.cancel()
            self.worker.wait()
        super().closeEvent(event)


# --------------------------------------------------------------------------------------------
# the window's menu


def open_batch_dialog(window):
    """Show (creating it once) the window's :class:`BatchDialog`; return it."""
    dialog = getattr(window, "batch_dialog", None)
    if dialog is None:
        dialog = BatchDialog(window.state, window)
        window.batch_dialog = dialog
    dialog.refresh()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def batch_action(window):
    """The "Process dataset…" action (Ctrl+B) opening ``window``'s dialog; the window places it
    in its File menu."""
    return window_action(window, "Process &dataset…", lambda: open_batch_dialog(window),
                         "Ctrl+B", "Apply the current kernel, padding, stride and pooling to "
                         "every image and export")
