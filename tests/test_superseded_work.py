"""Quick edits on a large photo: superseded background work stops, the last edit wins."""

import threading

import numpy as np
from scipy import ndimage

import convgui.compute as compute
from conftest import settle
from core.datasets import Dataset
from core.engine import Interrupted


def test_quick_edits_stop_superseded_work_and_show_the_last(window, qtbot, monkeypatch):
    outcomes = []
    started = threading.Event()
    original = compute.run_pipeline

    def recording(images, spec, **kwargs):
        started.set()
        try:
            result = original(images, spec, **kwargs)
        except Interrupted:
            outcomes.append("stopped")
            raise
        outcomes.append("finished")
        return result
    monkeypatch.setattr(compute, "run_pipeline", recording)
    rng = np.random.default_rng(4)
    photo = rng.integers(0, 256, (1, 700, 700), dtype=np.uint8)
    window.set_dataset(Dataset(photo, name="photo"))
    settle(qtbot, window)
    outcomes.clear()
    kernels = [rng.standard_normal((9, 9, 1, 6)) for _ in range(3)]
    for i, bank in enumerate(kernels):  # three edits, each while the previous one computes
        started.clear()
        window.state.kernels = bank
        window.computation.compute_now()
        if i < len(kernels) - 1:
            assert started.wait(10), "the edit's work never started"
    qtbot.waitUntil(window.computation.is_current, timeout=20000)
    window.computation.wait_idle()
    # Superseded requests either never started (dropped while waiting for a thread) or stopped
    # between blocks: only the last one runs to its end.
    assert outcomes.count("finished") == 1 and outcomes[-1] == "finished", outcomes
    shown = window.computation.latest.result.conv[0, :, :, 5]
    expected = ndimage.correlate(photo[0].astype(np.float64), kernels[-1][:, :, 0, 5],
                                 mode="constant")[4:-4, 4:-4]
    np.testing.assert_allclose(shown, expected, atol=1e-3 * np.abs(expected).max())
