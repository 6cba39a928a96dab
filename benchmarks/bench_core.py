"""Time the numeric core against the assignment's two-loop solution, SciPy and PyTorch (CPU).

Usage::

    .venv/bin/python benchmarks/bench_core.py            # full sizes (2-3 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_core.py --quick    # small sizes, a few seconds
    .venv/bin/python benchmarks/bench_core.py --repeat 9 --only W1,W8
    .venv/bin/python benchmarks/bench_core.py --no-torch # or BENCH_NO_TORCH=1 in the environment

Workloads (full sizes):

* W1  50000x28x28 float32, 3x3 kernel [[1, 0, -1]] * 3, 'valid'
* W2  the same, 'same'
* W3  the same, 'valid', stride 2
* W4  10000x32x32x3 uint8 with one (3, 3, 3) kernel, 'valid'
* W5  the same images with a (3, 3, 3, 3) bank, 'valid'
* W6  average pooling 2x2, stride 2, of the W4 images
* W7  max pooling 2x2, stride 2, of the W4 images
* W8  one 1024x1024x3 uint8 photo with a (5, 5, 3, 8) bank, 'same'
* W9  one 512x512x3 uint8 photo with a (5, 5, 3, 8) bank, 'same' (the GUI's interactive case)
* W10 W1's images and kernel, 'same' with reflect padding (compare with W2: zero padding)
* W11 transposed convolution of 10000x16x16x3 float32 with a (4, 4, 3, 3) bank, stride 2

Methods:

* ``seed``     the assignment function from ``core.seed`` (float64 output); for W10 on the input
  padded by ``numpy.pad``, for W11 (no assignment function) ``conv_transpose2d`` in float64
* ``engine32`` ``core.engine.conv2d`` / ``pool2d`` with ``dtype=np.float32``
* ``two-loop`` the solution the assignment describes (a Python loop over the output rows and
  columns, one vectorised window sum per output pixel; for W11 a loop over the input pixels, each
  adding its value times the kernel into the output); it is slow, so it is timed on a slice of
  the batch and scaled linearly to the full batch (marked ``*`` in the table)
* ``scipy``    the fastest fair SciPy call found (variant named in the table)
* ``torch``    ``torch.nn.functional`` on CPU with as many threads as NumPy's BLAS uses; the
  fastest of its memory layouts and of mkldnn on/off (variant named in the table). The op is timed
  on tensors prepared beforehand; the cost of preparing them from the NumPy array is printed
  separately as a fairness note (our methods include their casts in the timed region).

Every method's output is checked against the float64 seed result (``atol = 1e-5 * max|ref|``)
before any timing. Methods are interleaved within each repetition and the median is reported.
"""

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import seed  # noqa: E402
from core.engine import conv2d, pool2d  # noqa: E402
from core.transpose import conv_transpose2d  # noqa: E402

F32 = np.float32


# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------

class Workload:
    """One benchmark case: data, a kind ('conv'/'pool') and its parameters."""

    def __init__(self, name, title, images, kind, *, kernel=None, padding="valid", stride=(1, 1),
                 pool_shape=None, mode=None, slice_size=None, slice_rows=None,
                 padding_mode="zeros"):
        self.name, self.title, self.images, self.kind = name, title, images, kind
        self.kernel, self.padding, self.stride = kernel, padding, stride
        self.padding_mode = padding_mode
        self.pool_shape, self.mode = pool_shape, mode
        # The two-loop baseline runs on the first slice_size images and slice_rows output rows.
        self.slice_size = slice_size if slice_size is not None else len(images)
        self.slice_rows = slice_rows


def make_workloads(quick):
    """Build the workloads; ``quick`` shrinks every batch and photo."""
    rng = np.random.default_rng(1234)
    m_gray, m_rgb = (400, 200) if quick else (50000, 10000)
    side_big, side_small = (64, 48) if quick else (1024, 512)
    gray = rng.random((m_gray, 28, 28), dtype=F32)
    rgb = rng.integers(0, 256, (m_rgb, 32, 32, 3), dtype=np.uint8)
    edge = np.array([[1, 0, -1]] * 3, dtype=np.float64)
    k3 = rng.integers(-2, 3, (3, 3, 3)).astype(np.float64)
    k4 = rng.integers(-2, 3, (3, 3, 3, 3)).astype(np.float64)
    bank8 = rng.standard_normal((5, 5, 3, 8))
    photo_big = rng.integers(0, 256, (1, side_big, side_big, 3), dtype=np.uint8)
    photo_small = rng.integers(0, 256, (1, side_small, side_small, 3), dtype=np.uint8)
    s_gray, s_rgb = (m_gray if quick else 5000), (m_rgb if quick else 2000)
    small = rng.random((m_rgb, 16, 16, 3), dtype=F32)
    up = rng.standard_normal((4, 4, 3, 3))
    return [
        Workload("W1", f"{m_gray}x28x28 f32, 3x3 valid", gray, "conv", kernel=edge,
                 slice_size=s_gray),
        Workload("W2", f"{m_gray}x28x28 f32, 3x3 same", gray, "conv", kernel=edge,
                 padding="same", slice_size=s_gray),
        Workload("W3", f"{m_gray}x28x28 f32, 3x3 valid stride 2", gray, "conv", kernel=edge,
                 stride=(2, 2), slice_size=s_gray),
        Workload("W4", f"{m_rgb}x32x32x3 u8, (3,3,3) valid", rgb, "conv", kernel=k3,
                 slice_size=s_rgb),
        Workload("W5", f"{m_rgb}x32x32x3 u8, (3,3,3,3) valid", rgb, "conv", kernel=k4,
                 slice_size=s_rgb),
        Workload("W6", f"{m_rgb}x32x32x3 u8, avg pool 2x2/2", rgb, "pool", pool_shape=(2, 2),
                 stride=(2, 2), mode="avg", slice_size=s_rgb),
        Workload("W7", f"{m_rgb}x32x32x3 u8, max pool 2x2/2", rgb, "pool", pool_shape=(2, 2),
                 stride=(2, 2), mode="max", slice_size=s_rgb),
        Workload("W8", f"1x{side_big}x{side_big}x3 u8, (5,5,3,8) same", photo_big, "conv",
                 kernel=bank8, padding="same", slice_rows=8),
        Workload("W9", f"1x{side_small}x{side_small}x3 u8, (5,5,3,8) same", photo_small, "conv",
                 kernel=bank8, padding="same", slice_rows=8),
        Workload("W10", f"{m_gray}x28x28 f32, 3x3 same, reflect padding", gray, "conv",
                 kernel=edge, padding="same", padding_mode="reflect", slice_size=s_gray),
        Workload("W11", f"{m_rgb}x16x16x3 f32, (4,4,3,3) transposed, stride 2", small,
                 "transpose", kernel=up, stride=(2, 2), slice_size=s_rgb),
    ]


def reflect_padded(wl):
    """W10's images padded by ``numpy.pad`` (the reference's and the baseline's input)."""
    kh, kw = wl.kernel.shape[:2]
    return np.pad(wl.images, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)), mode="reflect")


# --------------------------------------------------------------------------------------------
# Our methods
# --------------------------------------------------------------------------------------------

def seed_call(wl):
    """The ``core.seed`` function the assignment names for this workload (float64 output)."""
    x, k = wl.images, wl.kernel
    if wl.kind == "pool":
        return lambda: seed.pool(x, wl.pool_shape, wl.stride, mode=wl.mode)
    if wl.kind == "transpose":
        return lambda: conv_transpose2d(x, k, stride=wl.stride)
    if wl.padding_mode != "zeros":
        return lambda: seed.convolve_grayscale_valid(reflect_padded(wl), k)
    if x.ndim == 3:
        if wl.padding == "valid" and wl.stride == (1, 1):
            return lambda: seed.convolve_grayscale_valid(x, k)
        if wl.padding == "same" and wl.stride == (1, 1):
            return lambda: seed.convolve_grayscale_same(x, k)
        return lambda: seed.convolve_grayscale(x, k, wl.padding, wl.stride)
    if k.ndim == 3:
        return lambda: seed.convolve_channels(x, k, wl.padding, wl.stride)
    return lambda: seed.convolve(x, k, wl.padding, wl.stride)


def engine32_call(wl):
    """The engine's float32 path."""
    x = wl.images
    if wl.kind == "pool":
        return lambda: pool2d(x, wl.pool_shape, stride=wl.stride, mode=wl.mode, dtype=F32)
    if wl.kind == "transpose":
        return lambda: conv_transpose2d(x, wl.kernel, stride=wl.stride, dtype=F32)
    return lambda: conv2d(x, wl.kernel, padding=wl.padding, stride=wl.stride, dtype=F32,
                          padding_mode=wl.padding_mode)


# --------------------------------------------------------------------------------------------
# The assignment's two-loop solution (the baseline)
# --------------------------------------------------------------------------------------------

def _pads(wl, kh, kw):
    """Zero padding per side for the two-loop baseline (odd kernels only, as in the workloads)."""
    if wl.padding == "valid":
        return 0, 0
    return kh // 2, kw // 2


def two_loop_conv(images, kernel, ph, pw, stride, rows=None):
    """Loop over output pixels; each one is a vectorised sum over the batch's windows.

    ``rows`` limits the work to the first output rows (to time a slice of a single big image).
    """
    kh, kw = kernel.shape[:2]
    sh, sw = stride
    m, h, w = images.shape[:3]
    pad = ((0, 0), (ph, ph), (pw, pw)) + ((0, 0),) * (images.ndim - 3)
    padded = np.pad(images, pad)
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    oh = oh if rows is None else min(rows, oh)
    if kernel.ndim == 4:
        nc = kernel.shape[3]
        out = np.zeros((m, oh, ow, nc))
        for k in range(nc):
            for i in range(oh):
                for j in range(ow):
                    window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[:, i, j, k] = np.sum(window * kernel[..., k], axis=(1, 2, 3))
        return out
    axes = (1, 2) if kernel.ndim == 2 else (1, 2, 3)
    out = np.zeros((m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, i, j] = np.sum(window * kernel, axis=axes)
    return out


def two_loop_pool(images, pool_shape, stride, mode):
    """Loop over output pixels; np.max / np.mean over each window of the whole batch."""
    kh, kw = pool_shape
    sh, sw = stride
    m, h, w, c = images.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    reduce = np.max if mode == "max" else np.mean
    out = np.zeros((m, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = reduce(images[:, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(1, 2))
    return out


def two_loop_transpose(images, kernels, stride):
    """Loop over input pixels; each adds (its channels @ the kernel) into the output's window."""
    kh, kw, _, nc = kernels.shape
    sh, sw = stride
    m, h, w, _ = images.shape
    out = np.zeros((m, (h - 1) * sh + kh, (w - 1) * sw + kw, nc))
    for i in range(h):
        for j in range(w):
            out[:, i * sh:i * sh + kh, j * sw:j * sw + kw] += np.einsum(
                "mc,ijco->mijo", images[:, i, j], kernels)
    return out


def two_loop_call(wl):
    """The baseline on the first ``wl.slice_size`` images."""
    x = wl.images[:wl.slice_size]
    if wl.kind == "pool":
        return lambda: two_loop_pool(x, wl.pool_shape, wl.stride, wl.mode)
    if wl.kind == "transpose":
        return lambda: two_loop_transpose(x, wl.kernel, wl.stride)
    if wl.padding_mode != "zeros":
        return lambda: two_loop_conv(reflect_padded(wl)[:wl.slice_size], wl.kernel, 0, 0,
                                     wl.stride)
    ph, pw = _pads(wl, *wl.kernel.shape[:2])
    return lambda: two_loop_conv(x, wl.kernel, ph, pw, wl.stride, wl.slice_rows)


# --------------------------------------------------------------------------------------------
# SciPy
# --------------------------------------------------------------------------------------------

def scipy_variants(wl):
    """``{variant: callable}`` of fair SciPy implementations, or ``{}`` when SciPy is missing.

    ``ndimage`` filters the whole batch at once with a size-1 leading kernel axis (so images do
    not mix) and a float32 output (float output also avoids uint8 wrap-around); the 'valid' part
    and the strided samples are then cut out of its 'same'-sized result.
    """
    try:
        from scipy import ndimage, signal
    except ImportError:
        return {}
    x = wl.images
    if wl.kind == "transpose":
        return {}
    if wl.kind == "pool":
        kh, kw = wl.pool_shape
        sh, sw = wl.stride
        size = (1, kh, kw, 1)
        # origin -(k // 2) puts each window's first tap at the output position.
        origin = (0, -(kh // 2), -(kw // 2), 0)
        oh = (x.shape[1] - kh) // sh + 1
        ow = (x.shape[2] - kw) // sw + 1
        cut = (slice(None), slice(0, sh * (oh - 1) + 1, sh), slice(0, sw * (ow - 1) + 1, sw))
        if wl.mode == "max":
            return {"ndimage.maximum_filter": lambda: ndimage.maximum_filter(
                x, size=size, origin=origin, mode="constant")[cut]}
        return {"ndimage.uniform_filter": lambda: ndimage.uniform_filter(
            x, size=size, origin=origin, mode="constant", output=F32)[cut]}

    k = wl.kernel
    kh, kw = k.shape[:2]
    sh, sw = wl.stride
    same = wl.padding == "same"

    def crop(full):
        rows = slice(0, None, sh) if same else slice(kh // 2, full.shape[1] - kh // 2, sh)
        cols = slice(0, None, sw) if same else slice(kw // 2, full.shape[2] - kw // 2, sw)
        return full[:, rows, cols]

    # ndimage's 'mirror' is numpy.pad's (and the engine's) 'reflect'.
    border = {"zeros": "constant", "reflect": "mirror"}[wl.padding_mode]

    def nd_single(image_stack, kernel2d):
        return ndimage.correlate(image_stack, kernel2d[None].astype(F32), output=F32,
                                 mode=border)

    def nd_channels(kernel3):
        acc = None
        for ch in range(x.shape[3]):
            part = nd_single(x[..., ch], kernel3[:, :, ch])
            acc = part if acc is None else acc + part
        return crop(acc)

    def fft_channels(kernel3):
        mode = "same" if same else "valid"
        acc = None
        for ch in range(x.shape[3]):
            part = signal.correlate(x[..., ch].astype(F32), kernel3[None, :, :, ch].astype(F32),
                                    mode=mode, method="fft")
            acc = part if acc is None else acc + part
        return acc[:, ::sh, ::sw]

    if x.ndim == 3:
        variants = {"ndimage.correlate": lambda: crop(nd_single(x, k))}
        if wl.padding == "valid":
            variants["signal.correlate fft"] = lambda: signal.correlate(
                x, k[None].astype(F32), mode="valid", method="fft")[:, ::sh, ::sw]
        elif wl.padding_mode != "zeros":
            variants["np.pad + signal.correlate fft"] = lambda: signal.correlate(
                reflect_padded(wl), k[None].astype(F32), mode="valid", method="fft")[:, ::sh, ::sw]
        return variants
    if k.ndim == 3:
        return {"ndimage per channel": lambda: nd_channels(k),
                "signal fft per channel": lambda: fft_channels(k)}
    return {
        "ndimage per channel+kernel": lambda: np.stack(
            [nd_channels(k[..., i]) for i in range(k.shape[3])], axis=-1),
        "signal fft per channel+kernel": lambda: np.stack(
            [fft_channels(k[..., i]) for i in range(k.shape[3])], axis=-1),
    }


# --------------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------------

def torch_variants(wl, torch):
    """``({variant: callable}, {layout: prepare_seconds}, to_numpy)`` for torch on CPU.

    Layouts: NCHW contiguous and, for multi-channel images, channels-last. Each layout is timed
    with mkldnn enabled and disabled.
    """
    import torch.nn.functional as tf

    x = wl.images
    rgb = x.ndim == 4

    def prepare(layout):
        t = torch.from_numpy(x)
        t = t.permute(0, 3, 1, 2) if rgb else t.unsqueeze(1)
        t = t.to(torch.float32)
        if layout == "channels_last":
            return t.contiguous(memory_format=torch.channels_last)
        return t.contiguous()

    layouts = ["NCHW", "channels_last"] if rgb else ["NCHW"]
    tensors, prep_seconds = {}, {}
    for layout in layouts:
        prepare(layout)  # warm-up: the first conversion pays one-off costs
        start = time.perf_counter()
        tensors[layout] = prepare(layout)
        prep_seconds[layout] = time.perf_counter() - start

    if wl.kind == "pool":
        op = tf.max_pool2d if wl.mode == "max" else tf.avg_pool2d

        def run(t):
            return op(t, wl.pool_shape, wl.stride)
    elif wl.kind == "transpose":
        # conv_transpose2d's weight is (in, out, kh, kw): the bank's (kh, kw, c, nc) permuted.
        weight = torch.from_numpy(wl.kernel.transpose(2, 3, 0, 1).astype(F32).copy())

        def run(t):
            return tf.conv_transpose2d(t, weight, stride=wl.stride)
    else:
        k = wl.kernel
        if k.ndim == 2:
            weight = torch.from_numpy(k[None, None].astype(F32))
        elif k.ndim == 3:
            weight = torch.from_numpy(k.transpose(2, 0, 1)[None].astype(F32).copy())
        else:
            weight = torch.from_numpy(k.transpose(3, 2, 0, 1).astype(F32).copy())
        pad = (k.shape[0] // 2, k.shape[1] // 2) if wl.padding == "same" else (0, 0)
        # torch's conv2d pads with zeros only: other modes go through F.pad first.
        border = {"zeros": None, "reflect": "reflect"}[wl.padding_mode]

        def run(t):
            w = weight.contiguous(memory_format=torch.channels_last) \
                if t.is_contiguous(memory_format=torch.channels_last) and rgb else weight
            if border is not None:
                t = tf.pad(t, (pad[1], pad[1], pad[0], pad[0]), mode=border)
                return tf.conv2d(t, w, stride=wl.stride)
            return tf.conv2d(t, w, stride=wl.stride, padding=pad)

    def with_mkldnn(t, enabled):
        def call():
            with torch.no_grad(), torch.backends.mkldnn.flags(enabled=enabled):
                return run(t)
        return call

    variants = {}
    for layout, t in tensors.items():
        variants[f"{layout}, mkldnn on"] = with_mkldnn(t, True)
        variants[f"{layout}, mkldnn off"] = with_mkldnn(t, False)

    def to_numpy(result):
        arr = result.numpy()
        if wl.kind in ("pool", "transpose") or wl.kernel.ndim == 4:
            return arr.transpose(0, 2, 3, 1)
        return arr[:, 0]

    return variants, prep_seconds, to_numpy


def load_torch(disabled, threads):
    """Import torch and pin its thread count, or return None."""
    if disabled:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    # mkldnn.flags() warns on every use that TF32 needs an Intel GPU; irrelevant on CPU.
    warnings.filterwarnings("ignore", message="TF32 acceleration")
    return torch


def numpy_threads():
    """The thread count NumPy's BLAS uses: the usual environment variables, else all cores."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


# --------------------------------------------------------------------------------------------
# Checking and timing
# --------------------------------------------------------------------------------------------

class Method:
    """A named callable, how much of the batch it processes, and how to read its output."""

    def __init__(self, name, variant, call, *, fraction=1.0, convert=np.asarray):
        self.name, self.variant, self.call = name, variant, call
        self.fraction, self.convert = fraction, convert
        self.times = []

    @property
    def seconds(self):
        """Median seconds, scaled to the full batch."""
        return float(np.median(self.times)) / self.fraction


def check(method, reference):
    """Raise AssertionError unless ``method`` reproduces ``reference`` (or its leading slice)."""
    result = method.convert(method.call())
    ref = reference[:result.shape[0], :result.shape[1]]
    if result.shape != ref.shape:
        raise AssertionError(f"{method.name} [{method.variant}]: shape {result.shape}, "
                             f"expected {ref.shape}")
    atol = 1e-5 * max(float(np.abs(ref).max()), 1.0)
    err = float(np.abs(result.astype(np.float64) - ref).max())
    if err > atol:
        raise AssertionError(f"{method.name} [{method.variant}]: max error {err:.3g} > {atol:.3g}")


def time_interleaved(methods, repeat):
    """Run every method once per repetition, in turn, recording wall-clock seconds."""
    for _ in range(repeat):
        for method in methods:
            start = time.perf_counter()
            method.call()
            method.times.append(time.perf_counter() - start)


def build_methods(wl, torch):
    """All methods for ``wl``, checked later; returns ``(methods, notes)``."""
    methods = [
        Method("seed", "float64", seed_call(wl)),
        Method("engine32", "float32", engine32_call(wl)),
    ]
    m = len(wl.images)
    fraction = wl.slice_size / m
    variant = "full batch" if wl.slice_size == m else f"{wl.slice_size} of {m} images, scaled*"
    if wl.slice_rows is not None:
        out_rows = reference_rows(wl)
        if wl.slice_rows < out_rows:
            fraction *= wl.slice_rows / out_rows
            variant = f"{wl.slice_rows} of {out_rows} output rows, scaled*"
    methods.append(Method("two-loop", variant, two_loop_call(wl), fraction=fraction))
    for name, call in scipy_variants(wl).items():
        methods.append(Method("scipy", name, call))
    notes = []
    if torch is not None:
        variants, prep, to_numpy = torch_variants(wl, torch)
        for name, call in variants.items():
            methods.append(Method("torch", name, call, convert=to_numpy))
        notes.append(wl.name + " torch: preparing the input tensor from NumPy (not timed above): "
                     + ", ".join(f"{layout} {sec:.3f} s" for layout, sec in prep.items()))
    return methods, notes


def reference_rows(wl):
    """Output rows of a convolution workload (geometry only, no pixels computed)."""
    from core.geometry import output_size, resolve_padding

    kh, kw = wl.kernel.shape[:2]
    (top, bottom), _ = resolve_padding(wl.padding, wl.images.shape[1:3], (kh, kw), wl.stride)
    return output_size(wl.images.shape[1], kh, top + bottom, wl.stride[0])


def best_of(methods, name):
    """The fastest method called ``name`` (or None)."""
    candidates = [mt for mt in methods if mt.name == name]
    return min(candidates, key=lambda mt: mt.seconds) if candidates else None


def run_workload(wl, torch, repeat):
    """Check and time every method for ``wl``; returns ``(rows, notes)`` for the table."""
    methods, notes = build_methods(wl, torch)
    reference = seed_call(wl)()
    for method in methods:
        check(method, reference)
    time_interleaved(methods, repeat)
    shown = [best_of(methods, name) for name in ("seed", "engine32", "two-loop", "scipy", "torch")]
    shown = [mt for mt in shown if mt is not None]
    two_loop = best_of(methods, "two-loop").seconds
    torch_best = best_of(methods, "torch")
    rows = []
    for mt in shown:
        vs_torch = f"{mt.seconds / torch_best.seconds:.2f}" if torch_best else "-"
        rows.append((wl.name, mt.name, mt.variant, mt.seconds, two_loop / mt.seconds, vs_torch))
    return rows, notes


def peak_memory(wl):
    """Peak bytes allocated during the float32 engine call on ``wl``, and the output's size."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    out = engine32_call(wl)()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return peak, out.nbytes


def print_table(rows):
    header = ("workload", "method", "variant", "median s", "speed-up vs two-loop",
              "time / torch best")
    cells = [header] + [(w, m, v, f"{s:.4f}", f"{r:.1f}x", t) for w, m, v, s, r, t in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    line = "  ".join("{:<%d}" % wd for wd in widths)
    print(line.format(*header))
    print("  ".join("-" * wd for wd in widths))
    previous = None
    for row in cells[1:]:
        if previous is not None and row[0] != previous:
            print()
        print(line.format(*row))
        previous = row[0]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--repeat", type=int, default=None,
                        help="repetitions per method (default 5, or 2 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W8")
    parser.add_argument("--no-torch", action="store_true",
                        help="skip PyTorch (also when BENCH_NO_TORCH=1)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    repeat = args.repeat or (2 if args.quick else 5)
    threads = numpy_threads()
    no_torch = args.no_torch or os.environ.get("BENCH_NO_TORCH", "") not in ("", "0")
    torch = load_torch(no_torch, threads)
    workloads = make_workloads(args.quick)
    if args.only:
        wanted = {name.strip().upper() for name in args.only.split(",")}
        workloads = [wl for wl in workloads if wl.name in wanted]

    print(f"numpy {np.__version__}, {threads} thread(s); "
          + (f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
             if torch is not None else "torch not used")
          + f"; median of {repeat} interleaved runs" + (" (quick sizes)" if args.quick else ""))
    for wl in workloads:
        print(f"  {wl.name}: {wl.title}")
    print()

    rows, notes = [], []
    for wl in workloads:
        wl_rows, wl_notes = run_workload(wl, torch, repeat)
        rows += wl_rows
        notes += wl_notes
    print_table(rows)
    print()
    print("* the two-loop baseline is timed on the slice named and scaled linearly to the batch.")
    print("  'time / torch best' < 1 means faster than torch. All outputs were checked against "
          "the float64 seed result first.")
    for note in notes:
        print("  " + note)
    engine = {row[0]: row[3] for row in rows if row[1] == "engine32"}
    if "W2" in engine and "W10" in engine:
        print(f"  W10 engine32 / W2 engine32 (reflect vs zero padding, same sizes): "
              f"{engine['W10'] / engine['W2']:.2f}")

    print()
    for wl in workloads:
        if wl.name in ("W1", "W8"):
            peak, out_bytes = peak_memory(wl)
            print(f"{wl.name} engine32 peak memory (tracemalloc): {peak / 2**20:.1f} MiB, output "
                  f"{out_bytes / 2**20:.1f} MiB: {peak / out_bytes:.2f}x the output "
                  f"({(peak - out_bytes) / 2**20:.1f} MiB beyond it)")
    if args.quick and any(wl.name in ("W1", "W8") for wl in workloads):
        print("  (at --quick sizes the engine's fixed working buffers of ~2 MiB dominate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
