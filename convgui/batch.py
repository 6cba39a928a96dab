"""Process a whole dataset from the window: a worker thread, the dialog, and the result's grid.

The computation is :func:`core.batch.iter_batch` run by a :class:`BatchWorker` on its own
thread; the worker only reports progress (at most ``1 / interval`` times a second), so the window
keeps browsing, zooming and hovering while tens of thousands of images are processed. Every
dialog goes through :mod:`convgui.dialogs`.

Call :func:`install_batch_actions` once on the main window to get File → Process dataset…
(Ctrl+B).
"""

import threading
import time

import numpy as np
from PyQt5.QtCore import QObject, QSize, Qt, QThread, pyqtSignal
from PyQt5.QtGui import QIcon, QImage, QKeySequence, QPixmap
from PyQt5.QtWidgets import (QAction, QButtonGroup, QCheckBox, QComboBox, QDialog, QGridLayout,
                             QGroupBox, QHBoxLayout, QLabel, QListView, QListWidget,
                             QListWidgetItem, QProgressBar, QPushButton, QRadioButton, QSpinBox,
                             QVBoxLayout, QWidget)

from core import batch as core_batch
from core import sheets

from . import dialogs, display

__all__ = ["BatchWorker", "batch_job", "BatchDialog", "ThumbnailGrid", "install_batch_actions",
           "open_batch_dialog"]


# --------------------------------------------------------------------------------------------
# the worker


class _Thread(QThread):
    def __init__(self, target):
        super().__init__()
        self._target = target

    def run(self):
        self._target()


class BatchWorker(QObject):
    """Runs a job on a thread of its own and reports on the GUI thread.

    A *job* is a function without arguments that returns a generator: it yields
    ``(done, total)`` as it goes and *returns* its result (``return result`` in the generator).

    Signals
    -------
    progress(int, int)
        ``(done, total)``, throttled to one per ``interval`` seconds (the last one always comes).
    finished(object)
        The job's result.
    failed(str)
        The job raised; the message says why. Files being written were removed.
    cancelled()
        :meth:`cancel` stopped the job between two steps; files being written were removed.

    Exactly one of ``finished``, ``failed`` and ``cancelled`` is emitted per run.

    Examples
    --------
    >>> def job():
    ...     yield 1, 2
    ...     yield 2, 2
    ...     return "done"
    >>> worker = BatchWorker(job)
    >>> worker.finished.connect(print)
    >>> worker.run_here()
    done
    """

    progress = pyqtSignal(int, int)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(self, job, *, interval=0.05, parent=None):
        super().__init__(parent)
        self._job = job
        self.interval = interval
        self._cancel = threading.Event()
        self._thread = None

    def start(self):
        """Run the job on a new thread (returns at once)."""
        if self.is_running():
            raise RuntimeError("this worker is already running")
        self._cancel.clear()
        self._thread = _Thread(self._run)
        self._thread.start()

    def run_here(self):
        """Run the job synchronously on the calling thread (scripts and tests)."""
        self._cancel.clear()
        self._run()

    def cancel(self):
        """Ask the job to stop before its next step."""
        self._cancel.set()

    def is_running(self):
        """True while the thread runs."""
        return self._thread is not None and self._thread.isRunning()

    def wait(self, timeout_ms=30_000):
        """Block until the thread ends; True if it did within ``timeout_ms``."""
        return True if self._thread is None else self._thread.wait(timeout_ms)

    def _run(self):
        throttle = core_batch.Throttle(self.interval)
        steps = None
        try:
            steps = self._job()
            while True:
                if self._cancel.is_set():
                    steps.close()
                    self.cancelled.emit()
                    return
                try:
                    done, total = next(steps)
                except StopIteration as stop:
                    result = stop.value
                    break
                if throttle.ready(force=done >= total):
                    self.progress.emit(int(done), int(total))
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal
            if steps is not None:
                steps.close()
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        self.finished.emit(result)


def batch_job(dataset, spec, *, start=0, stop=None, dtype=np.float32, path=None):
    """A :class:`BatchWorker` job processing ``dataset.images[start:stop]`` with ``spec``.

    The output is allocated in memory, or (``path`` given) written straight to a ``.npy`` file
    that appears only when the job completes. The job returns a
    :class:`core.batch.BatchResult`.
    """
    def job():
        began = time.perf_counter()
        first, last = core_batch.batch_range(len(dataset), start, stop)
        if path is None:
            outputs = core_batch.allocate_output(dataset.images.shape, spec, start=first,
                                                 stop=last, dtype=dtype)
            yield from core_batch.iter_batch(dataset.images, spec, out=outputs, start=first,
                                             stop=last)
        else:
            yield from core_batch.iter_batch_to_npy(path, dataset.images, spec, start=first,
                                                    stop=last, dtype=dtype)
            outputs = np.load(path, mmap_mode="r")
        labels = None if dataset.labels is None else np.asarray(dataset.labels[first:last])
        return core_batch.BatchResult(
            outputs, labels=labels, class_names=dataset.class_names, start=first,
            key=dataset.key, name=dataset.name, path=None if path is None else str(path),
            spec=spec, seconds=time.perf_counter() - began)
    return job


def _single_step(write):
    """A job for a one-shot export: progress 0/1, the write, 1/1; returns ``write()``."""
    def job():
        yield 0, 1
        value = write()
        yield 1, 1
        return value
    return job


# --------------------------------------------------------------------------------------------
# the thumbnail grid


def _pixmap(pixels):
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, w, h, w, QImage.Format_Grayscale8)
    else:
        image = QImage(pixels.data, w, h, 3 * w, QImage.Format_RGB888)
    return QPixmap.fromImage(image.copy())


class ThumbnailGrid(QWidget):
    """Pages of thumbnails of a :class:`core.batch.BatchResult`, each with index and label.

    One feature map is shown at a time (chosen in the combo box), scaled with the same levels for
    every image (:func:`core.sheets.feature_levels`), so brightness compares across thumbnails.

    Signals
    -------
    imageActivated(int)
        A thumbnail was double-clicked; the argument is the image's index in the source dataset.
    """

    imageActivated = pyqtSignal(int)

    def __init__(self, parent=None, *, page_size=100, icon_size=56):
        super().__init__(parent)
        self.page_size = page_size
        self.result = None
        self.levels = None
        self.lut = None
        self.page = 0
        self.list = QListWidget()
        self.list.setViewMode(QListView.IconMode)
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(icon_size, icon_size))
        self.list.setGridSize(QSize(icon_size + 18, icon_size + 34))
        self.list.itemDoubleClicked.connect(
            lambda item: self.imageActivated.emit(int(item.data(Qt.UserRole))))
        self.feature = QComboBox()
        self.feature.setToolTip("Which feature map (kernel) the thumbnails show")
        self.feature.currentIndexChanged.connect(lambda _: self.show_page(self.page))
        self.previous = QPushButton("◀ Previous")
        self.next = QPushButton("Next ▶")
        self.previous.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        self.where = QLabel("No result yet")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Feature map:"))
        bar.addWidget(self.feature)
        bar.addStretch(1)
        bar.addWidget(self.where)
        bar.addWidget(self.previous)
        bar.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self._update_buttons()

    @property
    def pages(self):
        """Number of pages (0 without a result)."""
        return 0 if self.result is None else -(-len(self.result) // self.page_size)

    def set_result(self, result, lut=None):
        """Show ``result`` from its first page; ``lut`` is a (256, 3) colour table or None."""
        self.result = result
        self.lut = lut
        self.levels = sheets.feature_levels(result.outputs)
        self.feature.blockSignals(True)
        self.feature.clear()
        self.feature.addItems([f"K{k + 1}" for k in range(result.feature_count)])
        self.feature.blockSignals(False)
        self.show_page(0)

    def page_range(self):
        """``(first, last)`` positions in the result shown on the current page."""
        first = self.page * self.page_size
        return first, min(len(self.result), first + self.page_size)

    def show_page(self, page):
        """Show page ``page`` (clamped to the pages there are)."""
        self.list.clear()
        if self.result is None:
            self._update_buttons()
            return
        self.page = max(0, min(int(page), self.pages - 1))
        first, last = self.page_range()
        k = max(0, self.feature.currentIndex())
        block = np.asarray(self.result.outputs[first:last, :, :, k])
        for offset, values in enumerate(block):
            position = first + offset
            index = self.result.start + position
            label = self.result.label_text(position)
            text = f"#{index}" + (f"\n{label}" if label else "")
            item = QListWidgetItem(QIcon(_pixmap(sheets.render_tile(
                values, self.levels[k], self.lut))), text)
            item.setData(Qt.UserRole, index)
            item.setToolTip(f"image {index}" + (f", label {label}" if label else ""))
            self.list.addItem(item)
        self._update_buttons()

    def _update_buttons(self):
        if self.result is None:
            self.where.setText("No result yet")
        else:
            first, last = self.page_range()
            self.where.setText(f"{first + 1}–{last} of {len(self.result)}")
        self.previous.setEnabled(self.result is not None and self.page > 0)
        self.next.setEnabled(self.result is not None and self.page < self.pages - 1)


# --------------------------------------------------------------------------------------------
# the dialog


def _megabytes(nbytes):
    return f"{nbytes / 2**20:,.1f} MB"


class BatchDialog(QDialog):
    """Apply the window's current pipeline to the whole dataset (or a range) and export it.

    The dialog is not modal: the window stays usable while a batch runs. The settings and the
    dataset are captured when :meth:`start` is pressed; later edits in the window do not change a
    running batch.

    Attributes
    ----------
    result : core.batch.BatchResult or None
        The last completed batch.
    worker : BatchWorker or None
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
        self.sheet_columns = QSpinBox()
        self.sheet_columns.setRange(1, 50)
        self.sheet_columns.setValue(10)
        self.sheet_columns.setPrefix("columns: ")
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
        self._set_busy(False)

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

    def set_range(self, start, stop):
        """Choose images ``start .. stop - 1`` (as if typed in the spin boxes)."""
        self.first.setValue(start)
        self.last.setValue(stop - 1)
        self.some_images.setChecked(True)

    def refresh(self):
        """Update the summary and the output size for the current settings and range."""
        dataset = self.state.dataset
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
            spec = self.state.spec()
        except (ValueError, TypeError) as exc:
            self.summary.setText(f"{dataset.name}: {exc}")
            self.start_button.setEnabled(False)
            return
        self.summary.setText(f"<b>{dataset.name}</b>: {count:,} images "
                             f"{'×'.join(map(str, dataset.image_shape))}<br>{_describe(spec)}")
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
                                f"{_megabytes(nbytes)} — {note}")
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
            spec = self.state.spec()
            start, stop = core_batch.batch_range(len(dataset), *self.selected_range())
            nbytes = core_batch.output_nbytes(dataset.images.shape, spec, start=start,
                                              stop=stop, dtype=self.dtype)
        except (ValueError, TypeError) as exc:
            dialogs.show_error(self, "Cannot process the dataset", str(exc))
            return False
        to_disk = self.to_disk.isChecked()
        if not to_disk and not core_batch.fits_in_memory(nbytes):
            free = core_batch.available_memory()
            free_text = "an unknown amount" if free is None else _megabytes(free)
            if not dialogs.ask_yes_no(
                    self, "Too big for memory",
                    f"The result needs {_megabytes(nbytes)}, but only {free_text} of memory is "
                    "free.\n\nWrite it straight to disk as a .npy file instead?"):
                return False
            to_disk = True
        path = None
        if to_disk:
            path = self._ask_target("Write the processed images to", "NumPy array (*.npy)",
                                    f"{_stem(dataset)}_processed.npy", ".npy")
            if path is None:
                return False
        self.result = None
        self._source = dataset
        self.grid.result = None
        self.grid.show_page(0)
        self._set_busy(True, exports=False)
        self._run(batch_job(dataset, spec, start=start, stop=stop, dtype=self.dtype, path=path),
                  self._on_batch_done, f"Processing {stop - start:,} images…")
        return True

    def cancel(self):
        """Stop the running batch or export; whatever it was writing is removed."""
        if self.worker is not None:
            self.worker.cancel()

    def _run(self, job, on_done, message):
        self.status.setText(message)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.eta.setText("")
        self._started = time.perf_counter()
        self.worker = BatchWorker(job, parent=self)
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
            self.eta.setText(f"about {_duration(left)} left")
        elif done >= total:
            self.eta.setText(f"{_duration(elapsed)}")

    def _on_batch_done(self, result):
        self.worker.wait()
        self.result = result
        lut = None if self.state.colormap == "gray" else display.lookup_table(self.state.colormap)
        self.grid.set_result(result, lut)
        where = f" into {result.path}" if result.path else ""
        self.status.setText(f"Done: {len(result):,} images in {_duration(result.seconds)}"
                            f"{where}. Double-click a thumbnail to show it in the window.")
        self._set_busy(False)
        self.jobEnded.emit("finished")

    def _on_export_done(self, paths):
        self.worker.wait()
        self._set_busy(False)
        self.status.setText(f"Saved {paths}")
        self.jobEnded.emit("finished")

    def _on_failed(self, message):
        self.worker.wait()
        self._set_busy(False)
        self.status.setText(f"Failed: {message}. Nothing was written.")
        dialogs.show_error(self, "Processing failed", f"{message}\n\nNothing was written.")
        self.jobEnded.emit("failed")

    def _on_cancelled(self):
        self.worker.wait()
        self._set_busy(False)
        self.eta.setText("")
        self.status.setText("Cancelled. Nothing was written.")
        self.jobEnded.emit("cancelled")

    def _set_busy(self, busy, exports=None):
        self.cancel_button.setEnabled(busy)
        self.start_button.setEnabled(not busy and self.state.dataset is not None)
        can_export = (not busy and self.result is not None) if exports is None else exports
        for widget in (self.export_npz_button, self.export_pngs_button, self.export_sheet_button):
            widget.setEnabled(can_export)
        for widget in (self.all_images, self.some_images, self.first, self.last, self.in_memory,
                       self.to_disk, self.float64):
            widget.setEnabled(not busy)

    def _show_in_window(self, index):
        if self.result is not None and self.state.dataset is self._source:
            self.state.index = index

    # -- exports -------------------------------------------------------------------------

    def _ask_target(self, title, filters, suggested, suffix):
        return dialogs.ask_save_target(self, title, filters, suggested, suffix)

    def export_npz(self):
        """Save the result as ``.npz`` in the source file's layout. Returns the path or None."""
        if self.result is None or self.is_running():
            return None
        path = self._ask_target("Save the processed dataset", "NumPy archive (*.npz)",
                                f"{_stem(self.result)}_processed.npz", ".npz")
        if path is None:
            return None
        arrays = self.result.npz_arrays()
        self._set_busy(True, exports=False)
        self._run(_single_step(lambda: core_batch.save_npz(path, arrays) or path),
                  self._on_export_done, f"Saving {path}…")
        return path

    def export_png_folder(self):
        """Write one PNG per image and feature map into a folder. Returns the folder or None."""
        if self.result is None or self.is_running():
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

        self._set_busy(True, exports=False)
        self._run(job, self._on_export_done, f"Writing {len(names):,} PNG files…")
        return folder

    def export_sheet(self):
        """Save the thumbnails of the page shown as one contact-sheet PNG (labels drawn below).
        Returns the path or None."""
        if self.result is None or self.is_running():
            return None
        path = self._ask_target("Save a contact sheet", "PNG image (*.png)",
                                f"{_stem(self.result)}_sheet.png", ".png")
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

        self._set_busy(True, exports=False)
        self._run(_single_step(write), self._on_export_done, f"Saving {path}…")
        return path

    def closeEvent(self, event):
        if self.is_running():
            self.cancel()
            self.worker.wait()
        super().closeEvent(event)


def _stem(source):
    name = getattr(source, "name", "") or "dataset"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name.split(":")[0]
                   .rsplit(".", 1)[0]) or "dataset"


def _duration(seconds):
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def _describe(spec):
    kh, kw, c, nc = spec.kernels.shape
    padding = spec.padding if isinstance(spec.padding, str) else f"{spec.padding}"
    parts = [f"{nc} kernel{'s' if nc > 1 else ''} {kh}×{kw}" + (f"×{c}" if c > 1 else ""),
             f"padding {padding}", f"stride {spec.stride}"]
    if spec.transposed:
        parts.insert(0, "transposed convolution")
        if spec.output_padding != (0, 0):
            parts.append(f"output padding {spec.output_padding}")
    elif spec.padding_mode != "zeros":
        parts.append(f"{spec.padding_mode} padding")
    if spec.dilation != (1, 1):
        parts.append(f"dilation {spec.dilation}")
    if any(np.ravel(spec.bias)):
        parts.append(f"bias {', '.join(f'{b:g}' for b in np.ravel(spec.bias))}")
    if spec.flip:
        parts.append("flipped")
    if spec.activation != "none":
        parts.append(spec.activation)
    if spec.pooled:
        parts.append(f"{spec.pool_mode} pool {spec.pool_shape} stride {spec.pool_stride}")
    return ", ".join(parts)


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


def install_batch_actions(window):
    """Add File → "Process dataset…" (Ctrl+B) to ``window``; return the action.

    The action goes just before the File menu's Export submenu (or at the end of the File menu,
    or in a new Dataset menu when there is no File menu) and opens :func:`open_batch_dialog`.
    """
    action = QAction("Process &dataset…", window)
    action.setShortcut(QKeySequence("Ctrl+B"))
    tip = "Apply the current kernel, padding, stride and pooling to every image and export"
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda: open_batch_dialog(window))
    window.addAction(action)
    file_menu = None
    for menu_action in window.menuBar().actions():
        if menu_action.menu() is not None and menu_action.text().replace("&", "") == "File":
            file_menu = menu_action.menu()
            break
    if file_menu is None:
        window.menuBar().addMenu("&Dataset").addAction(action)
    else:
        before = next((a for a in file_menu.actions() if a.menu() is not None
                       and a.text().replace("&", "") == "Export"), None)
        if before is None:
            file_menu.addAction(action)
        else:
            file_menu.insertAction(before, action)
    window.batch_action = action
    return action
