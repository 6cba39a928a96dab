"""Other conventions a correct-looking solution may follow, each computed with the core engine.

The assignment's text fixes some things (zero padding; 'same' keeps ``(h, w)`` at stride 1;
pooling output ``⌊(h − kh) / sh⌋ + 1``) and leaves others open. A student's output that differs
from the reference may still be exactly right under another, named convention; this module
computes the output under each such convention so the checker can say which one it is.
"""

from dataclasses import dataclass

import numpy as np

from ..engine import conv2d, pool2d
from ..geometry import resolve_padding

__all__ = ["Convention", "CONVENTIONS", "alternatives", "convolution_settings"]


@dataclass(frozen=True)
class Convention:
    """A named way to read the assignment, with what its text implies about it."""

    name: str
    label: str
    note: str


CONVENTIONS = {c.name: c for c in (
    Convention(
        "same_top_left",
        "'same' with the extra padding row/column at the top/left (scipy.ndimage style)",
        "The assignment says 'same' keeps (h, w) with zero padding but not where an odd padding "
        "row/column goes; the reference puts it at the bottom/right, as TensorFlow does (the "
        "padding guide in the assignment's resources)."),
    Convention(
        "symmetric_half",
        "k // 2 zeros on each side ('same' padding for odd kernels only)",
        "With an even kernel, k // 2 zeros on each side give one row/column more than the "
        "input, so the output is not 'same' (1-main.py: 28×28 in, 28×28 out)."),
    Convention(
        "keep_size",
        "strided 'same' keeps the input size: ⌈((h − 1)·s + k − h) / 2⌉ zeros on each side",
        "The assignment does not define 'same' for stride > 1; the reference follows TensorFlow "
        "(output ⌈h / s⌉), as the padding guide in its resources does. Keeping the input size "
        "is a common reading."),
    Convention(
        "keep_size_floor",
        "strided 'same' padding ⌊((h − 1)·s + k − h) / 2⌋ on each side",
        "The 'keep the input size' padding rounded down: one row/column short of the input "
        "size at even strides. The reference follows TensorFlow (output ⌈h / s⌉)."),
    Convention(
        "plus_one_formula",
        "'same' padding ((h − 1)·s + k − h) // 2 + 1 on each side",
        "This widespread formula pads one more than needed: a 3×3 kernel at stride 1 turns "
        "28×28 into 30×30, while 1-main.py shows 28×28 → 28×28."),
    Convention(
        "flipped",
        "kernel flipped by 180° (true convolution)",
        "The assignment's functions are cross-correlations, as in CNN frameworks: its main files "
        "apply the kernels as written (0-main.py's vertical-edge kernel). Flipping the kernel "
        "is the mathematical convolution."),
    Convention(
        "partial_window",
        "pooling keeps the partial last window (ceil mode)",
        "The assignment's pooling has no padding: the output is ⌊(h − kh) / sh⌋ + 1 and a "
        "window that would stick out of the image is dropped."),
)}


def _same_pads(case):
    """The reference's ((top, bottom), (left, right)) for the case's images and kernel."""
    h, w = case.images.shape[1:3]
    return resolve_padding(case.padding, (h, w), case.kernel.shape[:2], case.stride)


def _symmetric(amounts):
    return tuple((max(p, 0), max(p, 0)) for p in amounts)


def _conv_pads(case):
    """Padding of each conv convention that applies to ``case``: ``{name: pads}``."""
    h, w = case.images.shape[1:3]
    kh, kw = case.kernel.shape[:2]
    sh, sw = case.stride
    pads = {}
    if case.padding != "same":
        return pads
    (t, b), (l, r) = _same_pads(case)
    if (t, l) != (b, r):
        pads["same_top_left"] = ((b, t), (r, l))
    pads["symmetric_half"] = _symmetric((kh // 2, kw // 2))
    totals = [(n - 1) * s + k - n for n, s, k in ((h, sh, kh), (w, sw, kw))]
    if (sh, sw) != (1, 1):
        pads["keep_size"] = _symmetric([-(-total // 2) for total in totals])
        pads["keep_size_floor"] = _symmetric([total // 2 for total in totals])
    pads["plus_one_formula"] = _symmetric([total // 2 + 1 for total in totals])
    return pads


def _partial_pool(images, window, stride, mode):
    """Pooling whose last window may stick out of the image (only the pixels inside count)."""
    h, w = images.shape[1:3]
    (kh, kw), (sh, sw) = window, stride
    extra = [(-(-max(n - k, 0) // s)) * s + k - n for n, k, s in ((h, kh, sh), (w, kw, sw))]
    pad = ((0, 0), (0, extra[0]), (0, extra[1])) + ((0, 0),) * (images.ndim - 3)
    values = np.asarray(images, dtype=np.float64)
    if mode == "max":
        # Repeating the last row/column never changes a maximum.
        return pool2d(np.pad(values, pad, mode="edge"), window, stride=stride, mode="max")
    sums = pool2d(np.pad(values, pad), window, stride=stride, mode="avg")
    counts = pool2d(np.pad(np.ones_like(values[:1]), pad), window, stride=stride, mode="avg")
    return sums / counts


def alternatives(case):
    """The case's output under each convention that applies to it and differs from the reference.

    Returns
    -------
    list of (Convention, ndarray)
        In order of how often they are met in student solutions.

    Examples
    --------
    >>> import numpy as np
    >>> from core.homework.cases import Case
    >>> case = Case(1, "even", np.arange(9.0).reshape(1, 3, 3), "x", np.ones((2, 2)))
    >>> [(c.name, out.shape) for c, out in alternatives(case)][:2]
    [('same_top_left', (1, 3, 3)), ('symmetric_half', (1, 4, 4))]
    """
    found = []
    if case.task == 6:
        o = case.options
        window, stride = tuple(o["kernel_shape"]), tuple(o["stride"])
        h, w = case.images.shape[1:3]
        if (h - window[0]) % stride[0] or (w - window[1]) % stride[1]:
            found.append((CONVENTIONS["partial_window"],
                          _partial_pool(case.images, window, stride, o["mode"])))
        return found
    for name, pads in _conv_pads(case).items():
        if pads == _same_pads(case):
            continue
        try:
            out = conv2d(case.images, case.kernel, padding=pads, stride=case.stride)
        except ValueError:
            continue
        found.append((CONVENTIONS[name], out))
    kernel = case.kernel
    if not np.array_equal(kernel, kernel[::-1, ::-1]):
        found.append((CONVENTIONS["flipped"],
                      conv2d(case.images, kernel, padding=_same_pads(case), stride=case.stride,
                             flip=True)))
    return found


def convolution_settings(case, name=None):
    """``(padding, flip)`` that reproduce ``case`` under convention ``name`` (None: the reference).

    ``padding`` is ``((top, bottom), (left, right))``; None when ``name`` is not a convolution
    convention of this case (pooling, or a convention that does not apply).

    Examples
    --------
    >>> import numpy as np
    >>> from core.homework.cases import Case
    >>> case = Case(1, "even", np.zeros((1, 5, 5)), "x", np.ones((2, 2)))
    >>> convolution_settings(case), convolution_settings(case, "same_top_left")
    ((((0, 1), (0, 1)), False), (((1, 0), (1, 0)), False))
    """
    if case.kernel is None:
        return None
    if name is None:
        return _same_pads(case), False
    if name == "flipped":
        return _same_pads(case), True
    pads = _conv_pads(case).get(name)
    return None if pads is None else (pads, False)
