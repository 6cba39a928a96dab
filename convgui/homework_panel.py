"""File ▸ Check my solution…: run a student's seven files against the reference, in the window.

The check (:func:`core.homework.iter_check_folder`) runs on a :class:`convgui.workers.Worker`
with a progress bar and Cancel, so the window stays responsive while the student's code runs in
its child processes. The results table lists every case of every task with a coloured verdict;
selecting a case shows the student's output, the reference and their difference
(:mod:`convgui.homework_case_view`) with the case's details (:mod:`convgui.homework_text`). The
job itself is :func:`convgui.homework_job.check_job`.
"""

from pathlib import Path

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QFont, QKeySequence
from PyQt5.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout,
                             QHeaderView, QLabel, QProgressBar, QPushButton, QSplitter,
                             QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout)

from core.datasets import Dataset
from core.homework.conventions import convolution_settings

from . import dialogs
from .homework_case_view import CaseView
from .homework_job import DATASET_LIMIT, check_job, dataset_cases
from .homework_text import (COLUMNS, VERDICT_COLOURS, case_cells, case_html, html, task_heading,
                            task_html)
from .widgets import window_action
from .workers import Worker

__all__ = ["HomeworkDialog", "homework_action", "open_homework_dialog", "VERDICT_COLOURS",
           "check_job", "dataset_cases", "DATASET_LIMIT"]

class HomeworkDialog(QDialog):
    """Pick a folder, check it in the background, browse the verdicts and the maps.

    Signals
    -------
    jobEnded(str)
        ``'finished'``, ``'failed'`` or ``'cancelled'`` when a check ends.
    """

    jobEnded = pyqtSignal(str)

    def __init__(self, parent=None, *, cases=None, timeout=None):
        super().__init__(parent)
        self.setWindowTitle("Check my solution")
        self.setWindowFlag(Qt.WindowMaximizeButtonHint, True)
        self.resize(1300, 860)
        self.cases = cases
        self.timeout = timeout
        self.folder = None
        self.report = None
        self.worker = None
        self._rows = []           # per table row: ("task", TaskReport) or ("case", CaseReport)
        self._build()

    # -- construction ----------------------------------------------------------------------

    def _build(self):
        self.folder_label = QLabel("Pick the folder that holds your files "
                                   "0-convolve_grayscale_valid.py … 6-pool.py.")
        self.folder_label.setWordWrap(True)
        self.choose_button = QPushButton("Choose &folder…")
        self.choose_button.setToolTip("Pick the folder with your seven files and check them")
        self.choose_button.clicked.connect(self.choose_folder)
        self.again_button = QPushButton("Check &again")
        self.again_button.setShortcut(QKeySequence("F5"))
        self.again_button.setToolTip("Run the same folder again, after you edited a file (F5)")
        self.again_button.clicked.connect(lambda: self.start(self.folder))
        self.again_button.setEnabled(False)
        self.source_combo = QComboBox()
        self.source_combo.setToolTip("Which images the cases use: the bundled MNIST digits and "
                                     "32×32 photos, or the dataset open in the window")
        self.source_combo.addItem("Bundled samples", "samples")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%v / %m cases")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the check (the student's process is ended)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.status = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        top.addWidget(QLabel("Images"))
        top.addWidget(self.source_combo)
        top.addWidget(self.choose_button)
        top.addWidget(self.again_button)
        top.addWidget(self.progress_bar)
        top.addWidget(self.cancel_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Fixed)   # task headers span every column
        self.table.setColumnWidth(0, 44)
        for col in range(1, len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.itemSelectionChanged.connect(self._on_selection)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setMinimumWidth(300)
        self.case_view = CaseView()
        self.case_view.open_button.clicked.connect(self.show_in_window)
        # The case view's parts, by the names the dialog always had.
        view = self.case_view
        self.board, self.image_spin, self.channel_spin = view.board, view.image_spin, \
            view.channel_spin
        self.value_label, self.open_button = view.value_label, view.open_button
        self.inspector_panel = view.inspector_panel
        middle = QSplitter(Qt.Horizontal)
        middle.addWidget(self.details)
        middle.addWidget(self.case_view)
        middle.setStretchFactor(0, 1)
        middle.setStretchFactor(1, 2)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(middle)
        split.addWidget(self.inspector_panel)
        split.setSizes([330, 330, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    # -- running ---------------------------------------------------------------------------

    def choose_folder(self):
        """Ask for the student's folder and check it."""
        folder = dialogs.ask_folder(self, "Folder with your files 0-… to 6-pool.py")
        if folder:
            self.start(folder)

    def start(self, folder):
        """Check ``folder`` in the background; False when it cannot start."""
        if folder is None or self.is_running():
            return False
        if not Path(folder).is_dir():
            dialogs.show_error(self, "Cannot check this folder",
                               f"{folder} is not a folder. The previous results stay shown.")
            return False
        self.folder = str(folder)
        self.folder_label.setText(f"<b>Folder:</b> {html(self.folder)}")
        job = check_job(self.folder, self._chosen_cases(), self.timeout)
        self.worker = Worker(job, parent=self)
        job.cancel_check = self.worker.is_cancelled
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self._set_busy(True)
        self.status.setText("Running your files in a separate Python process…")
        self.worker.start()
        return True

    def refresh_sources(self):
        """Offer the window's open dataset as the cases' images (beside the bundled samples)."""
        dataset = getattr(getattr(self.parent(), "state", None), "dataset", None)
        wanted = self.source_combo.currentData()
        while self.source_combo.count() > 1:
            self.source_combo.removeItem(1)
        if dataset is not None and not dataset.name.startswith("Homework:"):
            self.source_combo.addItem(f"Open dataset: {dataset.name}", "dataset")
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(wanted), 0))

    def _chosen_cases(self):
        if self.cases is not None:
            return self.cases
        if self.source_combo.currentData() == "dataset":
            dataset = self.parent().state.dataset
            return lambda: dataset_cases(dataset)
        return None

    def is_running(self):
        return self.worker is not None and self.worker.is_running()

    def cancel(self):
        """Stop the running check; the results shown before stay."""
        if self.worker is not None:
            self.worker.cancel()

    def _set_busy(self, busy):
        self.cancel_button.setEnabled(busy)
        self.choose_button.setEnabled(not busy)
        self.source_combo.setEnabled(not busy)
        self.again_button.setEnabled(not busy and self.folder is not None)

    def _on_progress(self, done, total):
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _on_finished(self, report):
        self.worker.wait()
        self._set_busy(False)
        if report is None:  # stopped between two cases
            self._on_cancelled()
            return
        self.show_report(report)
        self.jobEnded.emit("finished")

    def _on_failed(self, message):
        self.worker.wait()
        self._set_busy(False)
        self.status.setText(f"The check failed: {message}")
        dialogs.show_error(self, "Checking failed", message)
        self.jobEnded.emit("failed")

    def _on_cancelled(self):
        self.worker.wait()
        self._set_busy(False)
        self.status.setText("Cancelled." + (" The previous results stay shown."
                                            if self.report is not None else ""))
        self.jobEnded.emit("cancelled")

    # -- results ---------------------------------------------------------------------------

    def show_report(self, report):
        """Fill the table with ``report`` (a :class:`core.homework.Report`)."""
        self.report = report
        counts = report.counts()
        summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        self.status.setText(f"{summary} — checked in {report.seconds:.1f} s. Select a case to "
                            f"see your output, the reference and their difference.")
        self._rows = []
        self.table.setRowCount(0)
        bold = QFont()
        bold.setBold(True)
        for task in report.tasks:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self._rows.append(("task", task))
            text = task_heading(task)
            item = QTableWidgetItem(text)
            item.setFont(bold)
            item.setBackground(QBrush(QColor(VERDICT_COLOURS[task.verdict])))
            item.setForeground(QBrush(QColor("#000000")))
            self.table.setItem(row, 0, item)
            self.table.setSpan(row, 0, 1, len(COLUMNS))
            for case in task.cases:
                self._add_case_row(task, case)
        for row, (kind, _) in enumerate(self._rows):
            if kind == "case":
                self.table.selectRow(row)
                break

    def _add_case_row(self, task, case):
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._rows.append(("case", case))
        cells = case_cells(task, case)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(case.case.call if col < len(cells) - 1 else case.summary)
            if col == 2:
                item.setBackground(QBrush(QColor(VERDICT_COLOURS[case.verdict])))
                item.setForeground(QBrush(QColor("#000000")))
                item.setTextAlignment(Qt.AlignCenter)
            self.table.setItem(row, col, item)

    def case_rows(self):
        """``[(row, CaseReport)]`` of the table (tests and scripts)."""
        return [(row, value) for row, (kind, value) in enumerate(self._rows) if kind == "case"]

    def _on_selection(self):
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        kind, value = self._rows[rows[0].row()]
        if kind == "task":
            self.case_view.show_case(None)
            self.open_button.setEnabled(False)
            self.details.setHtml(task_html(value))
            return
        self.details.setHtml(case_html(value))
        self.open_button.setEnabled(self._window_settings(value) is not None)
        self.case_view.show_case(value)

    @property
    def selected_case(self):
        """The CaseReport of the selected row, or None when a task row (or nothing) is."""
        return self.case_view.case

    def inspect(self, row, col):
        """Show the reference computation of output pixel (row, col) next to the student's."""
        return self.case_view.inspect(row, col)

    @staticmethod
    def _window_settings(case):
        """``(padding, flip)`` for the main window: the student's convention, else the
        reference's; None for pooling cases."""
        if case.convention is not None:
            found = convolution_settings(case.case, case.convention)
            if found is not None:
                return found
        return convolution_settings(case.case)

    def show_in_window(self):
        """Open the selected case in the main window: its images, kernel, stride and padding."""
        window, case = self.parent(), self.selected_case
        settings = None if case is None else self._window_settings(case)
        if settings is None or not hasattr(window, "set_dataset"):
            return False
        padding, flip = settings
        c = case.case
        window.set_dataset(Dataset(np.asarray(c.images), name=f"Homework: {c.images_label}"))
        state = window.state
        state.index = self.image_spin.value()
        state.kernels = c.kernel
        state.stride = c.stride
        state.dilation = (1, 1)
        state.flip = flip
        state.padding = padding
        state.pool_mode = "off"
        state.activation = "none"
        if c.task == 5:
            state.active_kernel = self.channel_spin.value()
        window.raise_()
        window.activateWindow()
        return True

    def closeEvent(self, event):
        self.cancel()
        if self.worker is not None:
            self.worker.wait(10_000)
        super().closeEvent(event)


def open_homework_dialog(window):
    """Show the window's Check-my-solution dialog (made on first use) and ask for a folder."""
    dialog = getattr(window, "homework_dialog", None)
    if dialog is None:
        dialog = HomeworkDialog(window)
        window.homework_dialog = dialog
    dialog.refresh_sources()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    if dialog.report is None and not dialog.is_running():
        dialog.choose_folder()
    return dialog


def homework_action(window):
    """The "Check my solution…" action (Ctrl+Shift+H) opening ``window``'s dialog; also kept
    as ``window.homework_action``. The window places it in its File menu."""
    action = window_action(window, "Check my &solution…", lambda: open_homework_dialog(window),
                           "Ctrl+Shift+H", "Run your own files 0-convolve_grayscale_valid.py … "
                           "6-pool.py against the reference and see every difference")
    window.homework_action = action
    return action
