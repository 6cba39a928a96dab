"""File ▸ Check my solution…: run a student's seven files against the reference, in the window.

The check (:func:`core.homework.iter_check_folder`) runs on a :class:`convgui.workers.Worker`
with a progress bar and Cancel, so the window stays responsive while the student's code runs in
its child processes. The results table lists every case of every task with a coloured verdict;
selecting a case shows the student's output, the reference and their difference on one board
(same pixel grid, zoomed together; output and reference on the same value scale), and hovering a
pixel shows the reference computation in an inspector next to the student's value.
"""

from pathlib import Path

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QFont, QKeySequence
from PyQt5.QtWidgets import (QAbstractItemView, QAction, QComboBox, QDialog, QHBoxLayout, QHeaderView,
                             QLabel, QProgressBar, QPushButton, QSpinBox, QSplitter,
                             QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from core.explain import explain_conv_pixel, explain_pool_pixel
from core.datasets import Dataset, to_grayscale
from core.homework import Cancelled, build_cases, iter_check_folder
from core.homework.conventions import convolution_settings

from . import dialogs, display
from .inspector import InspectorPanel
from .map_board import MapBoard, Tile, shape_text
from .workers import Worker

__all__ = ["HomeworkDialog", "homework_action", "open_homework_dialog", "VERDICT_COLOURS",
           "check_job"]

#: Background colour of each verdict in the table.
VERDICT_COLOURS = {
    "pass": "#c8e6c9",
    "convention": "#fff3b0",
    "fail": "#ffcdd2",
    "timeout": "#ffe0b2",
    "error": "#f8bbd0",
    "missing": "#e0e0e0",
}

_COLUMNS = ("Task", "Case", "Verdict", "Expected", "Got", "Max |diff|", "You / reference",
            "What")


#: The open dataset is checked on at most this many images of at most this size.
DATASET_LIMIT = (1000, 128)


def dataset_cases(dataset):
    """The standard cases on the open dataset (its first 1000 images, cropped to 128×128).

    Grayscale datasets replace the digits (colour cases stay on the bundled photos); colour
    datasets replace the photos, and their grayscale version the digits.
    """
    count, size = DATASET_LIMIT
    images = np.asarray(dataset.images[:count, :size, :size])
    name = dataset.key or "images"
    if images.shape[:3] != dataset.images.shape[:3]:
        name += f"[:{images.shape[0]}, :{images.shape[1]}, :{images.shape[2]}]"
    if images.ndim == 3:
        return build_cases(gray=images, gray_name=name)
    return build_cases(gray=to_grayscale(images), color=images, gray_name=f"gray({name})",
                       color_name=name)


def check_job(folder, cases=None, timeout=None):
    """A :class:`~convgui.workers.Worker` job checking ``folder``; returns the Report.

    ``cases`` is a dict of cases, a callable making them (run in the job, off the GUI thread)
    or None for the bundled samples. It yields ``(cases done, cases in all)`` after each case.
    The returned job has a ``cancel_check`` attribute: the worker's ``is_cancelled``, polled
    while the student's code runs, so Cancel does not wait for a slow case to end.
    """
    options = {} if timeout is None else {"timeout": timeout}

    def job():
        chosen = build_cases() if cases is None else cases() if callable(cases) else cases
        total = sum(len(v) for v in chosen.values())
        steps = iter_check_folder(folder, cases=chosen, cancelled=job.cancel_check, **options)
        done = 0
        try:
            yield done, total
            while True:
                try:
                    next(steps)
                except StopIteration as stop:
                    return stop.value
                except Cancelled:
                    yield done, total  # the worker sees its cancel flag here and stops
                    return None
                done += 1
                yield done, total
        finally:
            steps.close()  # ends the student's process at once when stopped between cases

    job.cancel_check = lambda: False
    return job


def _number(value):
    return "—" if value is None else f"{value:.3g}"


def _ms(seconds):
    if seconds is None:
        return "—"
    ms = seconds * 1000
    return f"{ms:.0f}" if ms >= 10 else f"{ms:.2g}"


def _html(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


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
        self._selected = None
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

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Fixed)   # task headers span every column
        self.table.setColumnWidth(0, 44)
        for col in range(1, len(_COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(len(_COLUMNS) - 1, QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.itemSelectionChanged.connect(self._on_selection)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setMinimumWidth(300)
        self.board = MapBoard()
        self.board.setMinimumHeight(220)
        self.board.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.image_spin = QSpinBox()
        self.image_spin.setToolTip("Which image of the batch to show")
        self.image_spin.valueChanged.connect(lambda _: self._show_maps())
        self.channel_spin = QSpinBox()
        self.channel_spin.setToolTip("Which output channel (kernel or colour channel) to show")
        self.channel_spin.valueChanged.connect(lambda _: self._show_maps())
        self.value_label = QLabel("Hover a pixel of the maps to compare your value with the "
                                  "reference computation.")
        self.value_label.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Image"))
        controls.addWidget(self.image_spin)
        controls.addWidget(QLabel("Channel"))
        controls.addWidget(self.channel_spin)
        controls.addWidget(self.value_label, 1)
        self.open_button = QPushButton("Show in the &window")
        self.open_button.setToolTip(
            "Open this case's images and kernel in the main window with the padding your output "
            "follows (or the reference's), to explore it with every tool of the app")
        self.open_button.clicked.connect(self.show_in_window)
        self.open_button.setEnabled(False)
        controls.addWidget(self.open_button)
        maps = QWidget()
        maps_layout = QVBoxLayout(maps)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addWidget(self.board, 1)
        maps_layout.addLayout(controls)
        middle = QSplitter(Qt.Horizontal)
        middle.addWidget(self.details)
        middle.addWidget(maps)
        middle.setStretchFactor(0, 1)
        middle.setStretchFactor(1, 2)
        self.inspector_panel = InspectorPanel()
        self.inspector_panel.clear("Hover a pixel of the maps: the reference computation of "
                                   "that pixel is spelled out here.")
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
        self.folder_label.setText(f"<b>Folder:</b> {_html(self.folder)}")
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
            loops = (f"loops {task.rules.loop_count}/{task.task.max_loops}" if task.present
                     else "file not found")
            problems = "; ".join(task.rules.problems()) if task.present else ""
            text = f"Task {task.task.number} — {task.task.file} — {task.verdict.upper()} — {loops}"
            if problems:
                text += f" — ⚠ {problems}"
            item = QTableWidgetItem(text)
            item.setFont(bold)
            item.setBackground(QBrush(QColor(VERDICT_COLOURS[task.verdict])))
            item.setForeground(QBrush(QColor("#000000")))
            self.table.setItem(row, 0, item)
            self.table.setSpan(row, 0, 1, len(_COLUMNS))
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
        cells = (str(task.task.number), case.case.label, case.verdict,
                 shape_text(np.empty(case.expected_shape)) if case.expected_shape else "—",
                 shape_text(np.empty(case.shape)) if case.shape else "—",
                 _number(case.max_abs_diff),
                 f"{_ms(case.seconds)} / {_ms(case.reference_seconds)} ms",
                 case.summary)
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
            self._selected = None
            self.open_button.setEnabled(False)
            self._show_task(value)
            return
        self._selected = value
        self._show_case(value)
        count = value.case.images.shape[0]
        with_channels = value.expected is not None and value.expected.ndim == 4
        for spin, top in ((self.image_spin, count - 1),
                          (self.channel_spin, value.expected.shape[3] - 1 if with_channels
                           else 0)):
            spin.blockSignals(True)
            spin.setRange(0, max(top, 0))
            spin.setValue(min(spin.value(), max(top, 0)))
            spin.blockSignals(False)
        self.channel_spin.setEnabled(with_channels)
        self.open_button.setEnabled(self._window_settings(value) is not None)
        self._show_maps()

    def _show_task(self, task):
        lines = [f"<h3>Task {task.task.number}: {task.task.title}</h3>",
                 f"<p><code>{task.task.file}</code> — <code>{task.task.function}()</code></p>"]
        if not task.present:
            lines.append("<p>The file is missing from the folder.</p>")
        else:
            lines.append(f"<p>Loops: {task.rules.loop_count} (the assignment allows "
                         f"{task.task.max_loops}).</p>")
            for problem in task.rules.problems():
                lines.append(f"<p>⚠ {_html(problem)}</p>")
        self.details.setHtml("".join(lines))

    def _show_case(self, case):
        c = case.case
        lines = [f"<h3>{_html(c.label)} — <span style='background:"
                 f"{VERDICT_COLOURS[case.verdict]}'>&nbsp;{case.verdict}&nbsp;</span></h3>",
                 f"<p><code>{_html(c.call)}</code></p>",
                 f"<p>Expected {case.expected_shape}, got {case.shape}"
                 f"{'' if case.dtype is None else ' ' + case.dtype}; largest difference "
                 f"{_number(case.max_abs_diff)}.</p>"]
        if case.verdict == "convention":
            lines.append(f"<p><b>Convention:</b> {_html(case.convention_label)}"
                         + (f" (equally: {_html(', '.join(case.also))})" if case.also else "")
                         + f"</p><p><b>The assignment:</b> {_html(case.convention_note)}</p>")
        elif case.verdict == "fail":
            lines.append(f"<p><b>Likely cause:</b> {_html(case.summary)}</p>")
        elif case.verdict != "pass":
            lines.append(f"<p><b>{case.verdict}:</b> {_html(case.error)}</p>")
        if case.first_diff is not None:
            index, want, got = case.first_diff
            lines.append(f"<p>First differing pixel {index}: expected {want:.6g}, "
                         f"got {got:.6g}.</p>")
        if case.traceback:
            lines.append("<pre>" + _html("\n".join(case.traceback)) + "</pre>")
        self.details.setHtml("".join(lines))

    # -- maps ------------------------------------------------------------------------------

    def _slices(self, case):
        """The selected image/channel of the student's output and of the reference (2-D)."""
        i, ch = self.image_spin.value(), self.channel_spin.value()

        def pick(values):
            if values is None or values.ndim < 3 or i >= values.shape[0]:
                return None
            plane = values[i]
            if plane.ndim == 3:
                plane = plane[:, :, min(ch, plane.shape[2] - 1)]
            return np.asarray(plane, dtype=np.float64) if plane.ndim == 2 else None

        return pick(case.output), pick(case.expected)

    def _show_maps(self):
        case = self._selected
        if case is None:
            return
        mine, ref = self._slices(case)
        empty = np.zeros((1, 1))
        if mine is None:
            diff, diff_caption = empty, "no output to compare"
        else:
            h, w = min(mine.shape[0], ref.shape[0]), min(mine.shape[1], ref.shape[1])
            diff = mine[:h, :w] - ref[:h, :w]
            diff_caption = shape_text(diff) + (" (the overlapping part)"
                                               if mine.shape != ref.shape else "")
        tiles = [Tile("Your output", empty if mine is None else mine,
                      "—" if mine is None else shape_text(mine)),
                 Tile("Reference", ref, shape_text(ref)),
                 Tile("Difference (yours − reference)", diff, diff_caption)]
        self.board.show_rows([tiles], "minmax", "gray", (0.0, 1.0))
        plots = [self.board.plots[0][c][0] for c in range(3)]
        both = ref if mine is None else np.concatenate([mine.ravel(), ref.ravel()])
        finite = both[np.isfinite(both)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        for plot in plots[:2]:
            plot.image_item.setLevels((low, high if high > low else low + 1))
        reach = float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 0.0
        plots[2].image_item.setLookupTable(display.lookup_table("diverging"))
        plots[2].image_item.setLevels((-reach or -1.0, reach or 1.0))
        for plot in plots[1:]:
            plot.view_box.setXLink(plots[0].view_box)
            plot.view_box.setYLink(plots[0].view_box)

    def _on_mouse_moved(self, scene_pos):
        if self._selected is None or not self.board.plots:
            return
        for plot, _ in self.board.plots[0]:
            if plot.view_box.sceneBoundingRect().contains(scene_pos):
                point = plot.view_box.mapSceneToView(scene_pos)
                self.inspect(int(np.floor(point.y())), int(np.floor(point.x())))
                return

    def inspect(self, row, col):
        """Show the reference computation of output pixel (row, col) next to the student's."""
        case = self._selected
        mine, ref = self._slices(case)
        if ref is None or not (0 <= row < ref.shape[0] and 0 <= col < ref.shape[1]):
            return False
        c, i, ch = case.case, self.image_spin.value(), self.channel_spin.value()
        spec = c.spec()
        if c.task == 6:
            image = np.asarray(c.images[i], dtype=np.float64)[:, :, ch]
            pixel = explain_pool_pixel(image, spec, row, col)
            self.inspector_panel.show_pool(pixel, "Reference", "the input", None, False)
            reference = pixel.result
        else:
            pixel = explain_conv_pixel(c.images[i], spec, ch if c.task == 5 else 0, row, col)
            self.inspector_panel.show_conv(pixel, "Reference", None, "none", False)
            reference = pixel.total
        for plot, _ in self.board.plots[0]:
            plot.mark_cells([(row, col)])
        if mine is not None and row < mine.shape[0] and col < mine.shape[1]:
            yours = mine[row, col]
            self.value_label.setText(f"[{row}, {col}]: yours <b>{yours:.6g}</b>, reference "
                                     f"<b>{reference:.6g}</b>, difference {yours - reference:.3g}")
        else:
            self.value_label.setText(f"[{row}, {col}]: reference <b>{reference:.6g}</b>; your "
                                     f"output has no pixel there")
        return True

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
        window, case = self.parent(), self._selected
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
    action = QAction("Check my &solution…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+H"))
    tip = ("Run your own files 0-convolve_grayscale_valid.py … 6-pool.py against the reference "
           "and see every difference")
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda: open_homework_dialog(window))
    window.addAction(action)
    window.homework_action = action
    return action
