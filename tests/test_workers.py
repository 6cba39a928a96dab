"""The one worker mechanism and the one error sink."""

import io
import sys
import threading

import numpy as np
import pytest

from convgui import dialogs
from convgui import errors as error_sink
from convgui.workers import LatestOnly, Worker


def _counting(n, log):
    def job():
        for i in range(n):
            log.append(i)
            yield i + 1, n
        return n
    return job


def test_worker_reports_progress_then_result(qtbot):
    steps = []
    worker = Worker(_counting(4, []), interval=0.0)
    worker.progress.connect(lambda done, total: steps.append((done, total)))
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == [4]
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert not worker.is_running()


def test_worker_turns_an_ordinary_error_into_failed(qtbot, errors):
    def job():
        yield 0, 1
        raise ValueError("kernel too big")

    worker = Worker(job)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == ["kernel too big"]
    assert errors == []            # an ordinary failure is shown where the task started


def test_worker_reports_a_bug_to_the_error_sink(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, message: shown.append(message))
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    error_sink.install()
    try:
        worker = Worker(lambda: {}["missing"])
        with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
            worker.start()
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    finally:
        error_sink.uninstall()
    assert blocker.args == ["'missing'"]
    assert "KeyError" in shown[0]
    assert "KeyError" in sys.stderr.getvalue() and "Traceback" in sys.stderr.getvalue()


def test_threading_excepthook_reaches_the_sink(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, message: shown.append(title))
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    before = threading.excepthook
    error_sink.install()
    try:
        assert threading.excepthook is not before
        thread = threading.Thread(target=lambda: 1 / 0, name="loader")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    finally:
        error_sink.uninstall()
    assert threading.excepthook is before
    assert "loader" in shown[0]


def test_cancel_stops_between_steps(qtbot):
    log = []
    release = threading.Event()

    def job():
        yield 1, 100
        release.wait(5)
        for i in range(2, 101):
            log.append(i)
            yield i, 100
        return "never"

    worker = Worker(job, interval=0.0)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.start()
        qtbot.waitUntil(lambda: worker.is_running(), timeout=2000)
        worker.cancel()
        release.set()
    assert len(log) <= 1           # stopped at the first yield after cancel


def test_latest_only_drops_and_stops_superseded_jobs(qtbot):
    first_log, results = [], []
    gate = threading.Event()

    def slow():
        gate.wait(5)
        for i in range(1000):
            first_log.append(i)
            yield i + 1, 1000
        return "old"

    runner = LatestOnly()
    runner.finished.connect(lambda generation, result: results.append((generation, result)))
    busy = []
    runner.busyChanged.connect(busy.append)
    old = runner.submit(slow)
    new = runner.submit(lambda: "new")
    gate.set()
    assert runner.wait_idle(5000)
    qtbot.waitUntil(lambda: busy and busy[-1] is False, timeout=5000)
    assert (old, new) == (1, 2)
    assert results == [(2, "new")]
    assert len(first_log) <= 1     # the superseded generator was closed at its first yield


def test_latest_only_synchronous_mode_runs_in_place():
    runner = LatestOnly(synchronous=True)
    got = []
    runner.failed.connect(lambda generation, message: got.append((generation, message)))
    runner.submit(lambda: np.zeros(2) + "x")
    assert len(got) == 1 and got[0][0] == 1 and "add" in got[0][1].lower()
    assert not runner.is_busy()


def test_error_report_without_sink_only_logs():
    log = io.StringIO()
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        error_sink.report(exc, log=log)
    assert "RuntimeError: boom" in log.getvalue()


@pytest.mark.parametrize("exc", [KeyboardInterrupt])
def test_ctrl_c_is_not_swallowed(exc, monkeypatch):
    called = []
    monkeypatch.setattr(sys, "__excepthook__", lambda *a: called.append(a[0]))
    error_sink.install()
    try:
        sys.excepthook(exc, exc(), None)
    finally:
        error_sink.uninstall()
    assert called == [exc]
