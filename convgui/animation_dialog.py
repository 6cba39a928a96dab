"""File ▸ Export ▸ Animation…: the step-through of the current settings as a GIF, APNG or frames.

The dialog takes a snapshot of what the window shows (image, settings, kernel, colours) when it
opens, offers the options of ``main.py animate`` (format, frame size, crop, every k-th step,
frames per second, loops, how long the last frame stays) with the frame count and an estimate
of the file size, and writes the file on a :class:`convgui.workers.Worker`: a progress bar,
Cancel, and the window stays usable. Cancel or a failure leaves nothing behind; an existing file
is replaced only after asking.
"""

import time
from dataclasses import dataclass

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout,
                             QHBoxLayout, QLabel, QProgressBar, QPushButton,
                             QVBoxLayout, QWidget)

from core.animation_files import (FORMAT_LABELS, MAX_FPS, estimate_bytes, existing_frames,
                                  iter_write_animation)
from core.frames import Animation

from . import dialogs
from .batch_text import size_text
from .frame_painter import SIZES, RenderedFrames
from .widgets import spin_box
from .workers import Worker

__all__ = ["AnimationSource", "AnimationDialog"]

_SUFFIX = {"gif": ".gif", "apng": ".png"}
_FILTERS = {"gif": "Animated GIF (*.gif)", "apng": "Animated PNG (*.png)"}


@dataclass(frozen=True)
class AnimationSource:
    """What the window shows when the dialog opens: the animation is made of this."""

    image: object
    spec: object
    kernel_index: int = 0
    colormap: str = "auto"
    mapping: str = "auto"
    value_range: tuple = None
    kernel_name: str = ""
    centre: tuple = None
    name: str = "step-through"


class AnimationDialog(QDialog):
    """Options, estimate, progress and Cancel for exporting one step-through animation.

    Signals
    -------
    jobEnded(str)
        ``"finished"``, ``"cancelled"`` or ``"failed"`` after each export.
    """

    jobEnded = pyqtSignal(str)

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.setMinimumWidth(460)
        self.source = source
        self.worker = None
        self.written = None
        self._animation = None
        self._build()
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(250)
        self._estimate_timer.timeout.connect(self.update_estimate)
        for signal in (self.format_combo.currentIndexChanged, self.size_combo.currentIndexChanged,
                       self.width_spin.valueChanged, self.height_spin.valueChanged,
                       self.crop_check.toggled, self.crop_spin.valueChanged,
                       self.every_spin.valueChanged, self.fps_spin.valueChanged):
            signal.connect(self._options_changed)
        self._options_changed()
        self.update_estimate()

    # -- building ------------------------------------------------------------------------------

    def _build(self):
        self.format_combo = QComboBox()
        for key, label in FORMAT_LABELS.items():
            self.format_combo.addItem(label, key)
        self.format_combo.setToolTip("GIF plays everywhere (256 colours); animated PNG keeps every "
                                     "colour; a folder of numbered PNGs goes into any video or "
                                     "slide tool")
        self.size_combo = QComboBox()
        for w, h in SIZES:
            self.size_combo.addItem(f"{w} × {h}", (w, h))
        self.size_combo.addItem("Custom…", None)
        self.size_combo.setToolTip("Frame size in pixels (1280 × 720 for slides, 1920 × 1080 "
                                   "for full HD)")
        self.width_spin = spin_box(320, 7680, value=1280, suffix=" px")
        self.height_spin = spin_box(180, 4320, value=720, suffix=" px")
        custom = QWidget()
        custom_row = QHBoxLayout(custom)
        custom_row.setContentsMargins(0, 0, 0, 0)
        custom_row.addWidget(self.width_spin)
        custom_row.addWidget(QLabel("×"))
        custom_row.addWidget(self.height_spin)
        self.crop_check = QCheckBox("Crop to")
        self.crop_check.setChecked(True)
        self.crop_check.setToolTip("Animate an n × n piece around the inspected pixel (or the "
                                   "centre), so every number is readable; untick for the whole "
                                   "image")
        self.crop_spin = spin_box(2, 64, value=8, suffix=" pixels square")
        crop = QWidget()
        crop_row = QHBoxLayout(crop)
        crop_row.setContentsMargins(0, 0, 0, 0)
        crop_row.addWidget(self.crop_check)
        crop_row.addWidget(self.crop_spin, 1)
        self.every_spin = spin_box(1, 10000, "Show only every k-th step of large images (the "
                                   "last step is always shown)", prefix="every ",
                                   suffix=" step(s)")
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setRange(0.5, MAX_FPS)
        self.fps_spin.setDecimals(1)
        self.fps_spin.setValue(4)
        self.fps_spin.setSuffix(" frames/s")
        self.loop_spin = spin_box(0, 1000, "How often the animation plays", suffix=" time(s)",
                                  special="forever")
        self.hold_spin = QDoubleSpinBox()
        self.hold_spin.setRange(0, 60)
        self.hold_spin.setValue(1.5)
        self.hold_spin.setSuffix(" s")
        self.hold_spin.setToolTip("How long the last frame (the finished output) stays")
        form = QFormLayout()
        form.addRow("&Format:", self.format_combo)
        form.addRow("Frame &size:", self.size_combo)
        form.addRow("", custom)
        form.addRow("&Image:", crop)
        form.addRow("S&teps:", self.every_spin)
        form.addRow("S&peed:", self.fps_spin)
        form.addRow("&Plays:", self.loop_spin)
        form.addRow("&Last frame stays:", self.hold_spin)
        self.custom_row = custom
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("&Export…")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop writing; nothing is left behind (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # -- options -------------------------------------------------------------------------------

    @property
    def fmt(self):
        return self.format_combo.currentData()

    def frame_size(self):
        size = self.size_combo.currentData()
        return size if size is not None else (self.width_spin.value(), self.height_spin.value())

    def animation(self):
        """The :class:`core.frames.Animation` the current options describe."""
        s = self.source
        return Animation(s.image, s.spec, s.kernel_index,
                         crop=self.crop_spin.value() if self.crop_check.isChecked() else None,
                         centre=s.centre, every=self.every_spin.value(), colormap=s.colormap,
                         mapping=s.mapping, value_range=s.value_range, kernel_name=s.kernel_name)

    def _options_changed(self):
        custom = self.size_combo.currentData() is None
        self.custom_row.setEnabled(custom)
        self.crop_spin.setEnabled(self.crop_check.isChecked())
        self._animation = None
        self._estimate_timer.start()

    def update_estimate(self):
        """Show the frame count, the length and the estimated file size for the options."""
        self._estimate_timer.stop()
        try:
            animation = self._animation = self.animation()
        except ValueError as exc:
            self.estimate.setText(f"<span style='color:#c00'>These settings cannot be animated: "
                                  f"{exc}</span>")
            self.export_button.setEnabled(False)
            return
        frames = RenderedFrames(animation, self.frame_size())
        count = len(frames)
        seconds = count / self.fps_spin.value()
        size = estimate_bytes(frames, self.fmt)
        self.estimate.setText(f"<b>{count} frames</b>, {seconds:.0f} s at this speed; about "
                              f"<b>{size_text(size)}</b>")
        self.export_button.setEnabled(self.worker is None or not self.worker.is_running())

    # -- export --------------------------------------------------------------------------------

    def _ask_target(self):
        """The path to write, asking before replacing anything; None when the user backs out."""
        fmt = self.fmt
        if fmt in _SUFFIX:
            path = dialogs.ask_save_target(self, "Save the animation", _FILTERS[fmt],
                                           f"{self.source.name}{_SUFFIX[fmt]}", _SUFFIX[fmt])
            return None if path is None else (path, True)
        folder = dialogs.ask_folder(self, "Folder for the frames")
        if folder is None:
            return None
        old = existing_frames(folder)
        if old and not dialogs.ask_yes_no(self, "Replace the frames?",
                                          f"{folder} already holds {len(old)} frame files "
                                          f"({old[0]} …). Replace them?"):
            return None
        return folder, bool(old)

    def start_export(self):
        """Ask for the target and write the animation on a worker. Returns True if started."""
        if self.worker is not None and self.worker.is_running():
            return False
        try:
            animation = self._animation or self.animation()
        except ValueError as exc:
            dialogs.show_error(self, "Cannot export", str(exc))
            return False
        target = self._ask_target()
        if target is None:
            return False
        path, overwrite = target
        frames = RenderedFrames(animation, self.frame_size())
        fmt, fps = self.fmt, self.fps_spin.value()
        plays, hold = self.loop_spin.value(), self.hold_spin.value()

        def job():
            yield from iter_write_animation(path, frames, fmt=fmt, fps=fps, plays=plays,
                                            hold=hold, overwrite=overwrite)
            return path

        self._started = time.perf_counter()
        self.progress_bar.setRange(0, len(frames))
        self.progress_bar.setValue(0)
        self.status.setText(f"Writing {len(frames)} frames…")
        self.worker = Worker(job, parent=self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self._set_busy(True)
        self.worker.start()
        return True

    def cancel(self):
        """Stop the running export; the partial file is removed."""
        if self.worker is not None and self.worker.is_running():
            self.status.setText("Cancelling…")
            self.worker.cancel()

    def _on_progress(self, done, total):
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        elapsed = time.perf_counter() - self._started
        if 0 < done < total and elapsed > 0.5:
            self.status.setText(f"Writing frame {done} of {total}, about "
                                f"{elapsed * (total - done) / done:.0f} s left")

    def _on_finished(self, path):
        self.worker.wait()
        self.written = path
        seconds = time.perf_counter() - self._started
        self.status.setText(f"Saved {path} in {seconds:.1f} s.")
        self._set_busy(False)
        self.jobEnded.emit("finished")

    def _on_failed(self, message):
        self.worker.wait()
        self._set_busy(False)
        self.status.setText(f"Failed: {message}. Nothing was written.")
        dialogs.show_error(self, "Export failed", f"{message}\n\nNothing was written.")
        self.jobEnded.emit("failed")

    def _on_cancelled(self):
        self.worker.wait()
        self._set_busy(False)
        self.progress_bar.setValue(0)
        self.status.setText("Cancelled. Nothing was written.")
        self.jobEnded.emit("cancelled")

    def _set_busy(self, busy):
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)
        for widget in (self.format_combo, self.size_combo, self.custom_row, self.crop_check,
                       self.crop_spin, self.every_spin, self.fps_spin, self.loop_spin,
                       self.hold_spin):
            widget.setEnabled(not busy)
        if not busy:
            self._options_changed()

    def keyPressEvent(self, event):
        if event.key() == Qt.Key_Escape and self.worker is not None and self.worker.is_running():
            self.cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event):
        if self.worker is not None and self.worker.is_running():
            self.cancel()
            self.worker.wait()
        super().closeEvent(event)
