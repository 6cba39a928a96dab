"""Live recomputation stays bounded: too much work is refused with a message, and requests
superseded while they waited for a thread never run."""

import threading

import numpy as np
from PyQt5.QtCore import QThreadPool

from convgui import compute
from convgui.compute import MAX_LIVE_VALUES, Computation
from convgui.state import ExplorerState
from core.datasets import Dataset
from core.pipeline import run_pipeline


def test_too_much_live_work_is_refused_with_a_message_and_keeps_the_last_result(qtbot):
    state = ExplorerState()
    state.dataset = Dataset(np.random.default_rng(0).random((1, 2000, 2000)), name="big")
    computation = Computation(state)
    state.kernels = np.ones((1, 1, 1, 1))
    computation.compute_now()
    computation.wait_idle()
    qtbot.waitUntil(lambda: computation.latest is not None, timeout=20_000)
    before = computation.latest
    messages = []
    computation.failed.connect(messages.append)
    state.kernels = np.ones((1, 1, 1, 9))      # 2000 x 2000 x 9 = 36 million values
    assert 2000 * 2000 * 9 > MAX_LIVE_VALUES
    computation.compute_now()
    assert messages and "36 million values" in messages[0] and "fewer kernels" in messages[0]
    assert computation.latest is before


def test_superseded_requests_waiting_for_a_thread_never_run(qtbot, monkeypatch):
    pool = QThreadPool.globalInstance()
    pool.waitForDone(20_000)        # jobs left by earlier tests must not take the one thread
    threads = pool.maxThreadCount()
    pool.setMaxThreadCount(1)
    release = threading.Event()
    calls = []

    def slow_pipeline(images, spec, **kwargs):
        calls.append(spec.stride)
        if len(calls) == 1:
            release.wait(20)
        return run_pipeline(images, spec, **kwargs)

    monkeypatch.setattr(compute, "run_pipeline", slow_pipeline)
    try:
        state = ExplorerState()
        state.dataset = Dataset(np.random.default_rng(1).random((1, 40, 40)), name="small")
        computation = Computation(state, sync_limit=0)     # every request in the background
        for stride in ((1, 1), (2, 2), (3, 3), (4, 4)):
            state.stride = stride
            computation.compute_now()
            if stride == (1, 1):  # the one thread is now busy: the others wait for it
                qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
        release.set()
        assert computation.wait_idle(20_000) is not False
        qtbot.waitUntil(lambda: computation.latest is not None
                        and computation.latest.spec.stride == (4, 4), timeout=20_000)
    finally:
        release.set()
        pool.waitForDone(20_000)
        pool.setMaxThreadCount(threads)
    # (2, 2) and (3, 3) waited for the thread and were dropped before any work
    assert calls == [(1, 1), (4, 4)]
