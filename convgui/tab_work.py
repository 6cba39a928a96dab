"""A tab's own computation, kept off the GUI thread when it is bigger than a frame.

The Pipeline and Compare tabs derive extra maps from the main result (per-channel parts, the
other of correlation / convolution, a variant's map). :class:`TabWork` runs that NumPy work the
way :mod:`convgui.compute` runs the main result: at once on the GUI thread when it is small
(at most :data:`convgui.compute.SYNC_WORK_LIMIT` multiply-adds), otherwise on the thread pool
through :class:`convgui.workers.LatestOnly`. The newest request wins: an older one is stopped
between the engine's blocks (:func:`core.engine.interruptible`) and whatever it still delivers
is dropped. Work made for a main result that the settings have since replaced is stopped too.

Examples
--------
>>> from PyQt5.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> work = TabWork()
>>> _ = work.ready.connect(print)
>>> work.request(lambda: "two maps", cost=10)
two maps
"""

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QLabel

from core.engine import Interrupted, interruptible

from .compute import SYNC_WORK_LIMIT
from .workers import EXPECTED_ERRORS, LatestOnly

__all__ = ["TabWork", "StopWhenHidden", "busy_label"]


class TabWork(QObject):
    """Runs one tab's builds, the newest request winning.

    Signals
    -------
    ready(object)
        What the newest request's ``build`` returned.
    failed(str)
        The newest request's ``build`` raised an ordinary error (bad settings); bugs also go to
        :func:`convgui.errors.report` through the worker.
    busyChanged(bool)
        A background build started (True) or the last one ended, however it ended (False).
    """

    ready = pyqtSignal(object)
    failed = pyqtSignal(str)
    busyChanged = pyqtSignal(bool)

    def __init__(self, parent=None, *, sync_limit=SYNC_WORK_LIMIT):
        super().__init__(parent)
        self.sync_limit = sync_limit
        self.generation = 0
        self._runner = LatestOnly(self)
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._runner.busyChanged.connect(self.busyChanged)

    def request(self, build, *, cost, stale=None):
        """Run ``build()`` (NumPy only) as the newest request and emit ``ready`` with its result.

        ``cost`` (multiply-adds) decides where it runs; ``stale()`` (optional, called from the
        worker thread) returns True once the result is no longer wanted for other reasons, e.g.
        the main result it derives from was replaced.
        """
        self.generation += 1
        generation = self.generation
        if cost <= self.sync_limit:
            self._runner.supersede()
            try:
                result = build()
            except EXPECTED_ERRORS as exc:
                self.failed.emit(str(exc))
                return
            self.ready.emit(result)
            return

        def superseded():
            return self.generation != generation or (stale is not None and stale())

        def job():
            yield None  # a request superseded while it waited for a thread stops here, unrun
            try:
                with interruptible(superseded):
                    return generation, build()
            except Interrupted:
                return None
        self._runner.submit(job)

    def supersede(self):
        """Drop the running build's result and stop it at its next block (tab hidden)."""
        self.generation += 1
        self._runner.supersede()

    def is_busy(self):
        """True while a background build runs."""
        return self._runner.is_busy()

    def wait_idle(self, timeout_ms=10_000):
        """Block until background builds end (scripts and tests); signals come with the next
        event-loop turn."""
        return self._runner.wait_idle(timeout_ms)

    def _on_finished(self, _runner_generation, outcome):
        if outcome is not None and outcome[0] == self.generation:
            self.ready.emit(outcome[1])

    def _on_failed(self, _runner_generation, message):
        # The runner only reports its newest job, and every request is the runner's newest.
        self.failed.emit(message)


class StopWhenHidden:
    """Mixin for a tab widget with a :class:`TabWork` as ``self.work`` (list it before the Qt
    class): picking another tab (not minimising the window) supersedes the running build;
    showing the tab again recomputes it."""

    def hideEvent(self, event):  # noqa: N802 - Qt's name
        if not event.spontaneous():
            self.work.supersede()
        super().hideEvent(event)


def busy_label(work, text="Computing…"):
    """A small label shown only while ``work`` (a :class:`TabWork`) computes in the background."""
    label = QLabel(text)
    label.setToolTip("The maps below are recomputed in the background; the window stays usable")
    label.setStyleSheet("color: #d8a000; font-style: italic;")
    label.setVisible(False)
    work.busyChanged.connect(label.setVisible)
    return label
