"""One BLAS thread while the engine multiplies: measured, not guessed.

The engine's matrix products are many and small (one per band of a photo or block of images,
0.1-1 ms each). With OpenBLAS's default of one thread per core they were 5-8x SLOWER whenever
anything else used a core (the threads spin-wait on each other): a bank of 3x3x3x16 kernels on
2000 CIFAR-size images took 5.0 s with 2 BLAS threads against 0.79 s with one, on a busy 2-core
machine; on an idle one the second thread gains at most ~1.3x. So :func:`single_blas_thread`
limits OpenBLAS (the BLAS NumPy's wheels ship) to one thread for the duration of a call and
restores the previous count afterwards. NumPy has no API for this; the library's own
``set_num_threads`` entry point is called through ``ctypes``. Where it cannot be found (another
BLAS, an unusual build) the context manager does nothing.
"""

import contextlib
import ctypes
import glob
import os
import threading

import numpy as np

__all__ = ["single_blas_thread"]

_NAMES = ("scipy_openblas_{}_num_threads64_", "scipy_openblas_{}_num_threads",
          "openblas_{}_num_threads64_", "openblas_{}_num_threads")
_lock = threading.Lock()
_users = 0
_saved = None
_functions = None


def _find():
    """``(get, set)`` of the OpenBLAS NumPy loaded, or ``(None, None)``."""
    root = os.path.dirname(os.path.dirname(np.__file__))
    patterns = [os.path.join(root, "numpy.libs", "*openblas*"),
                os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*")]
    for path in (p for pattern in patterns for p in sorted(glob.glob(pattern))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _NAMES:
            getter = getattr(lib, name.format("get"), None)
            setter = getattr(lib, name.format("set"), None)
            if getter is not None and setter is not None:
                getter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
                return getter, setter
    return None, None


@contextlib.contextmanager
def single_blas_thread():
    """Run the body with OpenBLAS on one thread (nestable, shared between threads).

    Examples
    --------
    >>> import numpy as np
    >>> with single_blas_thread():
    ...     float(np.ones((2, 3)) @ np.ones(3) @ np.ones(2))
    6.0
    """
    global _users, _saved, _functions
    with _lock:
        if _functions is None:
            _functions = _find()
        get, set_ = _functions
        if get is not None:
            if _users == 0:
                _saved = get()
                if _saved != 1:
                    set_(1)
            _users += 1
    try:
        yield
    finally:
        with _lock:
            if get is not None:
                _users -= 1
                if _users == 0 and _saved != 1:
                    set_(_saved)
