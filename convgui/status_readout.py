"""The status bar's two permanent fields: the value under the mouse and the last computation's
time.

:class:`StatusReadout` subscribes to the canvas (hovered pixel) and to the computation (busy,
result, failure) itself; the window only asks it to read the hovered pixel again after a redraw
(:meth:`StatusReadout.update`) and to forget it when another dataset opens.
"""

import numpy as np
from PyQt5.QtCore import QObject
from PyQt5.QtWidgets import QLabel

from .pixel_ref import PixelRef
from .steady_label import SteadyLabel

__all__ = ["StatusReadout", "readout_text"]

#: What the timing field says while a result is being computed.
COMPUTING = "computing…"


def readout_text(pixel, value, transposed=False):
    """The read-out of ``value`` at ``pixel`` (a :class:`~convgui.pixel_ref.PixelRef`); "" for
    no value. ``transposed`` names the output maps of a transposed convolution so.

    Examples
    --------
    >>> readout_text(PixelRef("conv", 1, 3, 4), -0.5)
    'conv K2 [3, 4] = -0.5'
    >>> readout_text(PixelRef("input", 0, 0, 2), np.array([255, 0, 10]))
    'input [0, 2] = (255, 0, 10)'
    >>> readout_text(PixelRef("conv", 0, 1, 1), 2.0, transposed=True)
    'transposed K1 [1, 1] = 2'
    """
    if value is None:
        return ""
    kind, k, row, col = pixel
    conv = "transposed" if transposed else "conv"
    where = {"input": "input", "conv": f"{conv} K{k + 1}", "pooled": f"pooled K{k + 1}"}[kind]
    if np.ndim(value):
        text = ", ".join(f"{v:.4g}" for v in np.ravel(value))
        return f"{where} [{row}, {col}] = ({text})"
    return f"{where} [{row}, {col}] = {float(value):.5g}"


class StatusReadout(QObject):
    """The read-out (``label``) and timing (``timing``) fields of ``status_bar``, fed by
    ``canvas`` (a :class:`~convgui.feature_canvas.FeatureCanvas`) and ``computation``.

    Attributes
    ----------
    hovered : PixelRef or None
        The pixel under the mouse, read again by :meth:`update`.
    """

    def __init__(self, status_bar, canvas, computation, parent=None, state=None):
        super().__init__(parent)
        self.canvas, self.state = canvas, state
        self.hovered = None
        self.label = SteadyLabel("")  # changes on every mouse move: no window relayout
        self.label.setWordWrap(False)
        self.label.setMinimumWidth(240)
        self.label.setContentsMargins(0, 0, 16, 0)  # apart from the timing beside it
        self.timing = QLabel("")
        status_bar.addPermanentWidget(self.label)
        status_bar.addPermanentWidget(self.timing)
        # Bound methods, not lambdas: Qt drops these connections when this object goes.
        canvas.hovered.connect(self._on_hover)
        computation.resultReady.connect(self._on_result)
        computation.busyChanged.connect(self._on_busy)
        computation.failed.connect(self._on_failed)

    def _on_result(self, view):
        self.timing.setText(f"{view.seconds * 1000:.1f} ms")

    def _on_failed(self, _message):
        self._on_busy(False)

    def _text(self, value):
        transposed = bool(getattr(self.state, "transposed", False))
        return readout_text(self.hovered, value, transposed=transposed)

    def _on_busy(self, busy):
        # A finished job replaces the text with its timing; a failed one must not leave it on.
        if busy:
            self.timing.setText(COMPUTING)
        elif self.timing.text() == COMPUTING:
            self.timing.setText("")

    def _on_hover(self, kind, k, row, col, value):
        self.hovered = PixelRef(kind, k, row, col)
        self.label.setText(self._text(value))

    def update(self):
        """Read the hovered pixel again from what the maps show now."""
        if self.hovered is None:
            self.label.setText("")
            return
        plot = self.canvas.plot_for(self.hovered.kind, self.hovered.kernel)
        value = None if plot is None else plot.value_at(self.hovered.row, self.hovered.col)
        self.label.setText(self._text(value))

    def forget(self):
        """Nothing hovered (another dataset opened)."""
        self.hovered = None
        self.label.setText("")
