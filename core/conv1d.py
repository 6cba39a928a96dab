"""One-dimensional convolution, step by step, as the lesson on convolutions teaches it.

This is *true* convolution: the kernel is flipped and slid over the zero-padded signal, exactly
like :func:`numpy.convolve`. (The 2-D engine, :func:`core.conv2d`, defaults to cross-correlation.)

Modes and their zero padding, for a signal of ``n`` values and a kernel of ``k`` values:

``'full'``
    ``k - 1`` zeros on each side; ``n + k - 1`` outputs (every position where they overlap).
``'same'``
    ``k // 2`` zeros on the left and ``(k - 1) // 2`` on the right; ``n`` outputs. This is
    NumPy's centring (``np.convolve(signal, kernel, 'same')`` when ``k <= n``): for an even
    kernel the extra zero goes on the *left*, as in the lesson ("we just add the zero to the
    left"). The 2-D engine's ``'same'`` (TensorFlow's) puts the extra row/column at the
    bottom/right instead.
``'valid'``
    no padding; ``n - k + 1`` outputs. Requires ``k <= n`` (NumPy would silently swap the two
    arrays; here a longer kernel is an error, so the picture always slides the kernel).
"""

import re
from dataclasses import dataclass

import numpy as np

from ._checks import as_array, check_finite
from .choices import CONV1D_MODE_CHOICES, keys

__all__ = ["MODES", "Step", "Walkthrough", "convolve1d", "convolve1d_steps", "padding1d",
           "parse_sequence"]

#: The modes understood by :func:`convolve1d`.
MODES = keys(CONV1D_MODE_CHOICES)


def parse_sequence(text, name="sequence", *, max_values=None):
    """Read typed numbers separated by commas, semicolons or spaces (``"1, 2, 5, 4"``).

    Brackets are ignored, so ``"[6, 2]"`` works too; each value may be a fraction (``1/3``).
    Whole numbers come back as ``int``, the others as ``float``.

    Raises
    ------
    ValueError
        Naming ``name`` and the offending text when it is empty, not a number, not finite, or
        longer than ``max_values``.

    Examples
    --------
    >>> parse_sequence("1, 2 5;4")
    (1, 2, 5, 4)
    >>> parse_sequence("[0.5, -1/4]")
    (0.5, -0.25)
    """
    cleaned = re.sub(r"[\[\]()]", " ", str(text)).replace("\u2212", "-")
    tokens = [t for t in re.split(r"[,;\s]+", cleaned) if t]
    if not tokens:
        raise ValueError(f"{name} is empty: type numbers separated by commas, e.g. 1, 2, 5, 4")
    if max_values is not None and len(tokens) > max_values:
        raise ValueError(f"{name} has {len(tokens)} values; at most {max_values} fit the picture")
    values = []
    for token in tokens:
        parts = token.split("/")
        try:
            if len(parts) > 2:
                raise ValueError
            value = float(parts[0]) if len(parts) == 1 else float(parts[0]) / float(parts[1])
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{name}: {token!r} is not a number") from None
        if not np.isfinite(value):
            raise ValueError(f"{name}: {token!r} is not a finite number")
        values.append(int(value) if value.is_integer() and abs(value) < 1e15 else value)
    return tuple(values)


def _as_sequence(values, name):
    array = as_array(values, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of numbers, got shape {array.shape}")
    check_finite(array, name)
    return array


def _check_mode(mode):
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    return mode


def _prepare(signal, kernel, mode):
    signal = _as_sequence(signal, "signal")
    kernel = _as_sequence(kernel, "kernel")
    mode = _check_mode(mode)
    if mode == "valid" and kernel.size > signal.size:
        raise ValueError(
            f"kernel has {kernel.size} values but signal only {signal.size}: with mode 'valid' "
            "the kernel must fit inside the signal; use 'full' or 'same', or swap them")
    integral = signal.dtype.kind in "ui" and kernel.dtype.kind in "ui"
    dtype = np.int64 if integral else np.float64
    return signal.astype(dtype), kernel.astype(dtype), mode


def padding1d(n, k, mode):
    """Zeros added ``(left, right)`` of a signal of ``n`` values for a kernel of ``k`` values.

    Examples
    --------
    >>> padding1d(4, 2, 'full'), padding1d(4, 2, 'same'), padding1d(4, 2, 'valid')
    ((1, 1), (1, 0), (0, 0))
    """
    mode = _check_mode(mode)
    if mode == "full":
        return (k - 1, k - 1)
    if mode == "same":
        return (k // 2, (k - 1) // 2)
    return (0, 0)


def convolve1d(signal, kernel, mode="full"):
    """Convolve a 1-D ``signal`` with a 1-D ``kernel`` (the kernel is flipped).

    Parameters
    ----------
    signal, kernel : sequence of numbers
        Non-empty, finite, 1-D.
    mode : {'full', 'same', 'valid'}
        How much zero padding; see the module docstring.

    Returns
    -------
    ndarray
        int64 when both inputs are integers, else float64. Lengths: ``n + k - 1`` (full),
        ``n`` (same), ``n - k + 1`` (valid).

    Examples
    --------
    >>> convolve1d([3, 4, 5], [2, 1, 0]).tolist()
    [6, 11, 14, 5, 0]
    >>> convolve1d([1, 2, 5, 4], [6, 2], 'valid').tolist()
    [14, 34, 34]
    """
    signal, kernel, mode = _prepare(signal, kernel, mode)
    left, right = padding1d(signal.size, kernel.size, mode)
    padded = np.concatenate([np.zeros(left, signal.dtype), signal, np.zeros(right, signal.dtype)])
    flipped = kernel[::-1]
    count = padded.size - kernel.size + 1
    out = np.zeros(count, dtype=signal.dtype)
    for tap, weight in enumerate(flipped):
        out += weight * padded[tap:tap + count]
    return out


@dataclass(frozen=True)
class Step:
    """One output value: where the flipped kernel sits, what it multiplies, and the sum.

    Attributes
    ----------
    index : int
        The output position ``i`` (this step computes ``output[i]``).
    start : int
        Index in the padded signal under the flipped kernel's first value.
    window : tuple of numbers
        The padded-signal values under the flipped kernel.
    products : tuple of numbers
        ``flipped[j] * window[j]`` for each tap ``j``.
    total : number
        The sum of the products: ``output[i]``.
    """

    index: int
    start: int
    window: tuple
    products: tuple
    total: object

    @property
    def partial_sums(self):
        """Running sums of :attr:`products`, tap by tap; the last one is :attr:`total`."""
        return tuple(np.cumsum(self.products).tolist())


@dataclass(frozen=True)
class Walkthrough:
    """Everything a step-by-step picture of a 1-D convolution needs.

    Iterate over it (or index it) for the :class:`Step` of each output position.

    Attributes
    ----------
    signal, kernel, flipped, padded, output : ndarray
        The inputs, the kernel reversed, the zero-padded signal and the result.
    mode : str
    pad : (int, int)
        Zeros added left and right of the signal.
    steps : tuple of Step
    """

    signal: np.ndarray
    kernel: np.ndarray
    flipped: np.ndarray
    padded: np.ndarray
    output: np.ndarray
    mode: str
    pad: tuple
    steps: tuple

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def padding_sentence(self):
        """What the mode padded and how many outputs that gives, with this walk's numbers.

        Examples
        --------
        >>> convolve1d_steps([1, 2, 5, 4], [6, 2], 'full').padding_sentence()
        'full: k − 1 = 1 zero on each side, n + k − 1 = 5 outputs'
        >>> convolve1d_steps([1, 2, 5, 4], [6, 2], 'valid').padding_sentence()
        'valid: no padding, n − k + 1 = 4 − 2 + 1 = 3 outputs'
        """
        n, k, count = self.signal.size, self.kernel.size, len(self)
        left, right = self.pad
        if self.mode == "full":
            return f"full: k − 1 = {_zeros(left)} on each side, n + k − 1 = {count} outputs"
        if self.mode == "same":
            return (f"same: {_zeros(left)} on the left, {_zeros(right)} on the right "
                    f"(as np.convolve), n = {n} outputs")
        return f"valid: no padding, n − k + 1 = {n} − {k} + 1 = {count} outputs"

    def is_padding(self, position):
        """True when ``padded[position]`` is an added zero, not a value of the signal."""
        return position < self.pad[0] or position >= self.pad[0] + self.signal.size


def _zeros(count):
    return "no zeros" if count == 0 else "1 zero" if count == 1 else f"{count} zeros"


def convolve1d_steps(signal, kernel, mode="full"):
    """Every step of :func:`convolve1d`: kernel position, products and their sum.

    Parameters
    ----------
    signal, kernel, mode
        As for :func:`convolve1d`.

    Returns
    -------
    Walkthrough
        One :class:`Step` per output value, plus the padded signal and the flipped kernel.

    Examples
    --------
    >>> walk = convolve1d_steps([1, 2, 5, 4], [6, 2], 'full')
    >>> walk.padded.tolist(), walk.flipped.tolist()
    ([0, 1, 2, 5, 4, 0], [2, 6])
    >>> step = walk[1]
    >>> step.start, step.window, step.products, step.total
    (1, (1, 2), (2, 12), 14)
    """
    signal, kernel, mode = _prepare(signal, kernel, mode)
    left, right = padding1d(signal.size, kernel.size, mode)
    padded = np.concatenate([np.zeros(left, signal.dtype), signal, np.zeros(right, signal.dtype)])
    flipped = kernel[::-1].copy()
    k = kernel.size
    steps = []
    for i in range(padded.size - k + 1):
        window = padded[i:i + k]
        products = flipped * window
        steps.append(Step(index=i, start=i, window=tuple(window.tolist()),
                          products=tuple(products.tolist()), total=products.sum().item()))
    output = np.array([s.total for s in steps], dtype=signal.dtype)
    return Walkthrough(signal=signal, kernel=kernel, flipped=flipped, padded=padded,
                       output=output, mode=mode, pad=(left, right), steps=tuple(steps))
