#!/usr/bin/env python3
"""Interactive latency of the explorer window.

Measures, in one run on this machine:

1. kernel cell edit → new output image set, for a 28×28 MNIST digit (one 3×3 kernel) and for a
   512×512 RGB photo with a bank of three 3×3×3 kernels and 2×2 max pooling. The edit is typed
   into the kernel grid's cell editor and committed with Enter, as a person does; the clock stops
   when the feature-map image items hold the new result.
2. ``python main.py`` start → painted window → quit, as a subprocess (an upper bound on the time
   to a painted window).

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
        while not (window.computation.is_current()
                   and window.canvas.conv[0].image_item.image is not before):
            app.processEvents()
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    from core.datasets import Dataset
    from convgui.main_window import MainWindow

    window = MainWindow(restore=False)
    window.resize(1500, 900)
    window.show()
    app.processEvents()
    rows = []

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
    window.close()

    rows.append(("python main.py → painted window → quit", *startup_seconds(3), 2.0))

    print(f"{'what':44} {'median ms':>10} {'max ms':>8} {'target ms':>10}")
    for name, median, worst, target in rows:
        mark = "ok" if median <= target else "SLOW"
        print(f"{name:44} {median * 1000:10.1f} {worst * 1000:8.1f} {target * 1000:10.0f}  {mark}")


if __name__ == "__main__":
    main()
