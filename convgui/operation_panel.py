"""Padding, stride, dilation, correlation/convolution, activation and pooling controls.

Bound both ways to the :class:`~convgui.state.ExplorerState`: a control's change writes the state,
a state change updates the controls with their signals blocked. The output-size formula is shown
live with the current numbers.
"""

from PyQt5.QtCore import QSignalBlocker
from PyQt5.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                             QVBoxLayout, QWidget)

from core import output_shape, resolve_padding
from core.geometry import size_formula

from .widgets import choice_combo as _combo
from .widgets import spin_box as _spin

__all__ = ["OperationPanel", "size_formula"]

PADDING_CHOICES = (("valid", "Valid (no padding)"), ("same", "Same (keep size)"),
                   ("full", "Full (k − 1 each side)"), ("custom", "Custom (ph, pw)"))
ACTIVATION_CHOICES = (("none", "None"), ("relu", "ReLU  max(x, 0)"), ("abs", "Absolute |x|"))
POOL_CHOICES = (("off", "Off"), ("max", "Max pooling"), ("avg", "Average pooling"))


class OperationPanel(QWidget):
    """The controls of the convolution and pooling settings."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self._build()
        self._connect()
        self.sync_from_state()

    # -- building --------------------------------------------------------------------------

    def _build(self):
        conv_box = QGroupBox("Convolution")
        form = QFormLayout(conv_box)
        self.padding_combo = _combo(PADDING_CHOICES, "Zeros added around the image before sliding "
                                    "the kernel. 'Same' keeps the size (TensorFlow's rule).")
        form.addRow("Padding", self.padding_combo)
        self.pad_h = _spin(0, 64, "Rows of zeros added at the top and at the bottom")
        self.pad_w = _spin(0, 64, "Columns of zeros added at the left and at the right")
        form.addRow("  ph, pw", self._pair(self.pad_h, self.pad_w))
        self.stride_h = _spin(1, 32, "Rows the kernel moves between outputs")
        self.stride_w = _spin(1, 32, "Columns the kernel moves between outputs")
        form.addRow("Stride", self._pair(self.stride_h, self.stride_w))
        self.dilation_h = _spin(1, 8, "Spacing between kernel rows (1 = neighbouring pixels)")
        self.dilation_w = _spin(1, 8, "Spacing between kernel columns (1 = neighbouring pixels)")
        form.addRow("Dilation", self._pair(self.dilation_h, self.dilation_w))
        self.flip_check = QCheckBox("True convolution (flip kernel)")
        self.flip_check.setToolTip("Off: cross-correlation, as CNN frameworks compute. On: the "
                                   "kernel is rotated 180° first, as in the mathematical definition.")
        form.addRow(self.flip_check)
        self.activation_combo = _combo(ACTIVATION_CHOICES, "Applied to every output value")
        form.addRow("Activation", self.activation_combo)

        pool_box = QGroupBox("Pooling")
        pool_form = QFormLayout(pool_box)
        self.pool_combo = _combo(POOL_CHOICES, "Summarise each window of the feature map by its "
                                 "largest value (max) or its mean (average)")
        pool_form.addRow("Mode", self.pool_combo)
        self.pool_h = _spin(1, 16, "Pooling window height")
        self.pool_w = _spin(1, 16, "Pooling window width")
        pool_form.addRow("Window", self._pair(self.pool_h, self.pool_w))
        self.pool_sh = _spin(1, 16, "Pooling stride (rows)")
        self.pool_sw = _spin(1, 16, "Pooling stride (columns)")
        pool_form.addRow("Stride", self._pair(self.pool_sh, self.pool_sw))

        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.formula.setToolTip("Output size = ⌊(input + padding − kernel) / stride⌋ + 1")
        self.formula.setObjectName("formula")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(conv_box)
        layout.addWidget(pool_box)
        layout.addWidget(self.formula)
        layout.addStretch(1)

    @staticmethod
    def _pair(first, second):
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(first)
        row.addWidget(QLabel("×"))
        row.addWidget(second)
        return holder

    # -- UI → state ------------------------------------------------------------------------

    def _connect(self):
        s = self.state
        self.padding_combo.currentIndexChanged.connect(self._on_q_padding_changed)
        for box in (self.pad_h, self.pad_w):
            box.valueChanged.connect(self._on_q_padding_changed)
        for pair, name in (((self.stride_h, self.stride_w), "stride"),
                           ((self.dilation_h, self.dilation_w), "dilation"),
                           ((self.pool_h, self.pool_w), "pool_shape"),
                           ((self.pool_sh, self.pool_sw), "pool_stride")):
            for box in pair:
                box.valueChanged.connect(
                    lambda _=None, p=pair, n=name: setattr(s, n, (p[0].value(), p[1].value())))
        self.flip_check.toggled.connect(lambda on: setattr(s, "flip", on))
        self.activation_combo.currentIndexChanged.connect(
            lambda _: setattr(s, "activation", self.activation_combo.currentData()))
        self.pool_combo.currentIndexChanged.connect(
            lambda _: setattr(s, "pool_mode", self.pool_combo.currentData()))
        s.changed.connect(self._on_state_changed)

    def _on_q_padding_changed(self, *_):
        mode = self.padding_combo.currentData()
        custom = mode == "custom"
        self.pad_h.setEnabled(custom)
        self.pad_w.setEnabled(custom)
        self.state.padding = (self.pad_h.value(), self.pad_w.value()) if custom else mode

    # -- state → UI ------------------------------------------------------------------------

    def _on_state_changed(self, name):
        if name in ("padding", "stride", "dilation", "flip", "activation", "pool_mode",
                    "pool_shape", "pool_stride"):
            self.sync_from_state()
        elif name in ("kernels", "dataset", "index"):
            self.update_formula()

    def sync_from_state(self):
        """Make every control show the state's value, without echoing back into the state."""
        s = self.state
        widgets = [self.padding_combo, self.pad_h, self.pad_w, self.stride_h, self.stride_w,
                   self.dilation_h, self.dilation_w, self.flip_check, self.activation_combo,
                   self.pool_combo, self.pool_h, self.pool_w, self.pool_sh, self.pool_sw]
        blockers = [QSignalBlocker(w) for w in widgets]
        custom = not isinstance(s.padding, str)
        self.padding_combo.setCurrentIndex(
            self.padding_combo.findData("custom" if custom else s.padding))
        if custom:
            self.pad_h.setValue(s.padding[0])
            self.pad_w.setValue(s.padding[1])
        self.pad_h.setEnabled(custom)
        self.pad_w.setEnabled(custom)
        for (a, b), value in (((self.stride_h, self.stride_w), s.stride),
                              ((self.dilation_h, self.dilation_w), s.dilation),
                              ((self.pool_h, self.pool_w), s.pool_shape),
                              ((self.pool_sh, self.pool_sw), s.pool_stride)):
            a.setValue(value[0])
            b.setValue(value[1])
        self.flip_check.setChecked(s.flip)
        self.activation_combo.setCurrentIndex(self.activation_combo.findData(s.activation))
        self.pool_combo.setCurrentIndex(self.pool_combo.findData(s.pool_mode))
        pooling = s.pool_mode != "off"
        for box in (self.pool_h, self.pool_w, self.pool_sh, self.pool_sw):
            box.setEnabled(pooling)
        del blockers
        self.update_formula()

    def update_formula(self):
        """Show the output-size arithmetic for the current image, kernel and settings."""
        s = self.state
        image = s.image
        if image is None:
            self.formula.setText("")
            return
        h, w = image.shape[:2]
        kh, kw = s.kernels.shape[:2]
        try:
            (t, b), (l, r) = resolve_padding(s.padding, (h, w), (kh, kw), s.stride, s.dilation)
        except (ValueError, TypeError) as exc:
            self.formula.setText(f"<span style='color:#d33'>{exc}</span>")
            return
        lines = [
            f"<b>Output height</b>: {size_formula(h, kh, (t, b), s.stride[0], s.dilation[0])}",
            f"<b>Output width</b>: {size_formula(w, kw, (l, r), s.stride[1], s.dilation[1])}",
        ]
        if s.pool_mode != "off":
            try:
                oh, ow = output_shape((h, w), (kh, kw), s.padding, s.stride, s.dilation)
                lines.append(f"<b>Pooled height</b>: "
                             f"{size_formula(oh, s.pool_shape[0], (), s.pool_stride[0], 1)}")
                lines.append(f"<b>Pooled width</b>: "
                             f"{size_formula(ow, s.pool_shape[1], (), s.pool_stride[1], 1)}")
            except ValueError:
                pass
        self.formula.setText("<br>".join(lines))
