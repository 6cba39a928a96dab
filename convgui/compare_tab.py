"""The compare tab: two settings side by side, with their difference or combined magnitude.

Variant B is derived from the current settings A (max vs. average pooling, the kernel vs. its
transpose — Sobel x vs. y —, stride 1 vs. 2, correlation vs. convolution) or is a snapshot of
earlier settings.
"""

from dataclasses import fields, replace

import numpy as np
from PyQt5.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.choices import POOL_CHOICES, label
from core.pipeline import run_pipeline

from .map_board import MapBoard, Tile, shape_text
from .state import same_value
from .tab_work import StopWhenHidden, TabWork, busy_label
from .widgets import choice_combo

__all__ = ["CompareTab", "VARIANTS", "COMBINATIONS", "variant_specs", "combine"]

VARIANTS = (("transpose", "Kernel vs. its transpose (Sobel x vs. y)"),
            ("pooling", "Max vs. average pooling"),
            ("stride", "Stride 1 vs. stride 2"),
            ("flip", "Correlation vs. true convolution"),
            ("snapshot", "Current vs. saved settings"))
COMBINATIONS = (("magnitude", "Magnitude √(A² + B²)"), ("difference", "Difference A − B"))


def variant_specs(spec, variant, snapshot=None):
    """``(spec_a, spec_b, label_a, label_b)`` for one of :data:`VARIANTS`."""
    if variant == "transpose":
        return spec, replace(spec, kernels=spec.kernels.transpose(1, 0, 2, 3)), \
            "A: kernel", "B: kernel transposed"
    if variant == "pooling":
        return replace(spec, pool_mode="max"), replace(spec, pool_mode="avg"), \
            f"A: {label(POOL_CHOICES, 'max').lower()}", f"B: {label(POOL_CHOICES, 'avg').lower()}"
    if variant == "stride":
        return replace(spec, stride=(1, 1)), replace(spec, stride=(2, 2)), \
            "A: stride 1", "B: stride 2"
    if variant == "flip":
        return replace(spec, flip=False), replace(spec, flip=True), \
            "A: correlation", "B: convolution"
    if variant == "snapshot":
        if snapshot is None:
            raise ValueError("no saved settings yet: press “Save current as B” first")
        return spec, snapshot, "A: current settings", "B: saved settings"
    raise ValueError(f"variant must be one of {[v for v, _ in VARIANTS]}, got {variant!r}")


def same_spec(a, b):
    """True when two pipeline specs compute the same thing (arrays compared by value)."""
    return all(same_value(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))


def one_kernel(spec, k):
    """``spec`` reduced to its kernel ``k`` (and that kernel's bias): the tab shows one map.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> one_kernel(PipelineSpec(np.zeros((3, 3, 1, 4)), bias=[1, 2, 3, 4]), 2).bias
    3.0
    """
    bias = spec.bias if isinstance(spec.bias, float) else spec.bias[k]
    return replace(spec, kernels=spec.kernels[:, :, :, k:k + 1], bias=bias)


def final_map(view, spec, k):
    """Map ``k`` of ``spec``'s final output for the view's image: the main result's own map
    when ``spec`` is the current settings, else computed for that one kernel only."""
    if same_spec(spec, view.spec):
        return view.result.final[0][:, :, k]
    return run_pipeline(view.image[None], one_kernel(spec, k), dtype=np.float32).final[0, :, :, 0]


def combine(a, b, how):
    """``a − b`` or ``sqrt(a² + b²)``; None when the shapes differ.

    Examples
    --------
    >>> import numpy as np
    >>> combine(np.array([3.0]), np.array([4.0]), 'magnitude')
    array([5.])
    """
    if a.shape != b.shape:
        return None
    if how == "difference":
        return a - b
    return np.sqrt(a.astype(np.float64) ** 2 + b.astype(np.float64) ** 2)


class CompareTab(StopWhenHidden, QWidget):
    """Variant and combination pickers above a board of three maps: A, B and A∘B.

    The maps are computed by a :class:`convgui.tab_work.TabWork`: off the GUI thread when they
    are bigger than a frame, the newest request winning.
    """

    def __init__(self, state, computation, parent=None):
        super().__init__(parent)
        self.state, self.computation = state, computation
        self.snapshot = None
        self.tiles = []
        self.work = TabWork(self)
        self.work.ready.connect(self._show)
        self.work.failed.connect(self._fail)
        self.busy = busy_label(self.work)
        self.variant_combo = choice_combo(VARIANTS,
                                          "What B changes compared with the current settings A")
        self.combine_combo = choice_combo(COMBINATIONS, "How the third map combines A and B")
        self.save_button = QPushButton("Save current as B")
        self.save_button.setToolTip("Remember the current settings; pick “Current vs. saved "
                                    "settings” to compare later changes with them")
        self.save_button.clicked.connect(self.save_snapshot)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        for combo in (self.variant_combo, self.combine_combo):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Compare"))
        bar.addWidget(self.variant_combo, 2)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.combine_combo, 1)
        status = QHBoxLayout()
        status.addWidget(self.message, 1)
        status.addWidget(self.busy)
        status.addWidget(self.save_button)
        self.board = MapBoard()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(status)
        layout.addWidget(self.board, 1)
        self.variant_combo.currentIndexChanged.connect(lambda _: self.update_view())
        self.combine_combo.currentIndexChanged.connect(lambda _: self.update_view())

    def save_snapshot(self):
        self.snapshot = self.state.spec()
        self.variant_combo.setCurrentIndex(self.variant_combo.findData("snapshot"))
        self.update_view()

    def update_view(self):
        view = self.computation.latest
        if self.computation.failure is not None:
            self.tiles = []
            self.board.show_rows([], self.state.mapping, self.state.colormap,
                                 self.state.value_range)
            self._fail(f"Cannot compute with these settings: {self.computation.failure}")
            return
        if view is None:
            return
        k = min(self.state.active_kernel, view.spec.kernels.shape[3] - 1)
        try:
            specs = variant_specs(view.spec, self.variant_combo.currentData(), self.snapshot)
        except ValueError as exc:
            self._fail(str(exc))
            return
        how = self.combine_combo.currentData()
        computation, settings = self.computation, self.computation.generation
        self.work.request(lambda: compare_tiles(view, specs, k, how),
                          cost=compare_work(view, specs, k),
                          stale=lambda: computation.generation != settings)

    def _fail(self, message):
        self.message.setText(f"<span style='color:#c33'>{message}</span>")

    def _show(self, built):
        tiles, message = built
        self.message.setText(message)
        self.tiles = tiles
        self.board.show_rows([tiles], self.state.mapping, self.state.colormap,
                             self.state.value_range)


def compare_work(view, specs, k):
    """Multiply-adds :func:`compare_tiles` does (what decides where it runs)."""
    h, w = view.image.shape[:2]
    return sum(h * w * int(np.prod(spec.kernels.shape[:3]))
               for spec in specs[:2] if not same_spec(spec, view.spec))


def compare_tiles(view, specs, k, how):
    """``(tiles A, B and their combination, message)`` for kernel ``k`` (NumPy only: it may run
    off the GUI thread)."""
    spec_a, spec_b, label_a, label_b = specs
    a = final_map(view, spec_a, k)
    b = final_map(view, spec_b, min(k, spec_b.kernels.shape[3] - 1))
    both = combine(a, b, how)
    tiles = [Tile(label_a, a, shape_text(a)), Tile(label_b, b, shape_text(b))]
    if both is None:
        tiles.append(Tile("(no combination)", np.zeros((1, 1)), ""))
        return tiles, "A and B have different shapes, so they cannot be combined pixel by pixel."
    title = "A − B" if how == "difference" else "√(A² + B²)"
    tiles.append(Tile(title, both, shape_text(both)))
    return tiles, ""
