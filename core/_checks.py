"""Argument checks shared by the numeric core.

Every check raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind, wrong value)
with a message that starts with the argument's name, so a student reading the traceback knows
which argument to fix.
"""

import numbers

import numpy as np

__all__ = ["as_pair", "as_flag", "as_array", "check_ndim", "check_finite", "compute_dtype"]


def as_pair(value, name, *, minimum=1):
    """Return ``value`` as a pair of Python ints, each at least ``minimum``.

    An int ``n`` means ``(n, n)``; a sequence must hold exactly two ints.

    Examples
    --------
    >>> as_pair(2, "stride")
    (2, 2)
    >>> as_pair((1, 3), "stride")
    (1, 3)
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, numbers.Integral):
        pair = (int(value), int(value))
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
        if len(items) != 2:
            raise ValueError(f"{name} must have exactly 2 values, got {len(items)}: {value!r}")
        for item in items:
            if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
                raise TypeError(f"{name} must hold ints, got {value!r}")
        pair = (int(items[0]), int(items[1]))
    if pair[0] < minimum or pair[1] < minimum:
        raise ValueError(f"{name} values must be >= {minimum}, got {pair}")
    return pair


def as_flag(value, name):
    """Return ``value`` as a Python bool; only ``True``/``False`` (or NumPy bools) are accepted.

    Strings such as ``"no"`` are refused rather than read as true.

    Examples
    --------
    >>> as_flag(True, "flip")
    True
    >>> as_flag("no", "flip")
    Traceback (most recent call last):
    ...
    TypeError: flip must be True or False, got 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_array(value, name):
    """Return ``value`` as a numeric ndarray (no copy when it already is one).

    Booleans become uint8; object, string and complex arrays are refused.
    """
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if value.dtype == np.bool_:
        value = value.view(np.uint8)
    if value.dtype.kind not in "uif":
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if value.size == 0:
        raise ValueError(f"{name} is empty (shape {value.shape})")
    return value


def check_ndim(array, name, allowed, meaning):
    """Raise ``ValueError`` unless ``array.ndim`` is in ``allowed``; ``meaning`` names the layout."""
    if array.ndim not in allowed:
        raise ValueError(f"{name} must be {meaning}, got shape {array.shape}")


def check_finite(array, name):
    """Raise ``ValueError`` if a float ``array`` holds NaN or infinity."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers, found NaN or infinity")


def compute_dtype(dtype):
    """The floating dtype the engine computes in: float32 or float64 (the default)."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype
