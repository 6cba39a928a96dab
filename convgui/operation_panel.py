"""Operation, padding (amount and mode), stride, dilation, output padding, correlation/convolution,
bias, activation and pooling controls.

Bound both ways to the :class:`~convgui.state.ExplorerState`: a control's change writes the state,
a state change updates the controls with their signals blocked. The output-size formula is shown
live with the current numbers.
"""

import numpy as np
from PyQt5.QtCore import QSignalBlocker
from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                             QHBoxLayout, QLabel, QVBoxLayout, QWidget)

from core import output_shape, resolve_padding
from core.choices import ACTIVATION_CHOICES, PADDING_CHOICES, PADDING_MODE_CHOICES, POOL_CHOICES
from core.geometry import resolve_transposed_padding, size_formula, transposed_size_formula

from .widgets import choice_combo as _combo
from .widgets import spin_box as _spin

__all__ = ["OperationPanel", "size_formula", "transposed_size_formula"]

OPERATION_CHOICES = (("convolution", "Convolution"),
                     ("transposed", "Transposed"))



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
        # The operation switch is the group's first row, so the group needs no title.
        conv_box = QGroupBox()
        form = QFormLayout(conv_box)
        form.setVerticalSpacing(3)
        self.operation_combo = _combo(
            OPERATION_CHOICES, "Convolution slides the kernel over the input. Transposed "
            "convolution goes the other way: each input pixel stamps value × kernel into a larger "
            "output, 'stride' apart (drawn as the input with stride − 1 zeros between pixels). "
            "It undoes the shape of a strided convolution, not its values. (F1 explains.)")
        form.addRow("Operation", self.operation_combo)
        self.padding_combo = _combo(PADDING_CHOICES, "Zeros added around the image before sliding "
                                    "the kernel. 'Same' pads so the output has ⌈input / stride⌉ "
                                    "pixels (TensorFlow's rule): the input's size at stride 1, "
                                    "half of it (rounded up) at stride 2.")
        form.addRow("Padding", self.padding_combo)
        self.pad_h = _spin(0, 64, "Rows of zeros added at the top and at the bottom")
        self.pad_w = _spin(0, 64, "Columns of zeros added at the left and at the right")
        self.pad_label = QLabel("  ph, pw")
        self.pad_rows = [self.pad_label, self._pair(self.pad_h, self.pad_w)]
        form.addRow(*self.pad_rows)
        self.asymmetric_check = QCheckBox("Own bottom / right amounts")
        self.asymmetric_check.setToolTip(
            "Pad the bottom and the right by their own amounts, e.g. 'same' with the extra row "
            "at the top/left (scipy.ndimage) is top 1, bottom 0 for a 2×2 kernel")
        form.addRow(self.asymmetric_check)
        self.pad_bottom = _spin(0, 64, "Rows of zeros added at the bottom")
        self.pad_right = _spin(0, 64, "Columns of zeros added at the right")
        self.asymmetric_row = [QLabel("  bottom, right"),
                               self._pair(self.pad_bottom, self.pad_right)]
        form.addRow(*self.asymmetric_row)
        self.padding_mode_combo = _combo(
            PADDING_MODE_CHOICES, "What fills the padding: zeros, a mirror of the image "
            "(reflect skips the edge pixel, symmetric repeats it), the edge pixel repeated, or "
            "the opposite side of the image (circular). Same as numpy.pad's constant, reflect, "
            "edge, wrap and symmetric.")
        self.padding_mode_label = QLabel("Padding mode")
        form.addRow(self.padding_mode_label, self.padding_mode_combo)
        self.stride_h = _spin(1, 32, "Rows the kernel moves between outputs")
        self.stride_w = _spin(1, 32, "Columns the kernel moves between outputs")
        form.addRow("Stride", self._pair(self.stride_h, self.stride_w))
        self.dilation_h = _spin(1, 8, "Spacing between kernel rows (1 = neighbouring pixels)")
        self.dilation_w = _spin(1, 8, "Spacing between kernel columns (1 = neighbouring pixels)")
        form.addRow("Dilation", self._pair(self.dilation_h, self.dilation_w))
        self.output_pad_h = _spin(0, 31, "Transposed convolution: rows added at the bottom "
                                  "(smaller than the stride or the dilation)")
        self.output_pad_w = _spin(0, 31, "Transposed convolution: columns added at the right "
                                  "(smaller than the stride or the dilation)")
        self.output_pad_label = QLabel("Output padding")
        self.output_pad_row = self._pair(self.output_pad_h, self.output_pad_w)
        form.addRow(self.output_pad_label, self.output_pad_row)
        self.flip_check = QCheckBox("True convolution (flip kernel)")
        self.flip_check.setToolTip("Off: cross-correlation, as CNN frameworks compute. On: the "
                                   "kernel is rotated 180° first, as in the mathematical definition.")
        form.addRow(self.flip_check)
        self.bias_spin = QDoubleSpinBox()
        self.bias_spin.setRange(-9999, 9999)
        self.bias_spin.setDecimals(3)
        self.bias_spin.setSingleStep(0.1)
        self.bias_spin.setToolTip("Added to every output value of the kernel under edit, "
                                  "before the activation (each kernel of a bank has its own)")
        self.bias_label = QLabel("Bias")
        form.addRow(self.bias_label, self.bias_spin)
        self.activation_combo = _combo(ACTIVATION_CHOICES, "Applied to every output value")
        form.addRow("Activation", self.activation_combo)

        # Pooling shares the group (a layer: convolution, bias, activation, pooling) so the
        # panel fits beside the picture without scrolling.
        pool_form = form
        self.pool_combo = _combo(POOL_CHOICES, "Summarise each window of the feature map by its "
                                 "largest value (max) or its mean (average)")
        pool_form.addRow("Pooling", self.pool_combo)
        self.pool_h = _spin(1, 16, "Pooling window height")
        self.pool_w = _spin(1, 16, "Pooling window width")
        self.pool_rows = [QLabel("  window"), self._pair(self.pool_h, self.pool_w)]
        pool_form.addRow(*self.pool_rows)
        self.pool_sh = _spin(1, 16, "Pooling stride (rows)")
        self.pool_sw = _spin(1, 16, "Pooling stride (columns)")
        self.pool_rows += [QLabel("  stride"), self._pair(self.pool_sh, self.pool_sw)]
        pool_form.addRow(*self.pool_rows[2:])
        for combo in (self.operation_combo, self.padding_mode_combo):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)

        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.formula.setToolTip("Output size = ⌊(input + padding − kernel) / stride⌋ + 1")
        self.formula.setObjectName("formula")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(conv_box)
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
        self.operation_combo.currentIndexChanged.connect(self._on_q_operation_changed)
        self.padding_mode_combo.currentIndexChanged.connect(
            lambda _: setattr(s, "padding_mode", self.padding_mode_combo.currentData()))
        self.bias_spin.valueChanged.connect(self._on_q_bias_changed)
        self.padding_combo.currentIndexChanged.connect(self._on_q_padding_changed)
        for box in (self.pad_h, self.pad_w, self.pad_bottom, self.pad_right):
            box.valueChanged.connect(self._on_q_padding_changed)
        self.asymmetric_check.toggled.connect(self._on_q_padding_changed)
        for pair, name in (((self.stride_h, self.stride_w), "stride"),
                           ((self.dilation_h, self.dilation_w), "dilation"),
                           ((self.pool_h, self.pool_w), "pool_shape"),
                           ((self.pool_sh, self.pool_sw), "pool_stride"),
                           ((self.output_pad_h, self.output_pad_w), "output_padding")):
            for box in pair:
                box.valueChanged.connect(
                    lambda _=None, p=pair, n=name: setattr(s, n, (p[0].value(), p[1].value())))
        self.flip_check.toggled.connect(lambda on: setattr(s, "flip", on))
        self.activation_combo.currentIndexChanged.connect(
            lambda _: setattr(s, "activation", self.activation_combo.currentData()))
        self.pool_combo.currentIndexChanged.connect(
            lambda _: setattr(s, "pool_mode", self.pool_combo.currentData()))
        s.changed.connect(self._on_state_changed)

    def _on_q_operation_changed(self, *_):
        transposed = self.operation_combo.currentData() == "transposed"
        s = self.state
        if transposed and isinstance(s.padding, str) and s.padding != "valid":
            # 'same' and 'full' describe a convolution's input; a transposed convolution's
            # padding is the number of pixels cropped off: keep the current amount.
            h, w = s.image.shape[:2] if s.image is not None else (1, 1)
            (t, b), (l, r) = resolve_padding(s.padding, (h, w), s.kernels.shape[:2], s.stride,
                                             s.dilation)
            s.padding = (min(t, b), min(l, r))
        s.transposed = transposed

    def _on_q_bias_changed(self, value):
        s = self.state
        values = list(s.bias)
        values[s.active_kernel] = float(value)
        s.bias = tuple(values)

    def _on_q_padding_changed(self, *_):
        mode = self.padding_combo.currentData()
        custom = mode == "custom"
        asymmetric = custom and self.asymmetric_check.isChecked()
        self._enable_padding_boxes(custom, asymmetric)
        if asymmetric:
            self.state.padding = ((self.pad_h.value(), self.pad_bottom.value()),
                                  (self.pad_w.value(), self.pad_right.value()))
        else:
            self.state.padding = (self.pad_h.value(), self.pad_w.value()) if custom else mode

    def _enable_padding_boxes(self, custom, asymmetric):
        """Custom amounts are editable only for custom padding; bottom/right only when asked."""
        self.pad_h.setEnabled(custom)
        self.pad_w.setEnabled(custom)
        for widget in self.pad_rows:
            widget.setVisible(custom)
        self.asymmetric_check.setEnabled(custom)
        self.asymmetric_check.setVisible(custom)
        self.pad_bottom.setEnabled(asymmetric)
        self.pad_right.setEnabled(asymmetric)
        for widget in self.asymmetric_row:
            widget.setVisible(asymmetric)
        self.pad_label.setText("  top, left" if asymmetric else "  ph, pw")
        self.pad_h.setToolTip("Rows of zeros added at the top" + ("" if asymmetric else
                                                                 " and at the bottom"))
        self.pad_w.setToolTip("Columns of zeros added at the left" + ("" if asymmetric else
                                                                     " and at the right"))

    # -- state → UI ------------------------------------------------------------------------

    def _on_state_changed(self, name):
        if name in ("padding", "stride", "dilation", "flip", "activation", "pool_mode",
                    "pool_shape", "pool_stride", "padding_mode", "bias", "transposed",
                    "output_padding", "active_kernel", "kernels"):
            self.sync_from_state()
        elif name in ("dataset", "index", "layers", "selected_layer"):
            self.update_formula()

    def sync_from_state(self):
        """Make every control show the state's value, without echoing back into the state."""
        s = self.state
        widgets = [self.padding_combo, self.pad_h, self.pad_w, self.asymmetric_check,
                   self.pad_bottom, self.pad_right, self.stride_h, self.stride_w,
                   self.dilation_h, self.dilation_w, self.flip_check, self.activation_combo,
                   self.pool_combo, self.pool_h, self.pool_w, self.pool_sh, self.pool_sw,
                   self.operation_combo, self.padding_mode_combo, self.bias_spin,
                   self.output_pad_h, self.output_pad_w]
        blockers = [QSignalBlocker(w) for w in widgets]
        transposed = s.transposed
        self.operation_combo.setCurrentIndex(
            self.operation_combo.findData("transposed" if transposed else "convolution"))
        self.padding_mode_combo.setCurrentIndex(self.padding_mode_combo.findData(s.padding_mode))
        # Only the rows that mean something for the operation are shown (and the panel fits).
        self.padding_mode_combo.setEnabled(not transposed)
        for widget in (self.padding_mode_label, self.padding_mode_combo):
            widget.setVisible(not transposed)
        for widget in (self.output_pad_label, self.output_pad_row):
            widget.setVisible(transposed)
        # 'same' and 'full' have no meaning for a transposed convolution.
        model = self.padding_combo.model()
        for word in ("same", "full"):
            model.item(self.padding_combo.findData(word)).setEnabled(not transposed)
        for box, value in ((self.output_pad_h, s.output_padding[0]),
                           (self.output_pad_w, s.output_padding[1])):
            box.setValue(value)
            box.setEnabled(transposed)
        count = s.kernels.shape[3]
        self.bias_label.setText(f"Bias (K{s.active_kernel + 1})" if count > 1 else "Bias")
        self.bias_spin.setValue(s.bias[min(s.active_kernel, len(s.bias) - 1)])
        custom = not isinstance(s.padding, str)
        self.padding_combo.setCurrentIndex(
            self.padding_combo.findData("custom" if custom else s.padding))
        asymmetric = custom and np.ndim(s.padding) == 2
        if custom:
            (top, bottom), (left, right) = (s.padding if asymmetric else
                                            ((s.padding[0],) * 2, (s.padding[1],) * 2))
            for box, value in ((self.pad_h, top), (self.pad_w, left), (self.pad_bottom, bottom),
                               (self.pad_right, right)):
                box.setValue(value)
        self.asymmetric_check.setChecked(asymmetric)
        self._enable_padding_boxes(custom, asymmetric)
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
        for widget in self.pool_rows:
            widget.setVisible(pooling)
        del blockers
        self.update_formula()

    def update_formula(self):
        """Show the output-size arithmetic for the current image, kernel and settings."""
        s = self.state
        input_hw = s.layer_input_hw()  # the selected layer's input: deeper layers read maps
        if input_hw is None:
            self.formula.setText("")
            return
        h, w = input_hw
        kh, kw = s.kernels.shape[:2]
        if s.transposed:
            self.formula.setToolTip("Transposed convolution: output size = (input − 1)·stride − "
                                    "padding + dilation·(kernel − 1) + output padding + 1")
            self._transposed_formula(h, w, kh, kw)
            return
        self.formula.setToolTip("Output size = ⌊(input + padding − kernel) / stride⌋ + 1")
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
                lines += self._pooled_lines(oh, ow)
            except ValueError:
                pass
        self.formula.setText("<br>".join(lines))

    def _pooled_lines(self, oh, ow):
        """The pooling's size arithmetic over a convolution output of ``oh`` × ``ow``."""
        s = self.state
        return [f"<b>Pooled height</b>: "
                f"{size_formula(oh, s.pool_shape[0], (), s.pool_stride[0], 1)}",
                f"<b>Pooled width</b>: "
                f"{size_formula(ow, s.pool_shape[1], (), s.pool_stride[1], 1)}"]

    def _transposed_formula(self, h, w, kh, kw):
        s = self.state
        try:
            (t, b), (l, r) = resolve_transposed_padding(s.padding)
        except ValueError as exc:
            self.formula.setText(f"<span style='color:#d33'>{exc}</span>")
            return
        (sh, sw), (dh, dw), (ah, aw) = s.stride, s.dilation, s.output_padding
        lines = [
            f"<b>Output height</b>: {transposed_size_formula(h, kh, (t, b), sh, dh, ah)}",
            f"<b>Output width</b>: {transposed_size_formula(w, kw, (l, r), sw, dw, aw)}",
        ]
        if s.pool_mode != "off":
            try:
                oh, ow = output_shape((h, w), (kh, kw), s.padding, s.stride, s.dilation,
                                      transposed=True, output_padding=s.output_padding)
                lines += self._pooled_lines(oh, ow)
            except ValueError:
                pass
        self.formula.setText("<br>".join(lines))
