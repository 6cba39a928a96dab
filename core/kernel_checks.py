"""What a kernel may be: its limits and the one check every kernel passes through.

A kernel is a float64 array of shape ``(kh, kw)``, ``(kh, kw, c)`` or ``(kh, kw, c, nc)`` with
``1 <= kh, kw <= MAX_KERNEL_SIZE``, at most ``MAX_BANK_SIZE`` kernels and finite values.
:func:`check_kernel` is used by the presets, kernel files, the editor's edits and the state.
"""

import numpy as np

__all__ = ["MAX_KERNEL_SIZE", "MAX_BANK_SIZE", "MAX_KERNEL_FILE_BYTES", "check_kernel"]

#: Largest kernel height or width the explorer accepts.
MAX_KERNEL_SIZE = 15

#: The largest kernel bank (kernels in one layer): each kernel is one more feature map to
#: compute and draw, and beyond a few dozen the maps are too small to see.
MAX_BANK_SIZE = 64

#: Kernel files larger than this are refused before being read (a 15x15x4x64 bank in JSON
#: is well under 1 MB).
MAX_KERNEL_FILE_BYTES = 8 << 20


def check_kernel(value, name="kernel"):
    """Return ``value`` as a new read-only float64 kernel array, or raise naming ``name``.

    Parameters
    ----------
    value : array_like
        Nested lists or an array of real numbers, 2-D, 3-D or 4-D.
    name : str
        What to call the value in error messages (a file, an entry, an argument).

    Returns
    -------
    ndarray
        float64, read-only, same shape as ``value``.

    Raises
    ------
    TypeError
        If ``value`` holds something other than real numbers (strings, booleans, None).
    ValueError
        If the nesting is ragged, the array is not 2-4-D, a size is out of range, or a value is
        NaN or infinite.

    Examples
    --------
    >>> check_kernel([[1, 0, -1]] * 3).shape
    (3, 3)
    >>> check_kernel([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    ValueError: kernel is ragged: every row must have the same length
    """
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} is ragged: every row must have the same length") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold only numbers, got {_describe_dtype(array)}")
    if array.ndim not in (2, 3, 4):
        raise ValueError(f"{name} must be 2-D (kh, kw), 3-D (kh, kw, c) or 4-D (kh, kw, c, nc), "
                         f"got shape {array.shape}")
    kh, kw = array.shape[:2]
    if not (1 <= kh <= MAX_KERNEL_SIZE and 1 <= kw <= MAX_KERNEL_SIZE):
        raise ValueError(f"{name} must be between 1x1 and {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE}, "
                         f"got {kh}x{kw}")
    if 0 in array.shape:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if array.ndim == 4 and array.shape[3] > MAX_BANK_SIZE:
        raise ValueError(f"{name} is a bank of {array.shape[3]} kernels; at most "
                         f"{MAX_BANK_SIZE} are supported")
    array = np.array(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers, found NaN or infinity")
    array.flags.writeable = False
    return array


def _describe_dtype(array):
    if array.dtype.kind == "b":
        return "booleans"
    if array.dtype.kind in "US":
        return "text"
    if array.dtype.kind == "c":
        return "complex numbers"
    return f"values of type {array.dtype}"
