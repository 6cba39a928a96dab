#!/usr/bin/env python3
"""Interactive latency of the explorer window.

Measures, in one run on this machine:

1. kernel cell edit → new output image set, for a 28×28 MNIST digit (one 3×3 kernel) and for a
   512×512 RGB photo with a bank of three 3×3×3 kernels and 2×2 max pooling. The edit is typed
   into the kernel grid's cell editor and committed with Enter, as a person does; the clock stops
   when the feature-map image items hold the new result.
   The same for larger work: a 512×512 photo with 8 kernels 5×5×3 and with 8 kernels 15×15×3,
   a 2048×2048 photo with 3 kernels.
2. one step-through frame on a 2048×2048 photo (a → key press to the frame processed), and one
   hover over an output pixel of a 4000×6000 photo (the inspector's arithmetic and marks).
3. event-loop lateness: a 10 ms timer runs on the GUI thread while kernel edits are recomputed
   with the Feature maps, Pipeline, Compare and Layers tab shown (2048×2048 photo, 3 kernels); the
   worst delay of a tick is how long the window was frozen. Also three kernel edits in a row on
   the 2048×2048 photo with 7 kernels 15×15×3 (8 would exceed the values computed live), each
   while the previous one computes: the time to
   the last one's maps (superseded work should stop, not run to its end).
4. ``python main.py`` start → painted window → quit, as a subprocess (an upper bound on the time
   to a painted window).

``--quick`` shrinks the large photos (for the smoke test; its figures mean nothing).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py [--repeat N]``
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PyQt5.QtCore import Qt  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402
from PyQt5.QtWidgets import QApplication  # noqa: E402


def until_current(app, window, also=lambda: True):
    """Process events until the window shows the current settings' result (and ``also()``);
    a refused or failed computation ends the run with its message instead of spinning."""
    from PyQt5.QtCore import QEventLoop, QTimer

    failures = []
    window.computation.failed.connect(failures.append)
    # Wait for events like the window's own event loop does, instead of spinning: a spinning
    # loop here would take one of the cores (and the GIL) from the computation it waits for.
    # The timer only guarantees a wake-up now and then.
    keepalive = QTimer()
    keepalive.start(5)
    try:
        while not (window.computation.is_current() and also()):
            if failures:
                raise RuntimeError(f"the window could not compute: {failures[0]}")
            app.processEvents(QEventLoop.AllEvents | QEventLoop.WaitForMoreEvents)
    finally:
        keepalive.stop()
        window.computation.failed.disconnect(failures.append)


def edit_latency(app, window, values, repeat):
    """Median/max seconds from Enter in a kernel cell to the new output on screen."""
    grid = window.kernel_editor.grid
    times = []
    for i in range(repeat):
        editor = grid.edit_cell(1, 1)
        editor.selectAll()
        QTest.keyClicks(editor, f"{values[i % len(values)]:g}")
        before = window.canvas.conv[0].image_item.image
        start = time.perf_counter()
        QTest.keyClick(editor, Qt.Key_Return)
        until_current(app, window, lambda: window.canvas.conv[0].image_item.image is not before)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def show_photo(app, window, photo, kernels, name):
    """Open ``photo`` with ``kernels`` ('same' padding, max pooling) and wait for its maps."""
    from core.datasets import Dataset

    window.set_dataset(Dataset(photo, name=name))
    window.state.kernels = kernels
    window.state.padding = "same"
    window.state.pool_mode = "max"
    settle(app, window)


def settle(app, window):
    window.computation.compute_now()
    window.computation.wait_idle()
    until_current(app, window)
    app.processEvents()


def step_frame_latency(app, window, repeat):
    """Median/max seconds of one step-through frame (→ key to the frame processed)."""
    window.stepper.set_active(True)
    app.processEvents()
    window.canvas.setFocus()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        QTest.keyClick(window.canvas, Qt.Key_Right)
        app.processEvents()
        times.append(time.perf_counter() - start)
    window.stepper.set_active(False)
    app.processEvents()
    return statistics.median(times), max(times)


def hover_latency(app, window, repeat):
    """Median/max seconds of a hover over output pixels (the inspector's whole update), once
    the inspector is open: the first hover unfolds it (a new layout of the window, once)."""
    plot = window.canvas.conv[0]
    h, w = plot.values.shape
    rng = np.random.default_rng(5)
    for row, col in ((0, 0), (h - 1, w - 1)):
        window.canvas.hovered.emit("conv", 0, row, col, plot.value_at(row, col))
        app.processEvents()
    times = []
    for _ in range(repeat):
        row, col = int(rng.integers(h)), int(rng.integers(w))
        start = time.perf_counter()
        window.canvas.hovered.emit("conv", 0, row, col, plot.value_at(row, col))
        app.processEvents()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def worst_lateness(app, window, tab, repeat):
    """Worst delay (s) of a 10 ms GUI-thread timer while kernel edits recompute in ``tab``."""
    from PyQt5.QtCore import QTimer

    window.tabs.setCurrentIndex(tab)
    # Showing a tab the first time builds its board (once): that is not an edit's cost.
    work = getattr(window.tabs.currentWidget(), "work", None)
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end or (work is not None and work.is_busy()):
        app.processEvents()
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    for i in range(repeat):
        kernels = window.state.kernels.copy()
        kernels[1, 1, 0, 0] = float(i % 5) - 2.0
        window.state.kernels = kernels
        end = time.perf_counter() + 0.05
        # The Pipeline and Compare tabs compute their own maps after the main result: wait
        # for those too, so their drawing is measured.
        until_current(app, window, lambda: time.perf_counter() >= end
                      and not (work is not None and work.is_busy()))
    timer.stop()
    window.tabs.setCurrentIndex(0)
    app.processEvents()
    gaps = np.diff(ticks) - 0.010 if len(ticks) > 1 else np.array([0.0])
    return float(np.median(gaps)), float(gaps.max())


def quick_edits_seconds(app, window, banks, repeat):
    """Median/max seconds from the first of ``len(banks)`` back-to-back kernel edits (each
    started while the previous one computes) to the last one's maps on screen."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for bank in banks:
            window.state.kernels = bank
            window.computation.compute_now()
            app.processEvents()
        until_current(app, window)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def startup_seconds(repeat):
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=home, HOME=home)
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "main.py", "--fresh", "--quit-after", "1"], cwd=ROOT,
                           env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


class Rows(list):
    """The result rows; each one is also written to stderr as soon as it is measured (the whole
    run takes minutes on a busy machine)."""

    def append(self, row):
        super().append(row)
        name, median, worst = row[:3]
        print(f"  {name}: median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms",
              file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="small photos, for the smoke test")
    args = parser.parse_args()
    big, huge = ((256, 256), (400, 600)) if args.quick else ((2048, 2048), (4000, 6000))
    heavy = max(2, args.repeat // 3)

    app = QApplication.instance() or QApplication([])
    from core.datasets import Dataset
    from convgui.main_window import MainWindow

    window = MainWindow(restore=False)
    window.resize(1500, 900)
    window.show()
    app.processEvents()
    rows = Rows()

    window.state.kernels = np.array([[1.0, 0.0, -1.0]] * 3)
    window.computation.compute_now()
    app.processEvents()
    rows.append(("28×28 digit, 3×3 kernel", *edit_latency(app, window, [2, -1, 0.5, 3],
                                                          args.repeat), 0.030))

    photo = np.random.default_rng(0).integers(0, 256, (1, 512, 512, 3), dtype=np.uint8)
    window.set_dataset(Dataset(photo, name="512×512 photo"))
    window.state.kernels = np.random.default_rng(1).standard_normal((3, 3, 3, 3))
    window.state.padding = "same"
    window.state.pool_mode = "max"
    window.computation.compute_now()
    window.computation.wait_idle()
    app.processEvents()
    rows.append(("512×512×3 photo, 3 kernels + max pool", *edit_latency(
        app, window, [2, -1, 0.5, 3], args.repeat), 0.100))

    rng = np.random.default_rng(2)
    window.state.kernels = rng.standard_normal((5, 5, 3, 8))
    settle(app, window)
    rows.append(("512×512×3 photo, 8 kernels 5×5×3", *edit_latency(
        app, window, [2, -1, 0.5, 3], args.repeat), 0.050))
    window.state.kernels = rng.standard_normal((15, 15, 3, 8))
    settle(app, window)
    rows.append(("512×512×3 photo, 8 kernels 15×15×3", *edit_latency(
        app, window, [2, -1, 0.5, 3], heavy), 0.150))

    photo_big = rng.integers(0, 256, (1,) + big + (3,), dtype=np.uint8)
    tag = "×".join(map(str, big))
    show_photo(app, window, photo_big, rng.standard_normal((3, 3, 3, 3)), f"{tag} photo")
    rows.append((f"{tag}×3 photo, 3 kernels 3×3×3", *edit_latency(
        app, window, [2, -1, 0.5, 3], heavy), 0.150))
    rows.append((f"step-through frame, {tag} photo", *step_frame_latency(
        app, window, args.repeat), 0.016))
    # 7 kernels: 8 maps of 2048² are more values than the window computes live.
    banks = [rng.standard_normal((15, 15, 3, 7)) for _ in range(3)]
    rows.append((f"3 quick edits, {tag} photo, 7 kernels 15×15×3", *quick_edits_seconds(
        app, window, banks, 2), None))
    window.state.kernels = rng.standard_normal((3, 3, 3, 3))
    settle(app, window)
    for widget, name in ((window.canvas, "Feature maps"), (window.pipeline_tab, "Pipeline"),
                         (window.compare_tab, "Compare"), (window.layers_tab, "Layers")):
        median, worst = worst_lateness(app, window, window.tabs.indexOf(widget), heavy)
        rows.append((f"GUI-thread lateness, {name} tab, {tag}", median, worst, 0.050))

    photo_huge = rng.integers(0, 256, (1,) + huge, dtype=np.uint8)
    tag = "×".join(map(str, huge))
    show_photo(app, window, photo_huge, rng.standard_normal((3, 3, 1, 1)), f"{tag} photo")
    rows.append((f"hover, {tag} photo", *hover_latency(app, window, args.repeat), 0.005))
    window.close()

    rows.append(("python main.py → painted window → quit", *startup_seconds(3), 2.0))

    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"{'what':48} {'median ms':>10} {'max ms':>8} {'target ms':>10}")
    for name, median, worst, target in rows:
        # Lateness is judged by its worst tick: one long block is a frozen window.
        value = worst if name.startswith("GUI-thread") else median
        if target is None:  # no target: a figure to compare with a single computation's
            print(f"{name:48} {median * 1000:10.1f} {worst * 1000:8.1f} {'-':>10}")
            continue
        mark = "ok" if value <= target else "SLOW"
        print(f"{name:48} {median * 1000:10.1f} {worst * 1000:8.1f} {target * 1000:10.0f}  {mark}")


if __name__ == "__main__":
    main()
