"""The small edits a kernel editor needs: banks, resizing, normalising, random and typed weights.

Every function returns a new array and leaves its argument alone; the kernels they take are
checked by :func:`core.kernel_checks.check_kernel`.
"""

import math
import numbers

import numpy as np

from .kernel_checks import MAX_KERNEL_SIZE, check_kernel

__all__ = ["as_bank", "compact_kernel", "add_identity_kernel", "duplicate_kernel",
           "remove_kernel", "resize_kernel", "normalise_kernel", "random_kernel",
           "parse_weight", "format_weight"]


def as_bank(kernel, channels):
    """Return ``kernel`` as a bank ``(kh, kw, c, nc)`` for data with ``channels`` channels.

    A 2-D kernel gets the same weights in every channel and ``nc = 1``; a 3-D kernel becomes one
    kernel of the bank; a 4-D kernel is kept. The result is a new writeable array.

    Raises
    ------
    ValueError
        If a 3-D or 4-D kernel's channel count is not ``channels``.

    Examples
    --------
    >>> as_bank([[1, 0, -1]] * 3, channels=3).shape
    (3, 3, 3, 1)
    """
    kernel = check_kernel(kernel)
    if isinstance(channels, bool) or not isinstance(channels, numbers.Integral) or channels < 1:
        raise ValueError(f"channels must be a positive int, got {channels!r}")
    if kernel.ndim == 2:
        return np.repeat(kernel[:, :, None, None], channels, axis=2)
    bank = kernel[:, :, :, None] if kernel.ndim == 3 else kernel
    if bank.shape[2] != channels:
        raise ValueError(f"kernel has {bank.shape[2]} channel(s) (shape {kernel.shape}) but the "
                         f"data has {channels}")
    return np.array(bank)


def compact_kernel(bank):
    """The smallest kernel that :func:`as_bank` turns back into ``bank`` (same channel count).

    One kernel whose channels are all equal becomes 2-D; one kernel becomes 3-D; a bank of
    several kernels stays 4-D.

    Examples
    --------
    >>> compact_kernel(as_bank([[1, 2]], channels=3)).shape
    (1, 2)
    """
    bank = check_kernel(bank, "bank")
    if bank.ndim < 4:
        return np.array(bank)
    if bank.shape[3] > 1:
        return np.array(bank)
    single = bank[:, :, :, 0]
    if (single == single[:, :, :1]).all():
        return np.array(single[:, :, 0])
    return np.array(single)


def add_identity_kernel(bank):
    """``bank`` (kh, kw, c, nc) with one more kernel at the end: the identity (weight 1 at the
    anchor ``((kh - 1) // 2, (kw - 1) // 2)`` of every channel), so its map shows the image.

    Examples
    --------
    >>> add_identity_kernel(np.zeros((3, 3, 1, 1)))[:, :, 0, 1].tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    bank = check_kernel(bank, "bank")
    kh, kw, channels = bank.shape[:3]
    new = np.zeros((kh, kw, channels, 1))
    new[(kh - 1) // 2, (kw - 1) // 2, :, 0] = 1.0
    return np.concatenate([bank, new], axis=3)


def duplicate_kernel(bank, index):
    """``bank`` with a copy of kernel ``index`` inserted right after it.

    Examples
    --------
    >>> bank = np.stack([np.full((1, 1, 1), v) for v in (1.0, 2.0)], axis=3)
    >>> duplicate_kernel(bank, 0).ravel().tolist()
    [1.0, 1.0, 2.0]
    """
    bank = check_kernel(bank, "bank")
    return np.insert(bank, index + 1, bank[:, :, :, index], axis=3)


def remove_kernel(bank, index):
    """``bank`` without kernel ``index``; a bank keeps at least one kernel.

    Examples
    --------
    >>> bank = np.stack([np.full((1, 1, 1), v) for v in (1.0, 2.0)], axis=3)
    >>> remove_kernel(bank, 0).ravel().tolist()
    [2.0]
    """
    bank = check_kernel(bank, "bank")
    if bank.shape[3] == 1:
        raise ValueError("bank has one kernel, which cannot be removed")
    return np.delete(bank, index, axis=3)


def _shift_range(old, new):
    """Source and target slices that keep the anchor ``(k - 1) // 2`` in place."""
    offset = (new - 1) // 2 - (old - 1) // 2
    start = max(0, -offset)
    stop = min(old, new - offset)
    return slice(start, stop), slice(start + offset, stop + offset)


def resize_kernel(kernel, rows, cols):
    """Resize the first two axes of ``kernel`` to ``rows x cols``, keeping it centred.

    The anchor cell ``((kh - 1) // 2, (kw - 1) // 2)`` (the centre of an odd kernel, the cell
    above-left of the centre of an even one, as in 'same' padding) stays on the anchor of the new
    size: growing adds zeros around, shrinking crops the outer rows and columns. Growing and then
    shrinking back gives the original kernel. Extra axes (channels, bank) are kept.

    Examples
    --------
    >>> resize_kernel([[1, 2, 3], [4, 5, 6], [7, 8, 9]], 1, 1).tolist()
    [[5.0]]
    >>> resize_kernel([[5]], 3, 2).tolist()
    [[0.0, 0.0], [5.0, 0.0], [0.0, 0.0]]
    """
    kernel = check_kernel(kernel)
    for value, label in ((rows, "rows"), (cols, "cols")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{label} must be an int, got {value!r}")
        if not 1 <= value <= MAX_KERNEL_SIZE:
            raise ValueError(f"{label} must be between 1 and {MAX_KERNEL_SIZE}, got {value}")
    resized = np.zeros((rows, cols) + kernel.shape[2:])
    src_r, dst_r = _shift_range(kernel.shape[0], rows)
    src_c, dst_c = _shift_range(kernel.shape[1], cols)
    resized[dst_r, dst_c] = kernel[src_r, src_c]
    return resized


def normalise_kernel(kernel):
    """Scale ``kernel`` so that its weights sum to 1.

    Raises
    ------
    ValueError
        If the weights sum to 0 (within rounding), as edge detectors do: no scale can make the
        sum 1, so the kernel is refused rather than changed some other way.

    Examples
    --------
    >>> normalise_kernel([[1, 2, 1]]).tolist()
    [[0.25, 0.5, 0.25]]
    """
    kernel = check_kernel(kernel)
    total = float(kernel.sum())
    if abs(total) <= 1e-12 * max(float(np.abs(kernel).sum()), 1e-300):
        raise ValueError("kernel weights sum to 0, so no scale can make them sum to 1")
    return kernel / total


def random_kernel(shape, rng=None):
    """Random weights in [-1, 1] rounded to 2 decimals (short enough to read in a grid).

    Examples
    --------
    >>> k = random_kernel((3, 3), rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(k) <= 1))
    True
    """
    rng = np.random.default_rng() if rng is None else rng
    return np.round(rng.uniform(-1.0, 1.0, size=shape), 2)


# -- single weights --------------------------------------------------------------------------


def parse_weight(text):
    """Parse one typed kernel weight: a number (``-2``, ``0.5``, ``1e-3``) or a fraction (``1/9``).

    Raises
    ------
    ValueError
        If ``text`` is not a finite number or fraction (the message quotes it).

    Examples
    --------
    >>> parse_weight("1/9") == 1 / 9
    True
    >>> parse_weight("-2")
    -2.0
    """
    cleaned = str(text).strip().replace("\u2212", "-").replace(" ", "")
    parts = cleaned.split("/")
    try:
        if len(parts) == 1:
            value = float(parts[0])
        elif len(parts) == 2:
            value = float(parts[0]) / float(parts[1])
        else:
            raise ValueError
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a number; type e.g. 0.5, -2 or 1/9") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def format_weight(value, digits=None):
    """Text for one weight: whole numbers without decimals, others with ``digits`` significant
    digits (the shortest exact text when ``digits`` is None).

    Examples
    --------
    >>> format_weight(-2.0), format_weight(1 / 9, 2), format_weight(0.25)
    ('-2', '0.11', '0.25')
    """
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if digits is None:
        return repr(value)
    text = f"{value:.{digits}g}"
    return text
