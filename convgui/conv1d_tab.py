"""The 1-D convolution lesson: slide the flipped kernel over the zero-padded signal, step by step.

:class:`Conv1DTab` is self-contained (it needs no :class:`~convgui.state.ExplorerState`), so the
window can put it in a tab or a dock. It shows, in large type for a projector:

* the zero-padded signal as a row of cells (the added zeros greyed),
* the flipped kernel under its current position, and the products below it,
* the output row filling in, one value per step, and the sum written out
  (``y[1] = 2·1 + 6·2 = 14``).

Keyboard (when the tab, not a text box, has the focus): Space plays/pauses, ← and → step,
Home and End jump to the first and last step. Typed sequences take effect on Enter or when the
box loses focus; text that is not a list of numbers is refused with a message and the picture
keeps the previous values.
"""

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import (QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QStyle,
                             QPushButton, QSlider, QToolButton, QVBoxLayout, QWidget)

from core.choices import CONV1D_MODE_CHOICES
from core.codegen import format_number
from core.conv1d import convolve1d_steps, parse_sequence

from .conv1d_strip import ConvolutionStrip, format_value, sum_text

__all__ = ["Conv1DTab", "ConvolutionStrip", "MAX_VALUES", "format_value", "sum_text"]

#: The longest signal or kernel the picture accepts (cells stay readable on a projector).
MAX_VALUES = 16


class Conv1DTab(QWidget):
    """The 1-D convolution lesson, with its own inputs, step controls and picture.

    Parameters
    ----------
    parent : QWidget, optional
    signal, kernel : sequence of numbers
        The starting values; by default the lesson's ``[1, 2, 5, 4]`` and ``[6, 2]``.
    mode : {'full', 'same', 'valid'}

    Signals
    -------
    stepChanged(int)
        The step shown changed (0 is the first output value).
    computationChanged(object)
        New signal, kernel or mode; carries the :class:`core.conv1d.Walkthrough`.
    playingChanged(bool)
        Playback started (True) or stopped (False).

    Examples
    --------
    >>> tab = Conv1DTab()  # doctest: +SKIP
    >>> tab.next_step(); tab.sum_label.text()  # doctest: +SKIP
    'y[1] = 2·1 + 6·2 = 14'
    """

    stepChanged = pyqtSignal(int)
    computationChanged = pyqtSignal(object)
    playingChanged = pyqtSignal(bool)

    def __init__(self, parent=None, *, signal=(1, 2, 5, 4), kernel=(6, 2), mode="full"):
        super().__init__(parent)
        self._walk = convolve1d_steps(signal, kernel, mode)
        self._signal, self._kernel, self._mode = tuple(signal), tuple(kernel), mode
        self._step = 0
        self._timer = QTimer(self)
        self._timer.setInterval(900)
        self._timer.timeout.connect(self._advance)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.setFont(font)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(720, 560)
        self._build()
        self._show_values()
        self._refresh()

    # -- construction --------------------------------------------------------------------------

    def _build(self):
        self.signal_edit = QLineEdit()
        self.kernel_edit = QLineEdit()
        for edit, what in ((self.signal_edit, "signal"), (self.kernel_edit, "kernel")):
            edit.setPlaceholderText("numbers, e.g. 1, 2, 5, 4")
            edit.setToolTip(f"The {what}: up to {MAX_VALUES} numbers separated by commas or "
                            "spaces. Press Enter to apply.")
            edit.editingFinished.connect(self._apply_inputs)
            edit.returnPressed.connect(self._on_return)
        self.mode_buttons = {}
        self._mode_group = QButtonGroup(self)
        modes = QHBoxLayout()
        modes.setSpacing(0)
        for mode, tip in CONV1D_MODE_CHOICES:
            button = QToolButton()
            button.setText(mode)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.NoFocus)
            button.setMinimumWidth(80)
            button.setToolTip(tip)
            self._mode_group.addButton(button)
            self.mode_buttons[mode] = button
            modes.addWidget(button)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
        modes.addStretch(1)
        for button in self.mode_buttons.values():
            button.setStyleSheet("QToolButton { padding: 4px 10px; }"
                                 "QToolButton:checked { background: #1565c0; color: white;"
                                 " font-weight: bold; }")
        self.flipped_label = QLabel()
        self.flipped_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QGridLayout()
        form.addWidget(QLabel("Signal x"), 0, 0)
        form.addWidget(self.signal_edit, 0, 1)
        form.addWidget(QLabel("Kernel h"), 0, 2)
        form.addWidget(self.kernel_edit, 0, 3)
        form.addWidget(QLabel("Mode"), 1, 0)
        form.addLayout(modes, 1, 1)
        form.addWidget(self.flipped_label, 1, 2, 1, 2)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)

        self.strip = ConvolutionStrip()
        self.sum_label = QLabel()
        sum_font = QFont(self.font())
        sum_font.setPointSizeF(self.font().pointSizeF() * 1.5)
        sum_font.setBold(True)
        self.sum_label.setFont(sum_font)
        self.sum_label.setAlignment(Qt.AlignCenter)
        self.sum_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.mode_label = QLabel()
        self.mode_label.setStyleSheet("color: #555555;")
        self.mode_label.setAlignment(Qt.AlignCenter)
        self.mode_label.setWordWrap(True)

        self.prev_button = QPushButton("◀ Previous")
        self.play_button = QPushButton("Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.next_button = QPushButton("Next ▶")
        for button, slot, tip in ((self.prev_button, self.previous_step, "Previous step (←)"),
                                  (self.play_button, self.toggle_play, "Play / pause (Space)"),
                                  (self.next_button, self.next_step, "Next step (→)")):
            button.setFocusPolicy(Qt.NoFocus)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            button.clicked.connect(lambda: self.setFocus())
        self.play_button.setMinimumWidth(120)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setFocusPolicy(Qt.NoFocus)
        self.slider.setMinimum(0)
        self.slider.valueChanged.connect(self.set_step)
        self.step_label = QLabel()
        self.step_label.setMinimumWidth(130)
        steps = QHBoxLayout()
        steps.addWidget(self.prev_button)
        steps.addWidget(self.play_button)
        steps.addWidget(self.next_button)
        steps.addWidget(self.slider, 1)
        steps.addWidget(self.step_label)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.strip, 1)
        layout.addWidget(self.sum_label)
        layout.addWidget(self.mode_label)
        layout.addLayout(steps)

    # -- public API ----------------------------------------------------------------------------

    def signal(self):
        """The signal shown, as a tuple of numbers."""
        return self._signal

    def kernel(self):
        """The kernel as typed (before flipping), as a tuple of numbers."""
        return self._kernel

    def mode(self):
        return self._mode

    def walkthrough(self):
        """The :class:`core.conv1d.Walkthrough` being shown."""
        return self._walk

    def step(self):
        return self._step

    def step_count(self):
        return len(self._walk)

    def set_values(self, signal=None, kernel=None, mode=None):
        """Show new values (None keeps the current one); raises ``ValueError`` for bad ones.

        The step goes back to the first one and playback stops.
        """
        signal = self._signal if signal is None else tuple(signal)
        kernel = self._kernel if kernel is None else tuple(kernel)
        mode = self._mode if mode is None else mode
        for values, name in ((signal, "signal"), (kernel, "kernel")):
            if len(values) > MAX_VALUES:
                raise ValueError(f"{name} has {len(values)} values; at most {MAX_VALUES} fit "
                                 "the picture")
        walk = convolve1d_steps(signal, kernel, mode)
        changed = (signal, kernel, mode) != (self._signal, self._kernel, self._mode)
        self._walk, self._signal, self._kernel, self._mode = walk, signal, kernel, mode
        self._show_values()
        if changed:
            self.pause()
            self._step = 0
            self._refresh()
            self.computationChanged.emit(walk)
            self.stepChanged.emit(0)

    def set_mode(self, mode):
        """Switch to ``'full'``, ``'same'`` or ``'valid'``; an impossible mode is refused with
        a message (e.g. 'valid' with a kernel longer than the signal)."""
        try:
            self.set_values(mode=mode)
        except ValueError as exc:
            self._show_error(str(exc))
            self._show_values()
            return
        self._show_error(None)

    def set_step(self, step):
        """Show step ``step`` (clamped to the valid range)."""
        step = max(0, min(int(step), len(self._walk) - 1))
        if step == self._step:
            return
        self._step = step
        self._refresh()
        self.stepChanged.emit(step)

    def next_step(self):
        self.set_step(self._step + 1)

    def previous_step(self):
        self.set_step(self._step - 1)

    def is_playing(self):
        return self._timer.isActive()

    def play(self):
        """Advance one step per :meth:`interval` milliseconds until the last step."""
        if self.is_playing():
            return
        if self._step >= len(self._walk) - 1:
            self.set_step(0)
        self._timer.start()
        self.play_button.setText("Pause")   # a drawn icon: fonts may lack the ⏸ glyph
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPause))
        self.playingChanged.emit(True)

    def pause(self):
        if not self.is_playing():
            return
        self._timer.stop()
        self.play_button.setText("Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.playingChanged.emit(False)

    def toggle_play(self):
        self.pause() if self.is_playing() else self.play()

    def interval(self):
        return self._timer.interval()

    def set_interval(self, milliseconds):
        """Time between steps while playing."""
        self._timer.setInterval(max(10, int(milliseconds)))

    # -- reactions -----------------------------------------------------------------------------

    def _advance(self):
        if self._step >= len(self._walk) - 1:
            self.pause()
            return
        self.next_step()
        if self._step >= len(self._walk) - 1:
            self.pause()

    def _apply_inputs(self):
        try:
            signal = parse_sequence(self.signal_edit.text(), "signal", max_values=MAX_VALUES)
            kernel = parse_sequence(self.kernel_edit.text(), "kernel", max_values=MAX_VALUES)
            self.set_values(signal, kernel)
        except ValueError as exc:
            shown = ", ".join(format_value(v) for v in self._signal)
            shown_k = ", ".join(format_value(v) for v in self._kernel)
            self._show_error(f"{exc}. Still showing signal {shown} and kernel {shown_k}.")
            return False
        self._show_error(None)
        return True

    def _on_return(self):
        if not self.error_label.isVisible():
            self.setFocus()

    def _show_error(self, message):
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))

    def _show_values(self):
        """Put the current values back into the inputs (without reapplying them)."""
        for edit, values in ((self.signal_edit, self._signal), (self.kernel_edit, self._kernel)):
            try:
                keep = parse_sequence(edit.text()) == values
            except ValueError:
                keep = False
            if not keep:
                edit.blockSignals(True)
                edit.setText(", ".join(format_number(v) for v in values))
                edit.blockSignals(False)
        self.mode_buttons[self._mode].setChecked(True)
        flipped = ", ".join(format_value(v) for v in self._walk.flipped)
        self.flipped_label.setText(f"flipped kernel: [{flipped}]")

    def _refresh(self):
        walk, step = self._walk, self._step
        self.strip.set_walkthrough(walk, step)
        self.sum_label.setText(sum_text(walk, step))
        self.slider.blockSignals(True)
        self.slider.setMaximum(len(walk) - 1)
        self.slider.setValue(step)
        self.slider.blockSignals(False)
        self.step_label.setText(f"step {step + 1} of {len(walk)}")
        self.prev_button.setEnabled(step > 0)
        self.next_button.setEnabled(step < len(walk) - 1)
        self.mode_label.setText(walk.padding_sentence())

    def keyPressEvent(self, event):
        if isinstance(self.focusWidget(), QLineEdit):
            super().keyPressEvent(event)
            return
        key = event.key()
        actions = {Qt.Key_Space: self.toggle_play, Qt.Key_Right: self.next_step,
                   Qt.Key_Left: self.previous_step, Qt.Key_Home: lambda: self.set_step(0),
                   Qt.Key_End: lambda: self.set_step(len(self._walk) - 1)}
        if key in actions:
            actions[key]()
            event.accept()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event):
        self.setFocus()
        super().mousePressEvent(event)
