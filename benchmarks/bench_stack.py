"""The layer stack: what one live recomputation and one hover cost, against references.

Usage::

    .venv/bin/python benchmarks/bench_stack.py            # a few seconds
    .venv/bin/python benchmarks/bench_stack.py --quick    # smoke run, under a second or two
    .venv/bin/python benchmarks/bench_stack.py --repeat 15 --threads 1

Workloads (float32, each layer convolution 3×3 → ReLU → max pool 2×2/2):

* S1 one 28×28 digit, layers 1→4, 4→4 ("same"), 4→4 ("same") maps: what the window recomputes
  on every edit of a 3-layer stack;
* S2 one 512×512 RGB photo, layers 3→8, 8→8, 8→8 maps;
* S3 1000 digits (100 with ``--quick``) through the S1 stack.

Methods, interleaved within each repetition (median reported, outputs checked equal first):

* ``run_stack``   ``core.stack.run_stack`` (checks the stack, then ``run_pipeline`` per layer);
* ``by hand``     ``core.conv2d`` / ``np.maximum`` / ``core.pool2d`` composed directly (the
  reference: what the stack costs beyond the engine calls);
* ``torch``       the same network with ``torch.nn.functional`` when PyTorch is installed
  (skipped otherwise).

Also: the hover arithmetic of a layer-3 pixel (``stack_fields`` + ``field_steps`` +
``pixel_trail``), which runs on every mouse move over the Layers tab.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.engine import conv2d, pool2d  # noqa: E402
from core.pipeline import PipelineSpec  # noqa: E402
from core.stack import field_steps, pixel_trail, run_stack, stack_fields  # noqa: E402

F32 = np.float32


def stack(channels, maps, rng):
    specs, c = [], channels
    for index, nc in enumerate(maps):
        specs.append(PipelineSpec(rng.normal(size=(3, 3, c, nc)),
                                  padding="valid" if index == 0 else "same",
                                  activation="relu", pool_mode="max"))
        c = nc
    return specs


def workloads(quick):
    rng = np.random.default_rng(16)
    digit_stack = stack(1, (4, 4, 4), rng)
    return [
        ("S1 digit 28×28, 3 layers of 4", rng.random((1, 28, 28), dtype=F32), digit_stack),
        ("S2 photo 512×512×3, 3 layers of 8", rng.random((1, 512, 512, 3), dtype=F32),
         stack(3, (8, 8, 8), rng)),
        (f"S3 {100 if quick else 1000} digits, S1 stack",
         rng.random((100 if quick else 1000, 28, 28), dtype=F32), digit_stack),
    ]


def by_hand(images, specs):
    x = images
    for spec in specs:
        x = conv2d(x, spec.kernels, padding=spec.padding, dtype=F32)
        x = pool2d(np.maximum(x, 0), (2, 2), stride=(2, 2), mode="max", dtype=F32)
    return x


def torch_method(images, specs):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    x0 = torch.from_numpy(np.ascontiguousarray(
        (images if images.ndim == 4 else images[..., None]).transpose(0, 3, 1, 2)))
    weights = [torch.from_numpy(np.ascontiguousarray(
        spec.kernels.astype(F32).transpose(3, 2, 0, 1))) for spec in specs]
    pads = [0 if spec.padding == "valid" else 1 for spec in specs]

    def run():
        with torch.no_grad():
            x = x0
            for w, p in zip(weights, pads):
                x = F.max_pool2d(F.relu(F.conv2d(x, w, padding=p)), 2)
            return x.numpy().transpose(0, 2, 3, 1)
    return run


def median_ms(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions per method")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS / PyTorch threads (default: the libraries' own)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 9)
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
            threadpool_limits(args.threads)
        except ImportError:
            print("threadpoolctl is not installed: --threads applies to PyTorch only")
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            pass
    print(f"{'workload':40s} {'run_stack':>11s} {'by hand':>11s} {'torch':>11s} "
          f"{'stack/hand':>11s} {'stack/torch':>12s}")
    for name, images, specs in workloads(args.quick):
        methods = {"run_stack": lambda: run_stack(images, specs, dtype=F32)[-1].final,
                   "by hand": lambda: by_hand(images, specs)}
        torch_run = torch_method(images, specs)
        if torch_run is not None:
            methods["torch"] = torch_run
        reference = methods["by hand"]()
        for method, function in methods.items():
            np.testing.assert_allclose(function(), reference, rtol=1e-3, atol=1e-3,
                                       err_msg=method)
        times = {method: [] for method in methods}
        order = list(methods)
        for i in range(repeat):  # interleaved, rotating order
            for method in order[i % len(order):] + order[:i % len(order)]:
                times[method].append(median_ms(methods[method], 1))
        ms = {method: statistics.median(values) for method, values in times.items()}
        torch_ms = f"{ms['torch']:9.2f} ms" if "torch" in ms else f"{'—':>11s}"
        versus = f"{ms['run_stack'] / ms['torch']:11.2f}×" if "torch" in ms else f"{'—':>12s}"
        print(f"{name:40s} {ms['run_stack']:8.2f} ms {ms['by hand']:8.2f} ms {torch_ms} "
              f"{ms['run_stack'] / ms['by hand']:10.2f}× {versus}")
    _, _, digit_stack = workloads(True)[0]

    def hover():
        fields = stack_fields(digit_stack, (28, 28))
        field_steps(digit_stack, (28, 28), 2, "conv")
        pixel_trail(digit_stack, (28, 28), 2, "conv", (3, 3))
        return fields
    print(f"hover arithmetic of a layer-3 pixel (fields, recursion, trail): "
          f"{median_ms(hover, max(repeat, 20)):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
