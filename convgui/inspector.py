"""The hover inspector: what one output pixel is made of.

Hovering an output pixel highlights its receptive field in the input (through padding, stride and
dilation) and the panel shows the input patch, the kernel actually applied, their products and
the sum; for a pooled pixel, its window in the feature map and the value that won (max) or the
mean (avg). Hovering an input pixel highlights every output pixel it feeds. A left click pins the
current pixel (the panel stops following the mouse); Esc or a second click on it unpins.
"""

import numpy as np
from PyQt5.QtCore import QEvent, QObject, QSignalBlocker, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor
from PyQt5.QtWidgets import (QAbstractItemView, QComboBox, QFrame, QGridLayout, QHBoxLayout,
                             QHeaderView, QLabel, QScrollArea, QStyledItemDelegate,
                             QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core import choices
from core.choices import channel_names
from core.explain import (explain_conv_pixel, explain_pool_pixel, spec_pads,
                          sum_expression)
from core.explain import format_number as _fmt
from core.geometry import input_window, outputs_reading

from .pixel_ref import PixelRef
from .steady_label import SteadyLabel

__all__ = ["InspectorPanel", "Inspector", "sum_expression", "IDLE_HINT"]

#: What the folded inspector says while nothing is hovered or pinned.
IDLE_HINT = "Hover a pixel to see how it is computed; click to pin it."


class _DigitsThatFit(QStyledItemDelegate):
    """Draws a cell's number as precisely as its width allows (4 significant digits down to 2
    decimals): a narrow cell (large presentation digits) shows "0.25", never an elided "0.…".
    The item's text keeps 4 digits and its tooltip 8."""

    def initStyleOption(self, option, index):
        super().initStyleOption(option, index)
        value = index.data(Qt.UserRole)
        if value is None:
            return
        room = option.rect.width() - 8
        for text in _shorter_numbers(value):
            if option.fontMetrics.horizontalAdvance(text) <= room:
                break
        option.text = text


def _shorter_numbers(value):
    """Ever shorter ways to write ``value``: 4, 3, 2 significant digits, then 2 decimals
    (0.0314 becomes "0.03", not "0.031")."""
    yield from (_fmt(value, digits=digits) for digits in (4, 3, 2))
    if float(value) != int(value):
        yield f"{value:.2f}"  # never fewer decimals: 0.97 must not read "1.0", −0.03 "−0.0"


class _Grid(QTableWidget):
    """A small read-only table of numbers, tinted by sign and size."""

    def __init__(self, title, parent=None):
        super().__init__(parent)
        self.title = title
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.NoSelection)
        self.setFocusPolicy(Qt.NoFocus)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.setMinimumSize(120, 90)
        self.setItemDelegate(_DigitsThatFit(self))
        self._shown = None  # what show_values shows now

    def show_values(self, values, mask=None, highlight=None):
        values = np.atleast_2d(values)
        shown = (values.shape, values.tobytes(), None if mask is None else mask.tobytes(),
                 highlight)
        if shown == self._shown and self.rowCount():
            return  # e.g. the kernel, the same for every pixel hovered: nothing to redraw
        self._shown = shown
        self.setRowCount(values.shape[0])
        self.setColumnCount(values.shape[1])
        self._fit_height()
        scale = float(np.max(np.abs(values))) or 1.0
        for r in range(values.shape[0]):
            for c in range(values.shape[1]):
                item = QTableWidgetItem(_fmt(values[r, c]))
                item.setData(Qt.UserRole, float(values[r, c]))
                item.setToolTip(_fmt(values[r, c], digits=8))
                item.setTextAlignment(Qt.AlignCenter)
                strength = int(90 * abs(values[r, c]) / scale)
                if values[r, c] > 0:
                    item.setBackground(QBrush(QColor(255, 255 - strength, 255 - strength)))
                elif values[r, c] < 0:
                    item.setBackground(QBrush(QColor(255 - strength, 255 - strength, 255)))
                if mask is not None and not mask[r, c]:
                    item.setBackground(QBrush(QColor(200, 225, 255)))
                    item.setToolTip("padding (zero)")
                if highlight is not None and (r, c) == highlight:
                    item.setBackground(QBrush(QColor(120, 230, 150)))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # presentation mode in or out
            self._fit_height()

    def sizeHint(self):
        # As tall as the rows need, no more: the panel's scroll area asks its content for the
        # height it prefers at its width, and QTableWidget's default (192 px) made the panel
        # scroll at 1366×768 with the sum hidden below. Spare height still goes to the grids.
        return QSize(max(120, self.minimumWidth()), self.minimumHeight())

    def _fit_height(self):
        """Rows tall enough for the font (large in presentation mode): the panel scrolls
        instead of squeezing the digits."""
        rows = max(1, self.rowCount())
        self.setMinimumHeight(max(90, rows * (self.fontMetrics().height() + 6)
                                  + 2 * self.frameWidth()))

    def cell_text(self, row, col):
        item = self.item(row, col)
        return None if item is None else item.text()


class InspectorPanel(QWidget):
    """Shows a :class:`core.explain.ConvPixel` / ``PoolPixel`` / input pixel in words and tables."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # Steady labels: their texts change on every hover (see SteadyLabel).
        self.heading = SteadyLabel(IDLE_HINT)
        self.heading.setMinimumWidth(1)  # a long heading wraps or is cut, never widens the dock
        self.heading.setWordWrap(True)
        self.heading.setObjectName("inspectorHeading")
        self.channel_combo = QComboBox()
        self.channel_combo.setToolTip("Which colour channel's patch, weights and products to show")
        self.channel_combo.currentIndexChanged.connect(lambda _: self._refresh())
        self.patch_grid = _Grid("Input patch")
        self.kernel_grid = _Grid("Kernel")
        self.product_grid = _Grid("Products")
        grids = QGridLayout()
        self.grid_titles = []
        for col, (grid, label) in enumerate(((self.patch_grid, "Input patch"),
                                             (self.kernel_grid, "× Kernel (as applied)"),
                                             (self.product_grid, "= Products"))):
            title = QLabel(f"<b>{label}</b>")
            title.setWordWrap(True)     # a long title wraps; the three grids share the width
            title.setMinimumWidth(1)
            self.grid_titles.append(title)
            grids.addWidget(title, 0, col)
            grids.addWidget(grid, 1, col)
            grids.setColumnStretch(col, 1)
        self.formula = SteadyLabel("")
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.formula.setObjectName("inspectorFormula")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.channel_combo)
        # Everything below the heading line: hidden while the inspector is folded; it scrolls
        # when its numbers need more height than the panel has (presentation mode, 7×7 kernels).
        self.details = QScrollArea()
        self.details.setWidgetResizable(True)
        self.details.setFrameShape(QFrame.NoFrame)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        content = QWidget()
        self.details.setWidget(content)
        details = QVBoxLayout(content)
        details.setContentsMargins(0, 0, 0, 0)
        details.addLayout(grids, 1)
        details.addWidget(self.formula)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        self._shown = None
        self.channel_combo.hide()

    def _show_grids(self, count, first_title="Input patch"):
        """Show the first ``count`` grids (1: values only; 3: patch, kernel, products)."""
        self.grid_titles[0].setText(f"<b>{first_title}</b>")
        for i, grid in enumerate((self.patch_grid, self.kernel_grid, self.product_grid)):
            grid.setVisible(i < count)
            self.grid_titles[i].setVisible(i < count)

    def clear(self, message=None):
        message = IDLE_HINT if message is None else message
        self._shown = None
        self.channel_combo.hide()
        self.heading.setText(message)
        self.formula.setText("")
        for grid in (self.patch_grid, self.kernel_grid, self.product_grid):
            grid.setRowCount(0)
            grid.setColumnCount(0)

    def show_conv(self, pixel, label, shown_value, activation, pinned, trail="", names=None):
        """Explain a convolution pixel; ``trail`` (text) says where its window comes from,
        ``names`` name its input channels (the image's by default)."""
        channels = pixel.patch.shape[2]
        names = tuple(names) if names is not None and len(names) == channels else \
            channel_names(channels, first=0)
        self._shown = ("conv", pixel, label, shown_value, activation, pinned, trail, names)
        with QSignalBlocker(self.channel_combo):
            if [self.channel_combo.itemText(i) for i in range(self.channel_combo.count())] != \
                    [f"Channel {name}" for name in names]:
                self.channel_combo.clear()
                for i, name in enumerate(names):
                    self.channel_combo.addItem(f"Channel {name}", i)
        self.channel_combo.setVisible(channels > 1)
        self._refresh()

    def show_pool(self, pixel, label, conv_label, shown_value, pinned, trail=""):
        """Explain a pooled pixel; ``trail`` (text) says where its window comes from."""
        self._shown = ("pool", pixel, label, conv_label, shown_value, pinned, trail)
        self.channel_combo.hide()
        self._refresh()

    def show_input(self, row, col, value, feeds, pinned, note=""):
        self._shown = None
        self.channel_combo.hide()
        value_text = (", ".join(_fmt(v) for v in np.ravel(value)) if np.ndim(value)
                      else _fmt(value))
        if feeds:
            listed = ", ".join(f"[{r}, {c}]" for r, c in feeds[:8])
            more = f" and {len(feeds) - 8} more" if len(feeds) > 8 else ""
            text = f"feeds {len(feeds)} output pixel(s): {listed}{more}"
        else:
            text = "feeds no output pixel (the stride skips it)"
        pin = " <i>(pinned — Esc to release)</i>" if pinned else ""
        self.heading.setText(f"<b>Input [{row}, {col}]</b> = {value_text}{note}{pin}")
        self.formula.setText(f"This pixel {text}.")
        self._show_grids(0)

    def _refresh(self):
        if self._shown is None:
            return
        if self._shown[0] == "conv":
            self._refresh_conv(*self._shown[1:])
        else:
            self._refresh_pool(*self._shown[1:])

    def _refresh_conv(self, pixel, label, shown_value, activation, pinned, trail="",
                      names=None):
        channel = max(self.channel_combo.currentIndex(), 0)
        channels = pixel.patch.shape[2]
        channel = min(channel, channels - 1)
        patch = pixel.patch[:, :, channel]
        kernel = pixel.kernel[:, :, channel]
        self._show_grids(3)
        self.patch_grid.show_values(patch, mask=pixel.inside)
        self.kernel_grid.show_values(kernel)
        self.product_grid.show_values(pixel.products[:, :, channel])
        pin = " <i>(pinned — Esc to release)</i>" if pinned else ""
        self.heading.setText(f"<b>{label} [{pixel.row}, {pixel.col}]</b> = {_fmt(pixel.activated)}"
                             f"{pin} — window rows {pixel.window.top}…{pixel.window.bottom}, "
                             f"cols {pixel.window.left}…{pixel.window.right}")
        lines = []
        bias = pixel.bias
        bias_text = f" + bias {_fmt(bias)}" if bias > 0 else \
            (f" − bias {_fmt(-bias)}" if bias < 0 else "")
        if channels > 1:
            sums = pixel.products.sum(axis=(0, 1))
            names = names or channel_names(channels, first=0)
            lines.append(f"Channel {names[channel]}: "
                         f"{sum_expression(patch, kernel, sums[channel])}")
            parts = " + ".join(f"{names[i]} {_fmt(s)}" for i, s in enumerate(sums))
            lines.append(f"Sum over channels: {parts}{bias_text} = <b>{_fmt(pixel.total)}</b>")
        elif bias:
            lines.append(f"Sum: {sum_expression(patch, kernel, pixel.total - bias)}")
            lines.append(f"{_fmt(pixel.total - bias)}{bias_text} = <b>{_fmt(pixel.total)}</b>")
        else:
            lines.append(f"Sum: {sum_expression(patch, kernel, pixel.total)}")
        if activation != "none":
            name = choices.label(choices.ACTIVATION_FUNCTION_NAMES, activation)
            lines.append(f"{name}({_fmt(pixel.total)}) = <b>{_fmt(pixel.activated)}</b>")
        if shown_value is not None:
            lines.append(f"<span style='color:gray'>Feature map shows {_fmt(shown_value)}</span>")
        if trail:
            lines.append(trail)
        self.formula.setText("<br>".join(lines))

    def _refresh_pool(self, pixel, label, conv_label, shown_value, pinned, trail=""):
        winner = None
        if pixel.winner is not None:
            winner = (int(np.flatnonzero(pixel.window.rows == pixel.winner[0])[0]),
                      int(np.flatnonzero(pixel.window.cols == pixel.winner[1])[0]))
        self._show_grids(1, f"Window of {conv_label}")
        self.patch_grid.show_values(pixel.values, highlight=winner)
        pin = " <i>(pinned — Esc to release)</i>" if pinned else ""
        self.heading.setText(f"<b>{label} [{pixel.row}, {pixel.col}]</b> = "
                             f"{_fmt(pixel.result)}{pin}")
        kh, kw = pixel.values.shape
        if pixel.mode == "max":
            text = (f"Largest value of the {kh}×{kw} window of {conv_label} = "
                    f"<b>{_fmt(pixel.result)}</b>, at [{pixel.winner[0]}, {pixel.winner[1]}]")
        else:
            text = (f"Mean of the {kh}×{kw} window of {conv_label}: "
                    f"{_fmt(pixel.values.sum())} / {kh * kw} = <b>{_fmt(pixel.result)}</b>")
        self.formula.setText(f"{text}<br>{trail}" if trail else text)


class Inspector(QObject):
    """Connects the canvas's hover and clicks to the panel and the highlights.

    Signals
    -------
    targetChanged(object)
        The inspected pixel (a :class:`~convgui.pixel_ref.PixelRef`), or None.
    """

    targetChanged = pyqtSignal(object)
    openChanged = pyqtSignal(bool)

    def __init__(self, state, computation, canvas, panel, parent=None):
        super().__init__(parent)
        self.state, self.computation, self.canvas, self.panel = state, computation, canvas, panel
        self.target = None
        self.pinned = False
        self.hovering = False        # the mouse is over the maps
        self.is_open = False         # the panel has something to say (see openChanged)
        canvas.hovered.connect(self._on_hover)
        canvas.pixelClicked.connect(self._on_click)
        canvas.mouseLeft.connect(self._on_left)
        self.targetChanged.connect(lambda _: self._update_open())

    def _on_left(self):
        self.hovering = False
        self._update_open()

    def _update_open(self):
        """Open while it explains a pixel; folded to its heading line when it has none.

        Leaving the maps keeps it open: the mouse can go down to read the numbers, and a panel
        that opened under the mouse (it takes height from the maps) cannot flicker shut again.
        """
        is_open = self.target is not None
        if is_open != self.is_open:
            self.is_open = is_open
            self.openChanged.emit(is_open)

    def _on_hover(self, kind, k, row, col, value):
        self.hovering = True
        if self.pinned or value is None:
            self._update_open()
            return
        self.inspect(kind, k, row, col)

    def _on_click(self, kind, k, row, col):
        if self.pinned and self.target == PixelRef(kind, k, row, col):
            self.unpin()
            return
        if self.canvas.plot_for(kind, k) is None or \
                self.canvas.plot_for(kind, k).value_at(row, col) is None:
            return
        self.pinned = True
        self.inspect(kind, k, row, col)

    def unpin(self):
        self.pinned = False
        if self.target is not None:
            self.inspect(*self.target)
        self._update_open()

    def refresh(self):
        """Re-inspect the current target after a new result (or clear if it no longer exists)."""
        if self.target is None:
            return
        plot = self.canvas.plot_for(self.target.kind, self.target.kernel)
        if plot is None or plot.value_at(self.target.row, self.target.col) is None:
            self.clear()
            return
        self.inspect(*self.target)

    def clear(self):
        self.target = None
        self.pinned = False
        self.canvas.clear_marks()
        self.panel.clear()
        self.targetChanged.emit(None)

    def inspect(self, kind, k, row, col):
        """Show the arithmetic of pixel ``(row, col)`` of map ``kind``/``k`` and highlight it."""
        view = self.computation.latest
        if view is None:
            return
        self.target = PixelRef(kind, k, row, col)
        self.canvas.clear_marks()
        if kind == "conv":
            self._inspect_conv(view, k, row, col)
        elif kind == "pooled":
            self._inspect_pool(view, k, row, col)
        else:
            self._inspect_input(view, row, col)
        self.targetChanged.emit(self.target)

    def _pads(self, view):
        return spec_pads(view.spec, view.image.shape[:2])

    def _label(self, view, kind, k):
        count = view.spec.kernels.shape[3]
        prefix = f"K{k + 1} " if count > 1 else ""
        conv = "transposed conv" if view.spec.transposed else "conv"
        return f"{prefix}{conv if kind == 'conv' else view.spec.pool_mode + ' pool'}"

    def _mark_window(self, plot, window):
        cells = [(int(r), int(c)) for r in window.rows for c in window.cols]
        outline = (window.top, window.left, window.bottom - window.top + 1,
                   window.right - window.left + 1)
        plot.mark_cells(cells, outline)

    def _inspect_conv(self, view, k, row, col):
        pixel = explain_conv_pixel(view.image, view.spec, k, row, col)
        self._mark_window(self.canvas.input, pixel.window)
        self.canvas.conv[k].mark_cells([(row, col)])
        shown = self.canvas.conv[k].value_at(row, col)
        names = self.state.channel_labels(first=0) if getattr(view, "layer", 0) else None
        self.panel.show_conv(pixel, self._label(view, "conv", k), shown, view.spec.activation,
                             self.pinned, names=names)

    def _inspect_pool(self, view, k, row, col):
        feature_map = view.result.activated[0, :, :, k]
        pixel = explain_pool_pixel(feature_map, view.spec, row, col)
        self._mark_window(self.canvas.conv[k], pixel.window)
        self.canvas.pooled[k].mark_cells([(row, col)])
        # The input region that feeds the whole pooling window.
        kh, kw = view.spec.kernels.shape[:2]
        pads = self._pads(view)
        transposed = view.spec.transposed
        first = input_window((pixel.window.top, pixel.window.left), (kh, kw), pads,
                             view.spec.stride, view.spec.dilation, transposed=transposed)
        last = input_window((pixel.window.bottom, pixel.window.right), (kh, kw), pads,
                            view.spec.stride, view.spec.dilation, transposed=transposed)
        self.canvas.input.mark_cells([], (first.top, first.left, last.bottom - first.top + 1,
                                          last.right - first.left + 1))
        shown = self.canvas.pooled[k].value_at(row, col)
        self.panel.show_pool(pixel, self._label(view, "pooled", k),
                             self._label(view, "conv", k), shown, self.pinned)

    def _inspect_input(self, view, row, col):
        # For a transposed convolution the input shown is stretched (zeros inserted).
        values = view.input_picture(self.state.active_channel).values
        h, w = values.shape[:2]
        if not (0 <= row < h and 0 <= col < w):
            return
        kh, kw = view.spec.kernels.shape[:2]
        conv_hw = view.result.conv.shape[1:3]
        feeds = outputs_reading((row, col), (kh, kw), conv_hw, self._pads(view),
                                view.spec.stride, view.spec.dilation,
                                transposed=view.spec.transposed)
        self.canvas.input.mark_cells([(row, col)])
        for plot in self.canvas.conv:
            plot.mark_cells(feeds)
        note = ""
        if view.spec.transposed:
            sh, sw = view.spec.stride
            note = (f" (pixel [{row // sh}, {col // sw}] of the image)"
                    if row % sh == 0 and col % sw == 0 else " (an inserted zero)")
        self.panel.show_input(row, col, values[row, col], feeds, self.pinned, note)
