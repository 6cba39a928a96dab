"""Exporting the step-through: how long a 196-frame animation takes, and how big it is.

Usage::

    .venv/bin/python benchmarks/bench_animation.py            # the full workload (a minute)
    .venv/bin/python benchmarks/bench_animation.py --quick    # 16 small frames, seconds
    .venv/bin/python benchmarks/bench_animation.py --repeat 3

Workload A1: the first bundled MNIST digit, an 8×8 crop, Sobel x 3×3 with 4 pixels of zero
padding (so 14×14 = 196 output pixels, one frame each), frames of 1280×720. The target is a
GIF in at most 10 s on a 2-core machine.

Rows (median of ``--repeat`` runs; the same frames every time):

* ``paint``            painting the frames only (:mod:`convgui.frame_painter`);
* ``gif``              ``core.animation_files.iter_write_animation`` end to end: paint, palette,
  encode, atomic write: what ``main.py animate`` and the dialog do;
* ``apng`` / ``frames``  the same into an animated PNG and a folder of PNGs;
* ``gif 1920x1080``    the GIF at full HD;
* ``Pillow save_all``  reference: the already painted frames handed to Pillow's own animated-GIF
  writer (per-frame quantisation), the obvious way to write a GIF.

Each line gives the wall-clock seconds, the CPU seconds of this process (less sensitive to other
programs on a shared machine), the ratio of the wall time to the 10 s target, and the file
size. The load average is printed too: above the number of cores, timings are inflated.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.animation_files import iter_write_animation  # noqa: E402
from core.datasets import load_sample  # noqa: E402
from core.frames import Animation  # noqa: E402
from core.kernels import as_bank, find_preset  # noqa: E402
from core.pipeline import PipelineSpec  # noqa: E402

TARGET_S = 10.0


def workload(quick):
    image = load_sample("MNIST digits").images[0]
    spec = PipelineSpec(as_bank(find_preset("sobel_x").kernel, 1),
                        padding=(1, 1) if quick else (4, 4))
    animation = Animation(image, spec, crop=4 if quick else 8, kernel_name="Sobel x")
    size = (640, 360) if quick else (1280, 720)
    return animation, size


def _size(path):
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return path.stat().st_size


def measure(label, action, repeat):
    times, cpu, size = [], [], 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            started, started_cpu = time.perf_counter(), time.process_time()
            path = action(Path(folder))
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            size = _size(path) if path is not None else 0
    median = statistics.median(times)
    size_text = f"{size / 2**20:8.2f} MB" if size else "        -"
    print(f"{label:<20} {median:8.2f} s {statistics.median(cpu):8.2f} s "
          f"{median / TARGET_S:8.2f}× {size_text}", flush=True)
    return median


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small workload (CI smoke test)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row (median)")
    args = parser.parse_args(argv)

    from convgui.frame_painter import RenderedFrames, ensure_gui_application, frame_pixels

    app = ensure_gui_application()  # noqa: F841
    animation, size = workload(args.quick)
    frames = RenderedFrames(animation, size)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"A1: {len(animation)} frames of {size[0]}×{size[1]}, "
          f"{'quick' if args.quick else 'full'} workload, {args.repeat} run(s) a row")
    print(f"{'row':<20} {'median':>10} {'cpu':>10} {'÷ 10 s':>9} {'size':>11}")

    def paint(_):
        for i in range(len(frames)):
            frames[i]

    def write(name, fmt=None, frame_source=frames):
        def action(folder):
            target = folder / name
            for _ in iter_write_animation(target, frame_source, fmt=fmt, fps=4, hold=1.5):
                pass
            return target
        return action

    measure("paint", paint, args.repeat)
    gif = measure("gif", write("a.gif"), args.repeat)
    measure("apng", write("a.png"), args.repeat)
    measure("frames", write("frames", "frames"), args.repeat)
    if not args.quick:
        measure("gif 1920x1080", write("hd.gif", frame_source=RenderedFrames(
            animation, (1920, 1080))), args.repeat)
    painted = [frame_pixels(frame, size) for frame in animation]

    def pillow(folder):
        from PIL import Image

        images = [Image.fromarray(p) for p in painted]
        target = folder / "pillow.gif"
        images[0].save(target, save_all=True, append_images=images[1:], duration=250, loop=0)
        return target

    measure("Pillow save_all", pillow, args.repeat)
    verdict = "within" if gif <= TARGET_S else "OVER"
    print(f"gif export {gif:.2f} s: {verdict} the {TARGET_S:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
