"""The pipeline tab: one CNN layer as a row of maps, how channels add up, and what flipping does.

Row 1: input → convolution → activation → pooling, the shape under each map.
Row 2 (colour input): each channel convolved with its own grid of the kernel; the partial maps
add up to the feature map ("convolution over volumes").
Row 3: correlation vs. true convolution: the kernel as drawn, as applied when flipped, both results
and their difference.
"""

import html
from dataclasses import replace

import numpy as np
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.choices import ACTIVATION_SHORT_LABELS, POOL_CHOICES, channel_names, label
from core.pipeline import convolve
from core.sheets import finite_range

from .map_board import MapBoard, Tile, shape_text as _shape
from .tab_work import StopWhenHidden, TabWork, busy_label

__all__ = ["PipelineTab"]


class PipelineTab(StopWhenHidden, QWidget):
    """Shows the current image's layer for the kernel being edited.

    Its own maps are computed by a :class:`convgui.tab_work.TabWork`: off the GUI thread when
    they are bigger than a frame, the newest request winning.
    """

    def __init__(self, state, computation, parent=None):
        super().__init__(parent)
        self.state, self.computation = state, computation
        self.rows = []
        self.work = TabWork(self)
        self.work.ready.connect(self._show)
        self.work.failed.connect(self._fail)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.busy = busy_label(self.work)
        self.board = MapBoard()
        top = QHBoxLayout()
        top.addWidget(self.intro, 1)
        top.addWidget(self.busy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.board, 1)

    def update_view(self):
        """Recompute the breakdown for the latest result (call when the tab is visible)."""
        view = self.computation.latest
        if self.computation.failure is not None:
            self.rows = []
            self.board.show_rows([], self.state.mapping, self.state.colormap,
                                 self.state.value_range)
            self.intro.setText("<span style='color:#c33'>Cannot compute with these settings: "
                               f"{html.escape(self.computation.failure)}</span>")
            return
        if view is None:
            return
        k = min(self.state.active_kernel, view.spec.kernels.shape[3] - 1)
        channel = self.state.active_channel
        computation, settings = self.computation, self.computation.generation
        self.work.request(lambda: layer_rows(view, k, channel), cost=layer_work(view, k),
                          stale=lambda: computation.generation != settings)

    def _show(self, built):
        rows, text = built
        self.rows = rows
        self.board.show_rows(rows, self.state.mapping, self.state.colormap, self.state.value_range)
        self.intro.setText(text)

    def _fail(self, message):
        self.intro.setText(f"<span style='color:#c33'>{message}</span>")


def layer_work(view, k):
    """Multiply-adds :func:`layer_rows` does (what decides where it runs)."""
    kh, kw, c = view.spec.kernels.shape[:3]
    h, w = view.image.shape[:2]
    return h * w * kh * kw * c * 3


def layer_rows(view, k, channel):
    """``(rows of Tiles, intro text)`` for kernel ``k`` of a computed view (NumPy only: it may
    run off the GUI thread). The main result's maps are reused; only the per-channel parts and
    the other of correlation / convolution are computed."""
    spec = view.spec
    image = view.image
    kernel = spec.kernels[:, :, :, k]
    biases = np.ravel(spec.bias)
    bias = float(biases[k] if biases.size > 1 else biases[0])

    def conv_with(images, kernel3, flip, bias=0.0):
        """This layer's convolution (or transposed convolution) with one kernel."""
        one = replace(spec, kernels=kernel3[:, :, :, None], flip=flip, bias=bias)
        return convolve(images, one, dtype=np.float32)[0, :, :, 0]

    conv = view.result.conv[0, :, :, k]
    deep = getattr(view, "layer", 0) > 0  # a deep layer reads maps: show one as a map
    channels = kernel.shape[2]
    names = tuple(f"M{i + 1}" for i in range(channels)) if deep else \
        channel_names(channels, first=0)
    first = min(channel, channels - 1)
    layer = [Tile(f"Input {names[first]} (layer {view.layer})", view.shown_input(channel),
                  _shape(image), raw=False) if deep else
             Tile("Input", image, _shape(image), raw=True),
             Tile(f"Conv K{k + 1}", conv, _shape(conv))]
    if spec.activation != "none":
        activated = view.result.activated[0, :, :, k]
        layer.append(Tile(label(ACTIVATION_SHORT_LABELS, spec.activation), activated,
                          _shape(activated)))
    if view.result.pooled is not None:
        pooled = view.result.pooled[0, :, :, k]
        layer.append(Tile(f"{label(POOL_CHOICES, spec.pool_mode)} "
                          f"{spec.pool_shape[0]}×{spec.pool_shape[1]}", pooled,
                          _shape(pooled)))
    rows = [layer]
    if channels > 1:
        partials = []
        for ch in range(channels):
            part = conv_with(image[None, :, :, ch], kernel[:, :, ch:ch + 1], spec.flip)
            name = names[ch]
            partials.append(Tile(f"{name} ∗ kernel {name}", part, _shape(part)))
        partials.append(Tile("Sum + bias = Conv" if bias else "Sum = Conv", conv,
                             _shape(conv)))
        rows.append(partials)
    channel = min(channel, channels - 1)
    drawn = kernel[:, :, channel]
    images = image[None] if image.ndim == 3 else image[None, :, :, None]
    # The main result is one of the two (same padding, mode and bias): compute only the other.
    correlation = conv if not spec.flip else conv_with(images, kernel, False, bias)
    convolution = conv if spec.flip else conv_with(images, kernel, True, bias)
    rows.append([
        Tile("Kernel", drawn, _shape(drawn), to_scale=False),
        Tile("Rotated 180°", drawn[::-1, ::-1],
             "applied now" if spec.flip else "used by convolution", to_scale=False),
        Tile("Correlation", correlation, _shape(correlation)),
        Tile("Convolution", convolution, _shape(convolution)),
        Tile("Conv − corr", convolution - correlation, "0 for symmetric kernels"),
    ])
    applied = "true convolution (kernel rotated 180°)" if spec.flip else "cross-correlation"
    what = f"Layer {view.layer + 1}" if deep else "One CNN layer"
    source = f"the {channels} maps of layer {view.layer} are" if deep else "the input is"
    text = (f"<b>{what}</b> for kernel {k + 1}: {source} combined with the "
            f"kernel by {applied}, then the activation and the pooling are applied. ")
    if channels > 1:
        each = "each map of layer " + str(view.layer) if deep else "each colour channel"
        text += (f"Row 2: {each} meets its own grid of the kernel, and the "
                 "partial maps add up to the feature map. ")
    text += "The last row contrasts correlation with true convolution (kernel rotated 180°)."
    for tile in (tile for row in rows for tile in row if not tile.raw):
        tile.found_range = finite_range(tile.values)  # here, not on the GUI thread
        tile.all_finite = bool(np.isfinite(tile.values).all())
    return rows, text
