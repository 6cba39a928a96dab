"""Recomputes the current image's feature maps whenever the settings change.

The whole layer stack is computed; ``latest`` describes the selected layer (its input is the
image for layer 1, the maps of the layer before for deeper layers) and carries every layer's
result in ``stack``.

Small work (a digit, a small kernel) runs at once on the GUI thread: it takes well under a frame
and a thread hop would only add latency. Larger work runs on Qt's thread pool through
:class:`convgui.workers.LatestOnly`: every request carries a generation number, a newer request
supersedes the running one and a result whose generation is no longer current is dropped, so a
slow photo never overwrites what a newer kernel produced; superseded work also stops between the
engine's blocks (:func:`core.engine.interruptible`) instead of running to its end. Errors go to
one signal, ``failed``.
"""

import time
from dataclasses import dataclass, field, replace

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from core.engine import Interrupted, interruptible
from core.explain import input_picture
from core.pipeline import run_pipeline
from core.stack import check_stack, run_stack

from .state import DISPLAY_FIELDS
from .workers import EXPECTED_ERRORS, LatestOnly

__all__ = ["Computation", "LayerResult", "SYNC_WORK_LIMIT", "MAX_LIVE_VALUES", "live_work_problem",
           "map_major"]

#: Multiply-adds below which the computation runs synchronously on the GUI thread.
SYNC_WORK_LIMIT = 4_000_000

#: State fields that do not change the numbers (only how they are shown or edited).
_DISPLAY_ONLY = set(DISPLAY_FIELDS)


@dataclass
class LayerResult:
    """The selected layer's input and pipeline result, with the settings that produced them.

    ``image`` is what the layer reads: the dataset's image for layer 1 (``layer`` 0), the maps
    of the layer before (``(h, w, c)``) for deeper ones. ``stack`` holds every layer's
    :class:`core.pipeline.PipelineResult` (batch of one), ``specs`` their settings and
    ``source`` the dataset's image.
    """

    image: np.ndarray
    result: object
    spec: object
    index: int
    generation: int
    seconds: float
    stack: tuple = ()
    specs: tuple = ()
    layer: int = 0
    source: np.ndarray = None

    _picture: object = field(default=None, repr=False, compare=False)

    def input_picture(self, channel=0):
        """What the input view draws (:func:`core.explain.input_picture`), made once: a large
        result makes it in the worker, so redraws and hovers never re-pad the image. For a deep
        layer, of its input map ``channel``."""
        key = 0 if self.layer == 0 else min(int(channel), self.image.shape[2] - 1)
        if self._picture is None or self._picture[0] != key:
            self._picture = (key, input_picture(self.shown_input(channel), self.spec))
        return self._picture[1]

    def shown_input(self, channel=0):
        """The input as the window draws it: the image, or one map (``channel``) of the
        layer before for a deep layer."""
        if self.layer == 0:
            return self.image
        return self.image[:, :, min(int(channel), self.image.shape[2] - 1)]

    @property
    def input_range(self):
        """The value range of a deep layer's input maps, None for layer 1 (the image's own)."""
        if self.layer == 0:
            return None
        low, high = float(np.min(self.image)), float(np.max(self.image))
        return (low, high if high > low else low + 1.0)


def map_major(result):
    """``result`` with each stage laid out map by map in memory (same shapes and values).

    The window reads one kernel's map at a time (``stage[0, :, :, k]``); with the maps
    contiguous, their levels and their rendering read one contiguous run of memory instead of
    every ``nc``-th value. A single layer is computed in that layout to begin with
    (``run_pipeline(..., map_major=True)``: nothing to copy); a stack's layers are copied here,
    where the result is computed (a worker thread for large work), not where it is drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec, run_pipeline
    >>> result = map_major(run_pipeline(np.ones((1, 6, 6)), PipelineSpec(np.ones((3, 3, 1, 2)))))
    >>> result.conv.shape, result.conv[0, :, :, 1].flags.c_contiguous
    ((1, 4, 4, 2), True)
    """
    copies = {}

    def relaid(stage):
        if stage is None or stage.shape[-1] == 1:
            return stage
        if id(stage) not in copies:
            copies[id(stage)] = np.ascontiguousarray(stage.transpose(0, 3, 1, 2)) \
                .transpose(0, 2, 3, 1)
        return copies[id(stage)]
    return replace(result, conv=relaid(result.conv), activated=relaid(result.activated),
                   pooled=relaid(result.pooled))


def _run_stack(image, specs, layer, index, generation):
    start = time.perf_counter()
    if len(specs) == 1:
        results = [run_pipeline(image[None], specs[0], dtype=np.float32, map_major=True)]
    else:
        results = run_stack(image[None], specs, dtype=np.float32)
    layer_input = image if layer == 0 else results[layer - 1].final[0]
    return LayerResult(layer_input, map_major(results[layer]), specs[layer], index, generation,
                       time.perf_counter() - start, stack=tuple(results), specs=tuple(specs),
                       layer=layer, source=image)


def _work(image, spec):
    kh, kw, c, nc = spec.kernels.shape
    return image.shape[0] * image.shape[1] * kh * kw * c * nc


#: The most output values one live recomputation may produce (per stage, all kernels
#: together): 32 million float32 values are 128 MB.
MAX_LIVE_VALUES = 32_000_000


def live_work_problem(image, spec):
    """Why recomputing ``image`` with ``spec`` live would be too much work, or None.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> live_work_problem(np.zeros((28, 28)), PipelineSpec(np.ones((3, 3, 1, 1)))) is None
    True
    """
    try:
        conv_hw, _ = spec.shapes(np.shape(image)[:2])
    except ValueError:
        return None  # the computation itself reports a bad setting
    values = conv_hw[0] * conv_hw[1] * spec.kernels.shape[3]
    if values <= MAX_LIVE_VALUES:
        return None
    return (f"{conv_hw[0]} x {conv_hw[1]} feature maps for {spec.kernels.shape[3]} kernels are "
            f"{values / 1e6:.0f} million values, more than the {MAX_LIVE_VALUES / 1e6:.0f} "
            "million shown live; use fewer kernels or a smaller image")


class Computation(QObject):
    """Keeps ``latest`` (a :class:`LayerResult`) in step with an :class:`ExplorerState`.

    Signals
    -------
    resultReady(LayerResult)
        A new result for the current settings.
    failed(str)
        The current settings cannot be computed (e.g. the kernel is larger than the padded
        image); the message says why. ``latest`` keeps the last good result and ``failure``
        holds the message until a new result arrives, so views can show why instead.
    busyChanged(bool)
        A background computation started or finished.
    """

    resultReady = pyqtSignal(object)
    failed = pyqtSignal(str)
    busyChanged = pyqtSignal(bool)

    def __init__(self, state, parent=None, *, sync_limit=SYNC_WORK_LIMIT):
        super().__init__(parent)
        self.state = state
        self.sync_limit = sync_limit
        self.latest = None
        self.failure = None  # why the current settings cannot be computed, or None
        self.generation = 0
        self._job_generation = None
        self._runner = LatestOnly(self)
        self._runner.finished.connect(self._on_job_done)
        self._runner.failed.connect(self._on_job_error)
        self._runner.busyChanged.connect(self.busyChanged)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.compute_now)
        state.changed.connect(self._on_state_changed)

    def _on_state_changed(self, name):
        if name not in _DISPLAY_ONLY:
            self.request()

    def request(self):
        """Ask for a recomputation; several requests in one event-loop turn make one."""
        self.generation += 1
        self._pending.start()

    def compute_now(self):
        """Compute for the current settings (synchronously if small, else in the pool)."""
        self._pending.stop()
        self.generation += 1
        image = self.state.image
        if image is None:
            return
        image = np.asarray(image)
        try:
            specs = self.state.stack()
            shapes = check_stack(specs, image.shape) if len(specs) > 1 else None
        except (ValueError, TypeError) as exc:
            self._fail(str(exc))
            return
        layer = min(self.state.selected_layer, len(specs) - 1)
        generation, index = self.generation, self.state.index
        if shapes is None:  # one layer: its input is the image
            inputs = [image]
        else:
            inputs = [np.broadcast_to(np.float32(0), s.input_hw + (s.channels,)) for s in shapes]
        if sum(_work(x, spec) for x, spec in zip(inputs, specs)) <= self.sync_limit:
            try:
                view = _run_stack(image, specs, layer, index, generation)
            except EXPECTED_ERRORS as exc:
                self._fail(str(exc))
                return
            self._deliver(view)
            return
        for number, (x, spec) in enumerate(zip(inputs, specs), start=1):
            problem = live_work_problem(x, spec)
            if problem:
                self._fail(problem if len(specs) == 1 else f"layer {number}: {problem}")
                return

        def job():
            yield None  # a request superseded while it waited for a thread stops here, unrun
            try:
                with interruptible(lambda: self.generation != generation):
                    view = _run_stack(image, specs, layer, index, generation)
            except Interrupted:  # newer settings superseded it: nobody waits for this result
                return None
            view.input_picture()
            return view
        self._job_generation = generation
        self._runner.submit(job)

    def _on_job_done(self, _runner_generation, view):
        # The runner already dropped jobs it superseded; this drops results of older settings.
        if view is not None and view.generation == self.generation:
            self._deliver(view)

    def _on_job_error(self, _runner_generation, message):
        if self._job_generation == self.generation:
            self._fail(message)

    def _fail(self, message):
        # The engine counts images in the batch it got: one, the image shown.
        message = message.replace("image 0 has NaN", f"image #{self.state.index} has NaN")
        self.failure = message
        self.failed.emit(message)

    def _deliver(self, view):
        self.failure = None
        self.latest = view
        self.resultReady.emit(view)

    def is_current(self):
        """True when ``latest`` was computed from the current settings."""
        return (self.latest is not None and self.latest.generation == self.generation
                and not self._pending.isActive())

    def wait_idle(self, timeout_ms=10_000):
        """Block until background jobs finish (for scripts and tests)."""
        self._runner.wait_idle(timeout_ms)
