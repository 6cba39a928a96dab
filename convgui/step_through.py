"""Step-through: the kernel slides across the padded input, one stride at a time.

While step-through is on, the selected kernel's feature map shows only the outputs computed so
far (the rest is covered, so a step costs the same on any map size), the input view highlights
the kernel's current window, and the inspector spells out the current products and sum.
Play/pause, single steps, a scrub slider and a speed control drive it; Space, ← and → too.
"""

import numpy as np
from PyQt5.QtCore import QObject, QSignalBlocker, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QSpinBox,
                             QStyle, QWidget)

from .widgets import icon_button

__all__ = ["StepThrough", "StepControls", "WATCHABLE_STEPS"]

#: More steps than this and step-through suggests the 8×8 crop.
WATCHABLE_STEPS = 1000


class StepThrough(QObject):
    """The position of the sliding kernel, in raster order over the output map.

    Signals
    -------
    positionChanged(int, int)
        ``(position, count)`` after every step or scrub.
    activeChanged(bool)
        Step-through was switched on or off (off: the owner redraws the full maps).
    playingChanged(bool)
    """

    positionChanged = pyqtSignal(int, int)
    activeChanged = pyqtSignal(bool)
    playingChanged = pyqtSignal(bool)

    def __init__(self, state, computation, canvas, inspector, parent=None):
        super().__init__(parent)
        self.state, self.computation = state, computation
        self.canvas, self.inspector = canvas, inspector
        self.active = False
        self.position = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_tick)
        self.set_speed(4)

    # -- geometry --------------------------------------------------------------------------

    @property
    def kernel(self):
        view = self.computation.latest
        count = 1 if view is None else view.spec.kernels.shape[3]
        return min(self.state.active_kernel, count - 1)

    def output_hw(self):
        view = self.computation.latest
        return (0, 0) if view is None else tuple(view.result.conv.shape[1:3])

    def count(self):
        oh, ow = self.output_hw()
        return oh * ow

    def row_col(self, position=None):
        """Output ``(row, col)`` of ``position`` (default: the current one)."""
        oh, ow = self.output_hw()
        position = self.position if position is None else position
        return divmod(position, max(ow, 1))

    # -- control ---------------------------------------------------------------------------

    def set_active(self, on):
        on = bool(on)
        if on == self.active:
            return
        self.active = on
        if not on:
            self.pause()
            self.inspector.clear()
            for plot in self.canvas.conv:
                plot.cover_after(None, None, (0, 0))
        self.activeChanged.emit(on)
        if on:
            self.seek(0)

    def set_speed(self, steps_per_second):
        self.speed = max(1, int(steps_per_second))
        self.timer.setInterval(int(1000 / self.speed))

    def play(self):
        if not self.active:
            self.set_active(True)
        if self.position >= self.count() - 1:
            self.seek(0)
        self.timer.start()
        self.playingChanged.emit(True)

    def pause(self):
        if self.timer.isActive():
            self.timer.stop()
            self.playingChanged.emit(False)

    def toggle_play(self):
        if self.timer.isActive():
            self.pause()
        else:
            self.play()

    def step(self, delta):
        if not self.active:
            self.set_active(True)
            return
        self.seek(self.position + delta)

    def seek(self, position):
        """Move the kernel to output number ``position`` (raster order), clamped to the map."""
        count = self.count()
        if count == 0:
            return
        self.position = int(np.clip(position, 0, count - 1))
        self.apply()
        self.positionChanged.emit(self.position, count)

    def _on_tick(self):
        if self.position >= self.count() - 1:
            self.pause()
            return
        self.seek(self.position + 1)

    # -- drawing ---------------------------------------------------------------------------

    def apply(self):
        """Draw the partial output up to the current position and inspect the current pixel."""
        view = self.computation.latest
        if not self.active or view is None:
            return
        count = self.count()
        if self.position >= count:
            self.position = count - 1
        k = self.kernel
        plot = self.canvas.conv[k]
        shape = view.result.activated.shape[1:3]
        row, col = self.row_col()
        # The full map stays drawn; the outputs after the current one are covered (a frame
        # moves two rectangles instead of re-rendering the map).
        for other in self.canvas.conv:
            other.cover_after(None, None, shape)
        plot.cover_after(row, col, shape)
        self.inspector.pinned = True
        self.inspector.inspect("conv", k, row, col)
        # Frame the whole map so its empty (not yet computed) part stays visible.
        plot.mark_cells([(row, col)], outline=(0, 0) + tuple(shape))


class StepControls(QWidget):
    """Buttons, scrub slider and speed for a :class:`StepThrough`."""

    def __init__(self, stepper, parent=None):
        super().__init__(parent)
        self.stepper = stepper
        self.enable_check = QCheckBox("Step-through")
        self.enable_check.setToolTip("Slide the kernel across the input one step at a time; "
                                     "the output fills in as it goes (Space plays, ←/→ step)")
        # Standard icons, drawn by the style: no font needs the ⏸ glyph.
        self.first_button = icon_button(QStyle.SP_MediaSkipBackward, "First",
                                        "Back to the first position", lambda: stepper.seek(0))
        self.prev_button = icon_button(QStyle.SP_MediaSeekBackward, "Back", "One step back (←)",
                                       lambda: stepper.step(-1))
        self.play_button = icon_button(QStyle.SP_MediaPlay, "Play", "Play / pause (Space)",
                                       stepper.toggle_play)
        self.next_button = icon_button(QStyle.SP_MediaSeekForward, "Forward",
                                       "One step forward (→)", lambda: stepper.step(1))
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setMinimumWidth(40)
        self.slider.setToolTip("Scrub through the kernel's positions")
        self.slider.valueChanged.connect(stepper.seek)
        self.speed = QSpinBox()
        self.speed.setRange(1, 60)
        self.speed.setValue(stepper.speed)
        self.speed.setSuffix(" /s")
        self.speed.setToolTip("Playing speed: steps per second")
        self.speed.valueChanged.connect(stepper.set_speed)
        self.crop_check = QCheckBox("8×8 crop")
        self.crop_check.setToolTip("Work on an 8×8 piece of the image around the kernel (or the "
                                   "centre), so every number is readable; untick to go back")
        self.where = QLabel("")
        # Never wider than the room left: a minimum of 0 would mean "the text's width" to Qt,
        # and a long counter widened the whole window past the screen.
        self.where.setMinimumWidth(1)
        self.where.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.enable_check)
        layout.addWidget(self.crop_check)
        for widget in (self.first_button, self.prev_button, self.play_button,
                       self.next_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.where)
        layout.addWidget(self.speed)
        self.enable_check.toggled.connect(stepper.set_active)
        stepper.activeChanged.connect(self._on_active)
        stepper.positionChanged.connect(self._on_position)
        stepper.playingChanged.connect(self._on_playing)
        self._on_active(False)

    def _on_playing(self, playing):
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(self.style().standardIcon(
            QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))

    def _on_active(self, on):
        with QSignalBlocker(self.enable_check):
            self.enable_check.setChecked(on)
        for widget in (self.first_button, self.prev_button, self.next_button, self.slider):
            widget.setEnabled(on)
        if not on:
            self.where.setText("")

    def _on_position(self, position, count):
        if not self.stepper.active:  # a seek while off: no counter of a walk nobody sees
            self.where.setText("")
            return
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, count - 1)
            self.slider.setValue(position)
        row, col = self.stepper.row_col(position)
        text = f"step {position + 1:,} / {count:,} — output [{row}, {col}]"
        if count > WATCHABLE_STEPS and not self.crop_check.isChecked():
            # Nobody watches a photo's 238,004 steps: point at the readable crop.
            text += " · tick “8×8 crop” to follow each step"
        self.where.setText(text)
        self.where.setToolTip(text)
