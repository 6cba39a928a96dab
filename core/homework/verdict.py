"""Compare a student's output with the reference and say what it is: pass, convention or fail.

Tolerance: ``|got − expected| ≤ ATOL_FACTOR · max(1, max |expected|)`` everywhere (float32
arithmetic on the cases' values stays far inside it; one wrong tap does not).
"""

from dataclasses import dataclass, field

import numpy as np

from ..engine import conv2d, pool2d
from ..geometry import resolve_padding
from .conventions import alternatives

__all__ = ["VERDICTS", "ATOL_FACTOR", "Comparison", "close", "compare", "worst"]

#: Every verdict, from best to worst.
VERDICTS = ("pass", "convention", "fail", "timeout", "error", "missing")

#: Allowed absolute difference, relative to the largest expected magnitude (at least 1).
ATOL_FACTOR = 1e-5


def worst(verdicts):
    """The worst of some verdicts (``'pass'`` for none).

    Examples
    --------
    >>> worst(["pass", "fail", "convention"])
    'fail'
    """
    return max(verdicts, key=VERDICTS.index, default="pass")


def _tolerance(expected):
    return ATOL_FACTOR * max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)


def close(expected, got):
    """True when ``got`` has ``expected``'s shape and its values within the tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> close(np.ones(3), np.ones(3) + 1e-9), close(np.ones(3), np.ones(4))
    (True, False)
    """
    got = np.asarray(got)
    if got.shape != expected.shape or got.dtype.kind not in "biuf":
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got.astype(np.float64) - expected)
    return bool(np.all(diff <= _tolerance(expected)))


@dataclass
class Comparison:
    """What a student's output is, compared with the reference.

    ``verdict`` is ``'pass'``, ``'convention'`` or ``'fail'``; ``convention`` the name of the
    first matching convention (``also`` the other names matching equally); ``cause`` the likely
    cause of a failure, or the first wrong pixel; ``first_diff`` ``(index, expected, got)``.
    """

    verdict: str
    max_abs_diff: float = None
    first_diff: tuple = None
    convention: str = None
    convention_label: str = None
    convention_note: str = None
    also: list = field(default_factory=list)
    cause: str = None


def _max_abs_diff(expected, got):
    if got.shape != expected.shape or got.dtype.kind not in "biuf":
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got.astype(np.float64) - expected)
    return float(np.nanmax(diff)) if not np.isnan(diff).all() else float("nan")


def _first_diff(expected, got):
    """``(index, expected value, got value)`` of the first pixel outside the tolerance."""
    if got.shape != expected.shape or got.dtype.kind not in "biuf":
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~(np.abs(got.astype(np.float64) - expected) <= _tolerance(expected))
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
    return index, float(expected[index]), float(got[index])


def _wrapped(values, kind):
    values = np.round(values)
    if kind == "uint8":
        return np.mod(values, 256)
    return np.mod(values + 128, 256) - 128


def _spatial(shape):
    """The (oh, ow) part of an output shape (None when the array has too few axes)."""
    return tuple(shape[1:3]) if len(shape) >= 3 else None


def _size_cause(case, expected, got):
    """Explain a wrong spatial size, if it looks like a known slip."""
    if case.task == 6 or _spatial(got.shape) is None:
        return None
    h, w = case.images.shape[1:3]
    kh, kw = case.kernel.shape[:2]
    sh, sw = case.stride
    (t, b), (l, r) = resolve_padding(case.padding, (h, w), (kh, kw), (sh, sw))
    inside_plus_one = ((h + t + b - kh + 1) // sh, (w + l + r - kw + 1) // sw)
    want, have = _spatial(expected.shape), _spatial(got.shape)
    if have == inside_plus_one and have != want:
        return (f"output size {have} looks like ⌊(h + p − k + 1) / s⌋; the size is "
                f"⌊(h + p − k) / s⌋ + 1 = {want} (the + 1 belongs outside the division)")
    if all(abs(a - b) <= 1 for a, b in zip(have, want)) and have != want:
        return f"off-by-one output size: {have} instead of {want}"
    return None


def _swapped_stride(case, got):
    sh, sw = case.stride
    if case.task == 6 or sh == sw or case.task not in (3, 4, 5):
        return False
    h, w = case.images.shape[1:3]
    try:
        pads = resolve_padding(case.padding, (h, w), case.kernel.shape[:2], (sw, sh))
        swapped = conv2d(case.images, case.kernel, padding=pads, stride=(sw, sh))
    except ValueError:
        return False
    return close(swapped, got)


def _swapped_pool(case, got):
    o = case.options
    (kh, kw), (sh, sw) = tuple(o["kernel_shape"]), tuple(o["stride"])
    tries = []
    if (kh, kw) != (kw, kh):
        tries.append(("window axes swapped: ({kw}, {kh}) was used for ({kh}, {kw})",
                      (kw, kh), (sh, sw)))
    if (sh, sw) != (sw, sh):
        tries.append(("stride axes swapped: ({sw}, {sh}) was used for ({sh}, {sw})",
                      (kh, kw), (sw, sh)))
    for text, window, stride in tries:
        try:
            other = pool2d(case.images, window, stride=stride, mode=o["mode"])
        except ValueError:
            continue
        if close(other, got):
            return text.format(kh=kh, kw=kw, sh=sh, sw=sw)
    return None


def _diagnose(case, expected, got):
    """The most likely cause of a wrong output, or None."""
    m = case.images.shape[0]
    if got.ndim == 0 or got.shape[:1] != (m,):
        return (f"the first axis should hold the {m} images; got shape {got.shape} "
                f"(images and rows swapped, or a single image returned?)")
    if case.task == 4 and got.shape == expected.shape + (case.images.shape[3],):
        return ("channel axis not summed: one map per input channel instead of their sum "
                f"(shape {got.shape})")
    if case.task == 5:
        nc, c = case.kernel.shape[3], case.images.shape[3]
        if got.shape == expected.shape[:3]:
            return f"kernel axis summed or dropped: one map instead of nc = {nc} (one per kernel)"
        if nc != c and got.shape == expected.shape[:3] + (c,):
            return (f"one output per input channel (c = {c}) instead of one per kernel "
                    f"(nc = {nc}): the wrong axis indexes the kernels")
    if case.task == 6 and got.ndim == 3:
        return "channel axis dropped: pooling must keep every channel (m, oh, ow, c)"
    if case.images.dtype in (np.uint8, np.int8) and got.shape == expected.shape:
        kind = "uint8" if case.images.dtype == np.uint8 else "int8"
        if close(_wrapped(expected, kind), got):
            return (f"integer overflow on {kind} input: the sums wrapped around modulo 256 "
                    "(the output or the products kept the images' dtype; cast to float first)")
    swapped = _swapped_axes(case, got)
    if swapped:
        return swapped
    if got.shape != expected.shape:
        return _size_cause(case, expected, got) or (
            f"wrong output shape: {got.shape} instead of {expected.shape}")
    return None


def _swapped_axes(case, got):
    """The pooling window/stride or the stride with its two axes swapped, said, or None."""
    if case.task == 6:
        text = _swapped_pool(case, got)
        if text:
            return text
    if _swapped_stride(case, got):
        sh, sw = case.stride
        return f"stride axes swapped: ({sw}, {sh}) was used for ({sh}, {sw})"
    return None


def compare(case, expected, got):
    """Compare ``got`` (the student's output) with ``expected`` for ``case``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.homework.cases import Case
    >>> case = Case(0, "t", np.arange(16.0).reshape(1, 4, 4), "x", np.array([[1.0, 2.0]]))
    >>> expected = case.reference()
    >>> compare(case, expected, expected).verdict
    'pass'
    >>> compare(case, expected, expected[:, :, ::-1]).verdict
    'fail'
    """
    got = np.asarray(got)
    if close(expected, got):
        return Comparison("pass", max_abs_diff=_max_abs_diff(expected, got))
    matches = [conv for conv, out in alternatives(case) if close(out, got)]
    diff = _max_abs_diff(expected, got)
    first = _first_diff(expected, got)
    if matches:
        conv = matches[0]
        return Comparison("convention", max_abs_diff=diff, first_diff=first,
                          convention=conv.name, convention_label=conv.label,
                          convention_note=conv.note, also=[c.name for c in matches[1:]])
    cause = _diagnose(case, expected, got)
    if cause is None and first is not None:
        index, want, have = first
        cause = f"first wrong pixel at {index}: expected {want:.6g}, got {have:.6g}"
    return Comparison("fail", max_abs_diff=diff, first_diff=first, cause=cause)
