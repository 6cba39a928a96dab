"""A grid of convolution and pooling cases: the engine against PyTorch (CPU) and SciPy.

Usage::

    python benchmarks/bench_grid.py              # the grid (~10 minutes on 2 busy cores)
    python benchmarks/bench_grid.py --quick      # small sizes, a few seconds (CI)
    python benchmarks/bench_grid.py --only bank  # cases whose family or name contains "bank"
    python benchmarks/bench_grid.py --huge       # adds the 4000x6000 photo cases (~1.5 GB)
    python benchmarks/bench_grid.py --no-torch   # or BENCH_NO_TORCH=1

Families: single kernels on digit batches (sizes 1-15, even ones, 1x15 and 15x1, strides 1-4,
dilations 1-3, the padding words), kernel banks of 1-64 on CIFAR-size batches, single photos
(512^2, 2048^2, optionally 4000x6000) with banks, uint8 and float32 inputs, and max/avg pooling
2x2/2, 3x3/2, 3x3/1 and 7x7/7.

Every case's float32 engine result is first checked against an independent float64 result
(``scipy.ndimage.correlate`` per channel and kernel, or a window loop for pooling) on a slice of
the output (the first images, or the first output rows of a photo). Then the engine, torch
(``torch.nn.functional`` in its faster layout, NCHW or channels-last, picked by a warm-up) and
SciPy are timed interleaved and the medians compared. Peak memory is the engine call's peak
``tracemalloc`` allocation (NumPy reports its buffers there), compared with the output's size.
Cases above 1.5x torch's time or 3x the output's memory are flagged with ``!``.
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_core import load_torch  # noqa: E402 - the same torch set-up as bench_core
from core.engine import conv2d, pool2d  # noqa: E402
from core.geometry import output_size, resolve_padding  # noqa: E402

F32 = np.float32
TORCH_LIMIT = 1.5
MEMORY_LIMIT = 3.0


class Case:
    """One grid case: images, and either a kernel (convolution) or a pooling window."""

    def __init__(self, family, name, images, *, kernel=None, padding="valid", stride=(1, 1),
                 dilation=(1, 1), pool=None, mode="max"):
        self.family, self.name, self.images = family, name, images
        self.kernel, self.padding, self.stride, self.dilation = kernel, padding, stride, dilation
        self.pool, self.mode = pool, mode

    @property
    def is_pool(self):
        return self.pool is not None

    def engine(self, images=None):
        x = self.images if images is None else images
        if self.is_pool:
            return pool2d(x, self.pool, stride=self.stride, mode=self.mode, dtype=F32)
        return conv2d(x, self.kernel, padding=self.padding, stride=self.stride,
                      dilation=self.dilation, dtype=F32)

    def pads(self):
        """``((top, bottom), (left, right))`` zero padding of a convolution case."""
        kh, kw = self.kernel.shape[:2]
        return resolve_padding(self.padding, self.images.shape[1:3], (kh, kw), self.stride,
                               self.dilation)


# --------------------------------------------------------------------------------------------
# The grid
# --------------------------------------------------------------------------------------------

def make_cases(quick, huge):
    """The grid; ``quick`` shrinks every batch and photo, ``huge`` adds 4000x6000 photos."""
    rng = np.random.default_rng(7)
    m_dig, m_cif = (64, 32) if quick else (5000, 2000)
    side, big = (96, 160) if quick else (512, 2048)
    digits32 = rng.random((m_dig, 28, 28), dtype=F32)
    digits8 = rng.integers(0, 256, (m_dig, 28, 28), dtype=np.uint8)
    cifar8 = rng.integers(0, 256, (m_cif, 32, 32, 3), dtype=np.uint8)
    cifar32 = rng.random((m_cif, 32, 32, 3), dtype=F32)
    photo = rng.integers(0, 256, (1, side, side, 3), dtype=np.uint8)
    photo_big = rng.integers(0, 256, (1, big, big, 3), dtype=np.uint8)

    def k(*shape):
        return rng.standard_normal(shape)

    cases = []
    add = cases.append
    sizes = (1, 2, 3, 4, 5, 7, 11, 15) if not quick else (3, 4, 15)
    for n in sizes:
        add(Case("digits kernel", f"digits f32 {n}x{n} valid", digits32, kernel=k(n, n)))
    for shape in ((1, 15), (15, 1)):
        add(Case("digits kernel", f"digits f32 {shape[0]}x{shape[1]} same", digits32,
                 kernel=k(*shape), padding="same"))
    add(Case("digits kernel", "digits u8 5x5 full", digits8, kernel=k(5, 5), padding="full"))
    add(Case("digits kernel", "digits u8 3x3 same", digits8, kernel=k(3, 3), padding="same"))
    for s in ((2, 3, 4) if not quick else (2,)):
        add(Case("digits stride", f"digits f32 3x3 stride {s}", digits32, kernel=k(3, 3),
                 stride=(s, s)))
    for d in ((2, 3) if not quick else (2,)):
        add(Case("digits dilation", f"digits f32 3x3 dilation {d} same", digits32,
                 kernel=k(3, 3), padding="same", dilation=(d, d)))
    add(Case("digits stride", "digits f32 5x5 stride 2 same", digits32, kernel=k(5, 5),
             padding="same", stride=(2, 2)))

    for n in ((3, 5) if quick else (3, 5, 7)):
        add(Case("cifar kernel", f"cifar u8 {n}x{n}x3", cifar8, kernel=k(n, n, 3)))
    for nc in ((3, 16) if quick else (1, 3, 8, 16, 64)):
        add(Case("cifar bank", f"cifar u8 3x3x3x{nc} same", cifar8, kernel=k(3, 3, 3, nc),
                 padding="same"))
    if not quick:
        add(Case("cifar bank", "cifar f32 5x5x3x16 valid", cifar32, kernel=k(5, 5, 3, 16)))
        add(Case("cifar bank", "cifar u8 3x3x3x16 stride 2", cifar8, kernel=k(3, 3, 3, 16),
                 stride=(2, 2), padding="same"))
        add(Case("cifar bank", "cifar u8 3x3x3x8 dilation 2", cifar8, kernel=k(3, 3, 3, 8),
                 dilation=(2, 2)))

    tag = f"{side}^2"
    for n in ((5, 15) if quick else (3, 5, 7, 11, 15)):
        add(Case("photo bank", f"photo {tag} {n}x{n}x3x8 same", photo, kernel=k(n, n, 3, 8),
                 padding="same"))
    add(Case("photo kernel", f"photo {tag} 15x15x3 same", photo, kernel=k(15, 15, 3),
             padding="same"))
    add(Case("photo kernel", f"photo {tag} gray 15x15 gaussian same", photo[..., 0].copy(),
             kernel=_gaussian(15), padding="same"))
    add(Case("photo stride", f"photo {tag} 5x5x3x8 stride 2", photo, kernel=k(5, 5, 3, 8),
             stride=(2, 2), padding="same"))
    add(Case("photo stride", f"photo {tag} 15x15x3x8 stride 4", photo, kernel=k(15, 15, 3, 8),
             stride=(4, 4), padding="same"))
    if not quick:
        add(Case("photo bank", f"photo {tag} 3x3x3x64 same", photo, kernel=k(3, 3, 3, 64),
                 padding="same"))
        add(Case("photo dilation", f"photo {tag} 5x5x3x8 dilation 3", photo,
                 kernel=k(5, 5, 3, 8), padding="same", dilation=(3, 3)))
    btag = f"{big}^2"
    add(Case("photo bank", f"photo {btag} 3x3x3x3 same", photo_big, kernel=k(3, 3, 3, 3),
             padding="same"))
    add(Case("photo bank", f"photo {btag} 5x5x3x3 same", photo_big, kernel=k(5, 5, 3, 3),
             padding="same"))
    add(Case("photo kernel", f"photo {btag} 3x3x3 same", photo_big, kernel=k(3, 3, 3),
             padding="same"))
    add(Case("photo stride", f"photo {btag} 5x5x3x8 stride 2", photo_big, kernel=k(5, 5, 3, 8),
             stride=(2, 2), padding="same"))
    if not quick:
        add(Case("photo dilation", f"photo {btag} 15x15x3x8 dilation 2", photo_big,
                 kernel=k(15, 15, 3, 8), padding="same", dilation=(2, 2)))
    if huge:
        huge_photo = rng.integers(0, 256, (1, 4000, 6000, 3), dtype=np.uint8)
        add(Case("photo huge", "photo 4000x6000 3x3x3 same", huge_photo, kernel=k(3, 3, 3),
                 padding="same"))
        add(Case("photo huge", "photo 4000x6000 5x5x3x8 stride 2", huge_photo,
                 kernel=k(5, 5, 3, 8), stride=(2, 2), padding="same"))

    windows = (((2, 2), (2, 2)), ((3, 3), (2, 2)), ((3, 3), (1, 1)), ((7, 7), (7, 7)))
    for mode in ("max", "avg"):
        for (wh, ww), (sh, sw) in windows if not quick else windows[:2]:
            label = f"{wh}x{ww}/{sh}"
            add(Case(f"pool {mode}", f"cifar u8 {mode} {label}", cifar8, pool=(wh, ww),
                     stride=(sh, sw), mode=mode))
            add(Case(f"pool {mode}", f"cifar f32 {mode} {label}", cifar32, pool=(wh, ww),
                     stride=(sh, sw), mode=mode))
        add(Case(f"pool {mode}", f"photo {btag} u8 {mode} 2x2/2", photo_big, pool=(2, 2),
                 stride=(2, 2), mode=mode))
    return cases


def _gaussian(n, sigma=3.0):
    x = np.arange(n) - (n - 1) / 2
    g = np.exp(-x ** 2 / (2 * sigma ** 2))
    return np.outer(g, g) / g.sum() ** 2


# --------------------------------------------------------------------------------------------
# The independent float64 reference, on a slice of the output
# --------------------------------------------------------------------------------------------

def reference_slice(case):
    """``(float64 reference, the engine's matching slice)`` on a cheap part of the case."""
    x = case.images
    if len(x) > 4:
        sub = x[:4]
        return _reference(case, sub), case.engine(sub)
    # A photo: the input rows that the first 8 output rows read.
    sh = case.stride[0]
    if case.is_pool:
        rows_in = min(x.shape[1], sh * 7 + case.pool[0])
        sub = x[:, :rows_in]
        return _reference(case, sub), case.engine(sub)
    full = case.engine()
    return _reference(case, x, rows=8), full[:, :8]


def _reference(case, x, rows=None):
    x64 = x.astype(np.float64)
    if x64.ndim == 3:
        x64 = x64[..., None]
    if case.is_pool:
        (kh, kw), (sh, sw) = case.pool, case.stride
        oh, ow = output_size(x.shape[1], kh, 0, sh), output_size(x.shape[2], kw, 0, sw)
        out = np.empty((len(x), oh, ow, x64.shape[3]))
        reduce = np.max if case.mode == "max" else np.mean
        for r in range(oh):
            for c in range(ow):
                out[:, r, c] = reduce(x64[:, r * sh:r * sh + kh, c * sw:c * sw + kw], axis=(1, 2))
        return out if x.ndim == 4 else out[..., 0]
    from scipy import ndimage

    k = case.kernel
    k4 = k[:, :, None, None] if k.ndim == 2 else (k[..., None] if k.ndim == 3 else k)
    kh, kw, c, nc = k4.shape
    dh, dw = case.dilation
    dil = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1, c, nc))
    dil[::dh, ::dw] = k4
    (t, b), (l, r) = case.pads()
    sh, sw = case.stride
    eh, ew = dil.shape[:2]
    oh = output_size(x.shape[1], kh, t + b, sh, dh)
    ow = output_size(x.shape[2], kw, l + r, sw, dw)
    if rows is not None:
        oh = min(oh, rows)
        x64 = x64[:, :max(1, (oh - 1) * sh + eh - t)]
    padded = np.pad(x64, ((0, 0), (t, b + eh), (l, r + ew), (0, 0)))
    out = np.zeros((len(x), oh, ow, nc))
    for kk in range(nc):
        for ch in range(c):
            # origin shifts the window so its first tap sits on the output position.
            full = ndimage.correlate(padded[..., ch], dil[None, :, :, ch, kk], mode="constant",
                                     origin=(0, -(eh // 2), -(ew // 2)))
            out[..., kk] += full[:, :sh * (oh - 1) + 1:sh, :sw * (ow - 1) + 1:sw]
    if k.ndim == 4:
        return out
    return out[..., 0]


# --------------------------------------------------------------------------------------------
# Torch and SciPy
# --------------------------------------------------------------------------------------------

def torch_call(case, torch):
    """The fastest torch layout for ``case`` (picked by one warm-up run each), or None."""
    if torch is None:
        return None
    import torch.nn.functional as tf

    x = case.images
    rgb = x.ndim == 4
    base = torch.from_numpy(x)
    base = (base.permute(0, 3, 1, 2) if rgb else base.unsqueeze(1)).to(torch.float32)
    layouts = {"NCHW": base.contiguous()}
    if rgb:
        layouts["channels_last"] = base.contiguous(memory_format=torch.channels_last)
    if case.is_pool:
        op = tf.max_pool2d if case.mode == "max" else tf.avg_pool2d

        def make(t, _last):
            return lambda: op(t, case.pool, case.stride)
    else:
        k = case.kernel
        k4 = k[:, :, None, None] if k.ndim == 2 else (k[..., None] if k.ndim == 3 else k)
        weight = torch.from_numpy(np.ascontiguousarray(k4.transpose(3, 2, 0, 1), dtype=F32))
        (t_, b_), (l_, r_) = case.pads()
        symmetric = t_ == b_ and l_ == r_

        def make(t, last):
            w = weight.contiguous(memory_format=torch.channels_last) if last else weight
            if symmetric:
                return lambda: tf.conv2d(t, w, stride=case.stride, padding=(t_, l_),
                                         dilation=case.dilation)
            return lambda: tf.conv2d(tf.pad(t, (l_, r_, t_, b_)), w, stride=case.stride,
                                     dilation=case.dilation)
    best, best_time = None, None
    for layout, t in layouts.items():
        call = make(t, layout == "channels_last")
        with torch.no_grad():
            call()
            start = time.perf_counter()
            call()
            spent = time.perf_counter() - start
        if best is None or spent < best_time:
            best, best_time = call, spent

    def run():
        with torch.no_grad():
            return best()
    return run


def scipy_call(case):
    """SciPy's ``ndimage`` in float32 on the whole case (skipped for banks above 24 filters)."""
    try:
        from scipy import ndimage
    except ImportError:
        return None
    x = case.images
    if case.is_pool:
        (kh, kw), (sh, sw) = case.pool, case.stride
        size = (1, kh, kw) + ((1,) if x.ndim == 4 else ())
        origin = (0, -(kh // 2), -(kw // 2)) + ((0,) if x.ndim == 4 else ())
        oh, ow = output_size(x.shape[1], kh, 0, sh), output_size(x.shape[2], kw, 0, sw)
        cut = (slice(None), slice(0, sh * (oh - 1) + 1, sh), slice(0, sw * (ow - 1) + 1, sw))
        if case.mode == "max":
            return lambda: ndimage.maximum_filter(x, size=size, origin=origin)[cut]
        return lambda: ndimage.uniform_filter(x, size=size, origin=origin, output=F32)[cut]
    k = case.kernel
    k4 = k[:, :, None, None] if k.ndim == 2 else (k[..., None] if k.ndim == 3 else k)
    kh, kw, c, nc = k4.shape
    if c * nc > 24 or case.dilation != (1, 1):
        return None
    (t, b), (l, r) = case.pads()
    sh, sw = case.stride
    oh = output_size(x.shape[1], kh, t + b, sh)
    ow = output_size(x.shape[2], kw, l + r, sw)
    k32 = k4.astype(F32)

    def run():
        planes = x[..., None] if x.ndim == 3 else x
        out = np.zeros((len(x), oh, ow, nc), dtype=F32)
        for ch in range(c):
            plane = np.pad(planes[..., ch].astype(F32), ((0, 0), (t, b + kh), (l, r + kw)))
            for kk in range(nc):
                full = ndimage.correlate(plane, k32[None, :, :, ch, kk], mode="constant",
                                         origin=(0, -(kh // 2), -(kw // 2)))
                out[..., kk] += full[:, :sh * (oh - 1) + 1:sh, :sw * (ow - 1) + 1:sw]
        return out
    return run


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------

def check(case):
    """Raise AssertionError unless the engine's float32 result matches the float64 reference."""
    ref, got = reference_slice(case)
    if got.shape != ref.shape:
        raise AssertionError(f"{case.name}: shape {got.shape}, expected {ref.shape}")
    atol = 2e-5 * max(float(np.abs(ref).max()), 1.0)
    err = float(np.abs(got.astype(np.float64) - ref).max())
    if not err <= atol:
        raise AssertionError(f"{case.name}: max error {err:.3g} > {atol:.3g}")


def peak_ratio(case):
    """The engine call's peak traced allocation divided by its output's size."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = case.engine()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak / out.nbytes


def time_case(case, torch, repeat, use_scipy):
    """Medians ``{method: seconds}`` of the engine, torch and SciPy, interleaved."""
    calls = {"engine": case.engine, "torch": torch_call(case, torch)}
    if use_scipy:
        calls["scipy"] = scipy_call(case)
    calls = {name: call for name, call in calls.items() if call is not None}
    for call in calls.values():
        call()  # warm-up
    times = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def blas_threads():
    """A description of the BLAS thread pools (threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS threads unknown (threadpoolctl not installed)"
    pools = [f"{p.get('internal_api')} {p.get('num_threads')} thread(s)"
             for p in threadpool_info()]
    return "thread pools: " + (", ".join(pools) if pools else "none found")


def summarise(rows):
    """Worst, median and best engine/torch ratio per family."""
    families = {}
    for row in rows:
        if row["vs_torch"] is not None:
            families.setdefault(row["family"], []).append(row["vs_torch"])
    lines = []
    for family, ratios in families.items():
        lines.append(f"  {family:<16} worst {max(ratios):5.2f}  median {np.median(ratios):5.2f}"
                     f"  best {min(ratios):5.2f}  ({len(ratios)} cases)")
    return lines


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--huge", action="store_true", help="add the 4000x6000 photo cases")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs (default 5, quick 1)")
    parser.add_argument("--only", default="", help="only cases whose family or name has this")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--no-scipy", action="store_true", help="skip timing SciPy")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 5)
    no_torch = args.no_torch or os.environ.get("BENCH_NO_TORCH", "") not in ("", "0")
    torch = load_torch(no_torch, os.cpu_count() or 1)
    cases = [case for case in make_cases(args.quick, args.huge)
             if args.only in case.family or args.only in case.name]
    load = os.getloadavg()
    print(f"numpy {np.__version__}; {os.cpu_count()} cores; load {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}; {blas_threads()}; "
          + (f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch
             else "torch not used")
          + f"; median of {repeat}" + (" (quick sizes)" if args.quick else ""))
    header = (f"{'case':<44} {'engine s':>9} {'torch s':>9} {'scipy s':>9} {'/torch':>7} "
              f"{'mem/out':>8}")
    print(header)
    print("-" * len(header))
    rows, flagged = [], 0
    for case in cases:
        check(case)
        times = time_case(case, torch, repeat, not args.no_scipy)
        ratio = peak_ratio(case)
        vs_torch = times["engine"] / times["torch"] if "torch" in times else None
        flag = ""
        if vs_torch is not None and vs_torch > TORCH_LIMIT:
            flag += "!T"
        if ratio > MEMORY_LIMIT:
            flag += "!M"
        flagged += bool(flag)
        rows.append({"family": case.family, "vs_torch": vs_torch})

        def fmt(name):
            return f"{times[name]:9.4f}" if name in times else f"{'-':>9}"
        print(f"{case.name:<44} {fmt('engine')} {fmt('torch')} {fmt('scipy')} "
              + (f"{vs_torch:7.2f}" if vs_torch is not None else f"{'-':>7}")
              + f" {ratio:7.2f}x {flag}", flush=True)
    print()
    print(f"{len(cases)} cases checked against float64; {flagged} flagged "
          f"(!T above {TORCH_LIMIT}x torch, !M above {MEMORY_LIMIT}x the output's memory)")
    if rows and torch is not None:
        print("engine time / torch time per family:")
        print("\n".join(summarise(rows)))
    load = os.getloadavg()
    print(f"load at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
