"""One case of File ▸ Check my solution…: the student's map, the reference and their difference.

:class:`CaseView` shows the selected image and channel of a :class:`core.homework.CaseReport`
on one board (same pixel grid, zoomed together; output and reference on the same value scale,
the difference on a diverging scale), and hovering a pixel spells out the reference computation
in an inspector beside the student's value.
"""

import numpy as np
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from core.explain import explain_conv_pixel, explain_pool_pixel

from . import display
from .inspector import InspectorPanel
from .map_board import MapBoard, Tile, shape_text

__all__ = ["CaseView"]


class CaseView(QWidget):
    """The maps of one case, with its image and channel choice and the hovered pixel's values.

    ``inspector_panel`` is made here and placed by the owner; ``open_button`` ("Show in the
    window") is connected by the owner too.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.case = None
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
        self.open_button = QPushButton("Show in the &window")
        self.open_button.setToolTip(
            "Open this case's images and kernel in the main window with the padding your output "
            "follows (or the reference's), to explore it with every tool of the app")
        self.open_button.setEnabled(False)
        self.inspector_panel = InspectorPanel()
        self.inspector_panel.clear("Hover a pixel of the maps: the reference computation of "
                                   "that pixel is spelled out here.")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Image"))
        controls.addWidget(self.image_spin)
        controls.addWidget(QLabel("Channel"))
        controls.addWidget(self.channel_spin)
        controls.addWidget(self.value_label, 1)
        controls.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.board, 1)
        layout.addLayout(controls)

    def show_case(self, case):
        """Show ``case`` (a CaseReport), keeping the image and channel chosen where they exist;
        None shows nothing new (a task row is selected)."""
        self.case = case
        if case is None:
            return
        count = case.case.images.shape[0]
        with_channels = case.expected is not None and case.expected.ndim == 4
        for spin, top in ((self.image_spin, count - 1),
                          (self.channel_spin, case.expected.shape[3] - 1 if with_channels
                           else 0)):
            spin.blockSignals(True)
            spin.setRange(0, max(top, 0))
            spin.setValue(min(spin.value(), max(top, 0)))
            spin.blockSignals(False)
        self.channel_spin.setEnabled(with_channels)
        self._show_maps()

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
        case = self.case
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
        if self.case is None or not self.board.plots:
            return
        for plot, _ in self.board.plots[0]:
            if plot.view_box.sceneBoundingRect().contains(scene_pos):
                point = plot.view_box.mapSceneToView(scene_pos)
                self.inspect(int(np.floor(point.y())), int(np.floor(point.x())))
                return

    def inspect(self, row, col):
        """Show the reference computation of output pixel (row, col) next to the student's."""
        case = self.case
        if case is None:
            return False
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
