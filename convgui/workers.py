"""Long tasks off the GUI thread: one worker mechanism for the whole app.

A *job* is a function without arguments. If it is a generator function it yields
``(done, total)`` as it goes and *returns* its result (``return result`` inside the generator);
between two yields it is the place where it is stopped when cancelled or superseded. A plain
function is a job with no steps.

:class:`Worker` runs one job on Qt's thread pool (or synchronously with :meth:`Worker.run_here`,
for scripts and tests) and reports on the GUI thread. Exactly one of ``finished``, ``failed``,
``cancelled`` is emitted per run. Every exception is caught: ordinary failures (``ValueError``,
``TypeError``, ``OSError``, ``MemoryError`` — bad settings, unreadable files) become
``failed(message)``; anything else is also reported to :func:`convgui.errors.report` (traceback
plus one dialog) — a bug never passes silently and never kills the app.

:class:`LatestOnly` runs a stream of jobs where only the newest matters (recompute after every
kernel edit, load the file picked last): each :meth:`LatestOnly.submit` gets a new generation
number, asks the running job to stop at its next yield, and drops whatever an older job
still delivers.

Examples
--------
>>> def count_to(n):
...     def job():
...         for i in range(n):
...             yield i + 1, n
...         return f"counted to {n}"
...     return job
>>> worker = Worker(count_to(3), interval=0)
>>> _ = worker.progress.connect(lambda done, total: print(f"{done}/{total}"))
>>> _ = worker.finished.connect(print)
>>> worker.run_here()
1/3
2/3
3/3
counted to 3

The same with only the newest request kept (``synchronous=True`` runs each job at once, as tests
do; in the app jobs run on the thread pool):

>>> runner = LatestOnly(synchronous=True)
>>> _ = runner.finished.connect(lambda generation, result: print(generation, result))
>>> runner.submit(count_to(2))
1 counted to 2
1
"""

import threading
import time

from PyQt5.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

from core.batch import Throttle

from . import errors

__all__ = ["Worker", "LatestOnly", "EXPECTED_ERRORS"]

#: Exceptions that are ordinary failures (shown where the task was started), not bugs.
EXPECTED_ERRORS = (ValueError, TypeError, OSError, MemoryError)


class _Runnable(QRunnable):
    def __init__(self, target):
        super().__init__()
        self.setAutoDelete(True)
        self._target = target

    def run(self):
        self._target()


class Worker(QObject):
    """Runs one job and reports on the GUI thread.

    Signals
    -------
    progress(int, int)
        ``(done, total)``, at most one per ``interval`` seconds (the last step always comes).
    finished(object)
        The job's result.
    failed(str)
        The job raised; the message says why (generators are closed, so files they were
        writing are removed by their own cleanup).
    cancelled()
        :meth:`cancel` stopped the job between two steps.
    """

    progress = pyqtSignal(int, int)
    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(self, job, *, interval=0.05, parent=None, pool=None):
        super().__init__(parent)
        self._job = job
        self.interval = interval
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._done.set()
        self._pool = pool

    def start(self):
        """Run the job on the thread pool (returns at once)."""
        if self.is_running():
            raise RuntimeError("this worker is already running")
        self._cancel.clear()
        self._done.clear()
        (self._pool or QThreadPool.globalInstance()).start(_Runnable(self._run))

    def run_here(self):
        """Run the job synchronously on the calling thread (scripts and tests)."""
        self._cancel.clear()
        self._done.clear()
        self._run()

    def cancel(self):
        """Ask the job to stop before its next step."""
        self._cancel.set()

    def is_cancelled(self):
        """True once :meth:`cancel` was called for this run."""
        return self._cancel.is_set()

    def is_running(self):
        """True from :meth:`start` until the job has ended."""
        return not self._done.is_set()

    def wait(self, timeout_ms=30_000):
        """Block until the job ends; True if it did within ``timeout_ms``."""
        return self._done.wait(timeout_ms / 1000)

    def _run(self):
        try:
            outcome = self._steps()
        finally:
            self._done.set()
        kind, value = outcome
        if kind == "finished":
            self.finished.emit(value)
        elif kind == "failed":
            self.failed.emit(value)
        else:
            self.cancelled.emit()

    def _steps(self):
        throttle = Throttle(self.interval)
        steps = None
        try:
            steps = self._job()
            if not hasattr(steps, "__next__"):
                return "finished", steps
            while True:
                if self._cancel.is_set():
                    steps.close()
                    return "cancelled", None
                try:
                    step = next(steps)
                except StopIteration as stop:
                    return "finished", stop.value
                if step is not None:
                    done, total = step
                    if throttle.ready(force=done >= total):
                        self.progress.emit(int(done), int(total))
        except BaseException as exc:  # noqa: BLE001 - every failure is reported, none is fatal
            if steps is not None and hasattr(steps, "close"):
                try:
                    steps.close()
                except Exception:  # noqa: BLE001
                    pass
            if not isinstance(exc, EXPECTED_ERRORS):
                errors.report(exc, context="A background task failed")
            if not isinstance(exc, Exception):
                raise
            return "failed", str(exc) or type(exc).__name__


class LatestOnly(QObject):
    """Runs jobs where only the newest request counts.

    Signals carry the generation number of the job that produced them; signals of a job that is
    no longer the newest are never emitted.

    Signals
    -------
    progress(int, int, int)
        ``(generation, done, total)``.
    finished(int, object)
        ``(generation, result)``.
    failed(int, str)
        ``(generation, message)``.
    busyChanged(bool)
        True when a job starts while none ran; False when the last running job ended (however
        it ended), so a "working…" indicator never stays on after a failure.
    """

    progress = pyqtSignal(int, int, int)
    finished = pyqtSignal(int, object)
    failed = pyqtSignal(int, str)
    busyChanged = pyqtSignal(bool)

    def __init__(self, parent=None, *, synchronous=False, interval=0.05):
        super().__init__(parent)
        self.synchronous = synchronous
        self.interval = interval
        self.generation = 0
        self._running = {}

    def submit(self, job, *, synchronous=None):
        """Start ``job`` as the newest request; return its generation number.

        Running older jobs are asked to stop at their next yield and their results are dropped.
        ``synchronous`` (default: the runner's setting) runs it now, on this thread.
        """
        self.cancel_running()
        self.generation += 1
        generation = self.generation
        worker = Worker(job, interval=self.interval, parent=self)
        worker.progress.connect(lambda done, total: self._on_progress(generation, done, total))
        worker.finished.connect(
            lambda result: self._on_end(generation, worker, "finished", result))
        worker.failed.connect(lambda message: self._on_end(generation, worker, "failed", message))
        worker.cancelled.connect(lambda: self._on_end(generation, worker, "cancelled", None))
        if not self._running:
            self.busyChanged.emit(True)
        self._running[generation] = worker
        if self.synchronous if synchronous is None else synchronous:
            worker.run_here()
        else:
            worker.start()
        return generation

    def supersede(self):
        """Make every running job stale without starting a new one (e.g. settings changed)."""
        self.cancel_running()
        self.generation += 1

    def cancel_running(self):
        """Ask every running job to stop at its next yield."""
        for worker in self._running.values():
            worker.cancel()

    def is_busy(self):
        """True while any job runs."""
        return bool(self._running)

    def wait_idle(self, timeout_ms=10_000):
        """Block until every job ended (scripts and tests); True if they did in time.

        The jobs' signals are delivered when the event loop next runs.
        """
        deadline = time.perf_counter() + timeout_ms / 1000
        for worker in list(self._running.values()):
            if not worker.wait(max(0.0, deadline - time.perf_counter()) * 1000):
                return False
        return True

    def _on_progress(self, generation, done, total):
        if generation == self.generation:
            self.progress.emit(generation, done, total)

    def _on_end(self, generation, worker, kind, value):
        self._running.pop(generation, None)
        worker.deleteLater()
        if generation == self.generation:
            if kind == "finished":
                self.finished.emit(generation, value)
            elif kind == "failed":
                self.failed.emit(generation, value)
        if not self._running:
            self.busyChanged.emit(False)
