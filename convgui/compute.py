"""Recomputes the current image's feature maps whenever the settings change.

Small work (a digit, a small kernel) runs at once on the GUI thread: it takes well under a frame
and a thread hop would only add latency. Larger work runs on Qt's thread pool; every request
carries a generation number and a result whose generation is no longer current is dropped, so a
slow photo never overwrites what a newer kernel produced; superseded work also stops between the
engine's blocks (:func:`core.engine.interruptible`) instead of running to its end. Errors go to
one signal, ``failed``.
"""

import time
from dataclasses import dataclass

import numpy as np
from PyQt5.QtCore import QObject, QRunnable, QThreadPool, QTimer, pyqtSignal

from core.engine import Interrupted, interruptible
from core.pipeline import run_pipeline

__all__ = ["Computation", "ComputedView", "SYNC_WORK_LIMIT"]

#: Multiply-adds below which the computation runs synchronously on the GUI thread.
SYNC_WORK_LIMIT = 4_000_000

#: State fields that do not change the numbers (only how they are shown or edited).
_DISPLAY_ONLY = {"colormap", "mapping", "active_kernel", "active_channel"}


@dataclass
class ComputedView:
    """One image's input and pipeline result, with the settings that produced them."""

    image: np.ndarray
    result: object
    spec: object
    index: int
    generation: int
    seconds: float


class _Signals(QObject):
    done = pyqtSignal(int, object, float)
    error = pyqtSignal(int, str)


class _Job(QRunnable):
    """One background computation; ``is_stale()`` True stops it between the engine's blocks."""

    def __init__(self, generation, image, spec, is_stale):
        super().__init__()
        self.generation, self.image, self.spec = generation, image, spec
        self.is_stale = is_stale
        self.signals = _Signals()

    def run(self):
        start = time.perf_counter()
        try:
            with interruptible(self.is_stale):
                result = run_pipeline(self.image[None], self.spec, dtype=np.float32)
        except Interrupted as exc:  # a newer request superseded it: nobody waits for it
            self.signals.error.emit(self.generation, str(exc))
            return
        except (ValueError, TypeError, MemoryError) as exc:
            self.signals.error.emit(self.generation, str(exc))
            return
        self.signals.done.emit(self.generation, result, time.perf_counter() - start)


def _work(image, spec):
    kh, kw, c, nc = spec.kernels.shape
    return image.shape[0] * image.shape[1] * kh * kw * c * nc


class Computation(QObject):
    """Keeps ``latest`` (a :class:`ComputedView`) in step with an :class:`ExplorerState`.

    Signals
    -------
    resultReady(ComputedView)
        A new result for the current settings.
    failed(str)
        The current settings cannot be computed (e.g. the kernel is larger than the padded
        image); the message says why. ``latest`` keeps the last good result.
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
        self.generation = 0
        self._jobs = {}
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
            spec = self.state.spec()
        except (ValueError, TypeError) as exc:
            self.failed.emit(str(exc))
            return
        generation, index = self.generation, self.state.index
        if _work(image, spec) <= self.sync_limit:
            start = time.perf_counter()
            try:
                result = run_pipeline(image[None], spec, dtype=np.float32)
            except (ValueError, TypeError, MemoryError) as exc:
                self.failed.emit(str(exc))
                return
            self._deliver(ComputedView(image, result, spec, index, generation,
                                       time.perf_counter() - start))
            return
        job = _Job(generation, image, spec, lambda: self.generation != generation)
        job.signals.done.connect(
            lambda gen, result, secs: self._on_job_done(gen, image, spec, index, result, secs))
        job.signals.error.connect(self._on_job_error)
        self._jobs[generation] = job
        self.busyChanged.emit(True)
        QThreadPool.globalInstance().start(job)

    def _on_job_done(self, generation, image, spec, index, result, seconds):
        self._jobs.pop(generation, None)
        if not self._jobs:
            self.busyChanged.emit(False)
        if generation == self.generation:
            self._deliver(ComputedView(image, result, spec, index, generation, seconds))

    def _on_job_error(self, generation, message):
        self._jobs.pop(generation, None)
        if not self._jobs:
            self.busyChanged.emit(False)
        if generation == self.generation:
            self.failed.emit(message)

    def _deliver(self, view):
        self.latest = view
        self.resultReady.emit(view)

    def is_current(self):
        """True when ``latest`` was computed from the current settings."""
        return (self.latest is not None and self.latest.generation == self.generation
                and not self._pending.isActive())

    def wait_idle(self, timeout_ms=10_000):
        """Block until background jobs finish (for scripts and tests)."""
        QThreadPool.globalInstance().waitForDone(timeout_ms)
