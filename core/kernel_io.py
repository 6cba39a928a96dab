"""Kernel files: the ``.json`` text of a kernel and atomic ``.json`` / ``.npy`` files.

``.json`` kernel files look like ``{"format": "convolution-explorer-kernel", "version": 1,
"name": "Sobel x", "kernel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]}``; a bare nested list and any
object with a ``"kernel"`` member (a preset entry) are read too. ``.npy`` files hold the array
itself and are read with ``allow_pickle=False``. Every write is atomic (:mod:`core.atomic`).
"""

import json
from pathlib import Path

import numpy as np

from .atomic import atomic_path, atomic_write_text
from .kernel_checks import MAX_KERNEL_FILE_BYTES, check_kernel

__all__ = ["kernel_to_json", "kernel_from_json", "named_kernel_from_json", "save_kernel",
           "load_kernel", "load_named_kernel"]

_FILE_FORMAT = "convolution-explorer-kernel"
_FILE_SUFFIXES = (".json", ".npy")


# -- JSON ------------------------------------------------------------------------------------


def _plain_number(value):
    """``3.0`` -> ``3`` so files read like hand-written kernels; other floats unchanged."""
    if value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _nested_json(values, indent):
    """Nested lists as JSON with the innermost lists on one line each."""
    if not isinstance(values[0], list):
        return json.dumps([_plain_number(v) for v in values])
    pad = " " * (indent + 2)
    inner = f",\n{pad}".join(_nested_json(v, indent + 2) for v in values)
    return f"[\n{pad}{inner}\n{' ' * indent}]"


def kernel_to_json(kernel, name=None):
    """Return the text of a ``.json`` kernel file holding ``kernel`` (exact round trip).

    Parameters
    ----------
    kernel : array_like
        A 2-D, 3-D or 4-D kernel (see :func:`check_kernel`).
    name : str, optional
        Stored as ``"name"``, shown by the explorer when the file is loaded.

    Examples
    --------
    >>> text = kernel_to_json([[1, 0, -1], [1, 0, -1], [1, 0, -1]], name="Vertical edges")
    >>> kernel_from_json(text).shape
    (3, 3)
    """
    kernel = check_kernel(kernel)
    header = {"format": _FILE_FORMAT, "version": 1}
    if name:
        header["name"] = str(name)
    header["shape"] = list(kernel.shape)
    lines = [f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
             for key, value in header.items()]
    lines.append(f'  "kernel": {_nested_json(kernel.tolist(), 2)}')
    return "{\n" + ",\n".join(lines) + "\n}\n"


def named_kernel_from_json(text, source="JSON text"):
    """Parse kernel JSON; return ``(kernel, name)`` (``name`` is ``None`` when the text has none).

    Accepts a kernel file written by :func:`kernel_to_json`, any object with a ``"kernel"``
    member, or a bare nested list. ``source`` names the text in error messages.

    Examples
    --------
    >>> named_kernel_from_json('{"name": "tiny", "kernel": [[2]]}')[1]
    'tiny'
    """
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"{source} is not valid JSON: {exc}") from None
    name = None
    if isinstance(data, dict):
        if "kernel" not in data:
            raise ValueError(f"{source} has no 'kernel' member")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{source}: 'name' must be text, got {name!r}")
        data = data["kernel"]
    elif not isinstance(data, list):
        raise ValueError(f"{source} must hold a kernel object or a nested list of numbers")
    return check_kernel(data, f"{source} kernel"), name


def kernel_from_json(text, source="JSON text"):
    """Parse kernel JSON (see :func:`named_kernel_from_json`) and return only the kernel.

    Examples
    --------
    >>> kernel_from_json("[[0, 1], [1, 0]]").tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    return named_kernel_from_json(text, source)[0]


# -- files -----------------------------------------------------------------------------------


def _file_kind(path):
    suffix = Path(path).suffix.lower()
    if suffix not in _FILE_SUFFIXES:
        raise ValueError(f"{path}: kernel files must end in .json or .npy, not {suffix!r}")
    return suffix


def save_kernel(path, kernel, name=None):
    """Write ``kernel`` to a ``.json`` or ``.npy`` file, atomically.

    Parameters
    ----------
    path : str or Path
        Target; the suffix picks the format. Its folder must exist.
    kernel : array_like
        A 2-D, 3-D or 4-D kernel.
    name : str, optional
        Kept in ``.json`` files (``.npy`` files hold only the array).

    Raises
    ------
    ValueError
        For an unknown suffix or an invalid kernel.
    OSError
        If the file cannot be written; an existing file is then left untouched.

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "edges.npy")
    >>> save_kernel(target, [[1, 0, -1]] * 3)
    >>> load_kernel(target)[0].tolist()
    [1.0, 0.0, -1.0]
    """
    kind = _file_kind(path)
    kernel = check_kernel(kernel)
    if kind == ".json":
        atomic_write_text(path, kernel_to_json(kernel, name=name))
        return
    with atomic_path(path) as tmp:
        np.save(tmp, np.ascontiguousarray(kernel), allow_pickle=False)


def load_named_kernel(path):
    """Read a ``.json`` or ``.npy`` kernel file; return ``(kernel, name)``.

    ``name`` is the one stored in a JSON file, or else the file's stem.

    Raises
    ------
    ValueError, TypeError
        Naming the file when it is not a readable, valid kernel.
    OSError
        When the file cannot be opened.
    """
    from .datasets import check_regular

    path = Path(path)
    kind = _file_kind(path)
    check_regular(path)
    if path.is_file() and path.stat().st_size > MAX_KERNEL_FILE_BYTES:
        raise ValueError(f"{path} is {path.stat().st_size / 2**20:.0f} MB, too large for a "
                         f"kernel file (at most {MAX_KERNEL_FILE_BYTES >> 20} MB)")
    try:
        if kind == ".npy":
            return _load_npy(path), path.stem
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not a UTF-8 JSON file") from None
        kernel, name = named_kernel_from_json(text, source=str(path))
    except RecursionError:
        raise ValueError(f"{path} is nested too deeply to be a kernel file") from None
    except MemoryError as exc:
        raise ValueError(f"{path} is not a valid kernel file ({exc})") from None
    return kernel, name or path.stem


def _load_npy(path):
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable .npy array: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{path} does not hold a single array")
    return check_kernel(array, str(path))


def load_kernel(path):
    """Read a ``.json`` or ``.npy`` kernel file and return the kernel (see
    :func:`load_named_kernel`).

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "k.json")
    >>> save_kernel(target, [[0.5, 0.5]], name="pair")
    >>> load_kernel(target).tolist()
    [[0.5, 0.5]]
    """
    return load_named_kernel(path)[0]
