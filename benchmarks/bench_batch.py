"""Whole-dataset processing: the batch path against the bare ``core`` call, and the window's
responsiveness while a batch runs.

Usage::

    .venv/bin/python benchmarks/bench_batch.py            # full W1 size (about half a minute)
    .venv/bin/python benchmarks/bench_batch.py --quick    # small sizes, a few seconds
    .venv/bin/python benchmarks/bench_batch.py --repeat 7 --no-gui

Workload W1: 50,000 random float32 images 28×28, one 3×3 kernel [[1, 0, -1]] * 3, 'valid',
then max pooling 2×2 stride 2 → output (50000, 13, 13, 1) float32.

Methods, interleaved within each repetition in a rotating order (median reported, outputs
checked equal first):

* ``core run_pipeline``   ``core.pipeline.run_pipeline(images, spec, dtype=float32)`` on the
  whole array (the reference "bare core" time);
* ``core conv2d+pool2d``  the two engine calls directly;
* ``batch (memory)``      ``core.batch.run_batch`` end to end: output allocation, the chunked
  loop, the progress callback (throttled like the GUI's);
* ``batch (worker)``      the GUI's ``Worker`` running ``batch_job`` synchronously
  (allocation, chunking, throttled progress signals, the ``BatchResult``);
* ``batch (.npy file)``   ``core.batch.iter_batch_to_npy`` into a memory-mapped temporary file,
  renamed at the end.

Peak memory is measured in a separate run per method with ``tracemalloc`` (which sees NumPy's
allocations but not memory maps) and compared with the output size and one chunk.

Event-loop latency: a real ``MainWindow`` (offscreen) with the same data; while a
``Worker`` runs the batch on its thread, a 10 ms ``QTimer`` records how late each tick
fires. A W1 batch takes well under a second, so batches run back to back for a few seconds.
Reported: p50 / p99 / max lateness during the batches, and the same with no batch.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import batch  # noqa: E402
from core.engine import conv2d, pool2d  # noqa: E402
from core.pipeline import PipelineSpec, run_pipeline  # noqa: E402

F32 = np.float32
KERNEL = np.array([[1.0, 0.0, -1.0]] * 3)


def workload(count, seed=0):
    images = np.random.default_rng(seed).random((count, 28, 28), dtype=F32)
    spec = PipelineSpec(KERNEL[:, :, None, None], pool_mode="max", pool_shape=(2, 2),
                        pool_stride=(2, 2))
    return images, spec


def methods(images, spec, scratch):
    """name → function returning the (n, 13, 13, 1) output."""
    def core_pipeline():
        return run_pipeline(images, spec, dtype=F32).final

    def core_engine():
        conv = conv2d(images, spec.kernels, dtype=F32)
        return pool2d(conv, (2, 2), stride=(2, 2), mode="max", dtype=F32)

    def batch_memory():
        throttle = batch.Throttle(0.05)
        reports = []

        def progress(done, total):
            if throttle.ready(force=done == total):
                reports.append(done)

        return batch.run_batch(images, spec, dtype=F32, progress=progress)

    def batch_worker():
        from convgui.batch_job import batch_job
        from convgui.workers import Worker
        from core.datasets import Dataset

        results = []
        worker = Worker(batch_job(Dataset(images, name="bench"), spec, dtype=F32))
        worker.finished.connect(results.append)
        worker.run_here()
        return results[0].outputs

    def batch_npy():
        target = os.path.join(scratch, "w1.npy")
        for _ in batch.iter_batch_to_npy(target, images, spec, dtype=F32):
            pass
        return np.load(target, mmap_mode="r")

    found = {"core run_pipeline": core_pipeline, "core conv2d+pool2d": core_engine,
             "batch (memory)": batch_memory, "batch (.npy file)": batch_npy}
    try:
        import PyQt5  # noqa: F401
    except ImportError:
        return found
    found["batch (worker)"] = batch_worker
    return found


def time_methods(funcs, repeat):
    times = {name: [] for name in funcs}
    names = list(funcs)
    for rep in range(repeat):
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            func = funcs[name]
            start = time.perf_counter()
            out = func()
            times[name].append(time.perf_counter() - start)
            del out
    return {name: statistics.median(values) for name, values in times.items()}


def peak_memory(func):
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak


# --------------------------------------------------------------------------------------------
# event-loop latency in a real window


def _quiet_settings():
    home = tempfile.mkdtemp(prefix="bench-batch-home-")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(home, "config")
    os.environ["XDG_DATA_HOME"] = os.path.join(home, "data")
    os.environ["HOME"] = home
    from PyQt5.QtCore import QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, os.path.join(home, "settings"))
    QSettings.setDefaultFormat(QSettings.IniFormat)


def _lateness(app, until, interval_ms=10):
    """Run the event loop until ``until()`` is true; return each 10 ms tick's lateness (s)."""
    from PyQt5.QtCore import QTimer

    late = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        late.append(max(0.0, now - last[0] - interval_ms / 1000))
        last[0] = now
        if until():
            timer.stop()
            app.quit()

    timer = QTimer()
    timer.setTimerType(0)  # Qt.PreciseTimer
    timer.timeout.connect(tick)
    timer.start(interval_ms)
    app.exec_()
    return late


def event_loop_latency(images, spec, idle_seconds=1.0, busy_seconds=2.0):
    _quiet_settings()
    from PyQt5.QtWidgets import QApplication

    from convgui.batch_job import batch_job
    from convgui.main_window import MainWindow
    from convgui.workers import Worker
    from core.datasets import Dataset

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(restore=False)
    dataset = Dataset(images, labels=np.zeros(len(images), np.int64), name="bench: X_train",
                      key="X_train")
    window.set_dataset(dataset)
    window.state.kernels = KERNEL
    window.state.pool_mode = "max"
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    began = time.perf_counter()
    idle = _lateness(app, lambda: time.perf_counter() - began > idle_seconds)

    # One W1 batch takes a fraction of a second, so batches run back to back (each on a new
    # worker thread, as the dialog does) until about ``busy_seconds`` passed.
    results, progress, workers = [], [], []

    def launch():
        worker = Worker(batch_job(dataset, spec, dtype=F32))
        worker.finished.connect(on_end)
        worker.failed.connect(on_end)
        worker.progress.connect(lambda done, total: progress.append(done))
        workers.append(worker)
        worker.start()

    def on_end(result):
        workers[-1].wait()
        results.append(result)
        if time.perf_counter() - began < busy_seconds and isinstance(result, batch.BatchResult):
            launch()

    began = time.perf_counter()
    launch()
    busy = _lateness(app, lambda: bool(results) and not workers[-1].is_running()
                     and len(results) == len(workers))
    seconds = (time.perf_counter() - began) / len(results)
    failures = [r for r in results if not isinstance(r, batch.BatchResult)]
    if failures:
        raise RuntimeError(f"the batch failed in the window: {failures[0]}")
    window.close()
    return idle, busy, seconds, len(results), len(progress)


def _stats(values):
    ms = np.array(values) * 1000
    return np.percentile(ms, 50), np.percentile(ms, 99), ms.max()


# --------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 images, 3 repetitions")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions (median; >= 3)")
    parser.add_argument("--count", type=int, default=None, help="number of images")
    parser.add_argument("--no-gui", action="store_true", help="skip the event-loop measurement")
    args = parser.parse_args(argv)
    count = args.count or (5_000 if args.quick else 50_000)
    repeat = max(3, args.repeat or (3 if args.quick else 5))

    images, spec = workload(count)
    out_bytes = batch.output_nbytes(images.shape, spec)
    chunk = batch.chunk_size(images.shape, spec)
    chunk_bytes = chunk * 26 * 26 * 4
    print(f"W1: {count:,} x 28 x 28 float32, 3x3 kernel, max pool 2x2/2 -> "
          f"{batch.batch_output_shape(images.shape, spec)} float32 ({out_bytes / 2**20:.1f} MB); "
          f"chunk {chunk} images ({chunk_bytes / 2**20:.1f} MB of conv output); "
          f"median of {repeat}, methods interleaved")

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        funcs = methods(images, spec, scratch)
        reference = run_pipeline(images, spec, dtype=np.float64).final
        for name, func in funcs.items():
            got = np.asarray(func())
            scale = float(np.abs(reference).max())
            if got.shape != reference.shape or not np.allclose(got, reference, rtol=1e-5,
                                                               atol=1e-6 * scale):
                raise SystemExit(f"{name} does not match the float64 reference")
        del reference
        times = time_methods(funcs, repeat)
        peaks = {name: peak_memory(func) for name, func in funcs.items()}

    bare = times["core run_pipeline"]
    print()
    print(f"{'method':<22} {'median s':>9} {'vs core':>8} {'peak MB':>9} {'peak/out':>9}")
    for name in funcs:
        print(f"{name:<22} {times[name]:>9.3f} {times[name] / bare:>7.2f}x "
              f"{peaks[name] / 2**20:>9.1f} {peaks[name] / out_bytes:>8.2f}x")
    budget = 1.5 * out_bytes + chunk_bytes
    print(f"\noutput {out_bytes / 2**20:.1f} MB; memory budget 1.5 x output + one chunk = "
          f"{budget / 2**20:.1f} MB; batch (memory) peak "
          f"{peaks['batch (memory)'] / 2**20:.1f} MB "
          f"({'within' if peaks['batch (memory)'] <= budget else 'OVER'} budget)")
    print(f"batch overhead end to end: {times['batch (memory)'] / bare:.2f}x the bare core time "
          f"(target <= 1.3x)")

    if args.no_gui:
        return 0
    idle, busy, seconds, runs, reports = event_loop_latency(
        images, spec, *((0.5, 0.5) if args.quick else (1.0, 3.0)))
    print("\nevent-loop lateness of a 10 ms QTimer in the window (ms):")
    print(f"{'':<22} {'ticks':>6} {'p50':>7} {'p99':>7} {'max':>7}")
    for name, values in (("idle", idle), ("during the batch", busy)):
        p50, p99, worst = _stats(values)
        print(f"{name:<22} {len(values):>6} {p50:>7.1f} {p99:>7.1f} {worst:>7.1f}")
    p99 = _stats(busy)[1]
    print(f"{runs} batches back to back in the window: {seconds:.3f} s each "
          f"({seconds / bare:.2f}x bare core), {reports} progress signals in all; "
          f"p99 lateness {p99:.1f} ms (target <= 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
