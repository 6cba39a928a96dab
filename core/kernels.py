"""Kernels as data: the bundled presets, kernel files, and the small edits a kernel editor needs.

A kernel is a float64 array of shape ``(kh, kw)``, ``(kh, kw, c)`` or ``(kh, kw, c, nc)`` with
``1 <= kh, kw <= MAX_KERNEL_SIZE`` and finite values. The explorer keeps a whole *bank*
``(kh, kw, c, nc)``; :func:`as_bank` turns any kernel into one for data with ``c`` channels.

Files
-----
``.json`` kernel files look like ``{"format": "convolution-explorer-kernel", "version": 1,
"name": "Sobel x", "kernel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]}``; a bare nested list and any
object with a ``"kernel"`` member (a preset entry) are read too. ``.npy`` files hold the array
itself and are read with ``allow_pickle=False``. Every write is atomic (:mod:`core.atomic`).

Everything here is pure NumPy and the standard library.
"""

import json
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import atomic_path, atomic_write_text

__all__ = [
    "MAX_KERNEL_SIZE",
    "MAX_BANK_SIZE",
    "PRESETS_PATH",
    "KernelPreset",
    "check_kernel",
    "load_presets",
    "find_preset",
    "kernel_to_json",
    "kernel_from_json",
    "named_kernel_from_json",
    "save_kernel",
    "load_kernel",
    "load_named_kernel",
    "as_bank",
    "compact_kernel",
    "resize_kernel",
    "normalise_kernel",
    "random_kernel",
    "parse_weight",
    "format_weight",
]

#: Largest kernel height or width the explorer accepts.
MAX_KERNEL_SIZE = 15

#: The largest kernel bank (kernels in one layer): each kernel is one more feature map to
#: compute and draw, and beyond a few dozen the maps are too small to see.
MAX_BANK_SIZE = 64

#: Kernel files larger than this are refused before being read (a 15x15x4x64 bank in JSON
#: is well under 1 MB).
MAX_KERNEL_FILE_BYTES = 8 << 20

#: The bundled preset library.
PRESETS_PATH = Path(__file__).resolve().parent.parent / "resources" / "kernels.json"

_FILE_FORMAT = "convolution-explorer-kernel"
_FILE_SUFFIXES = (".json", ".npy")


@dataclass(frozen=True, eq=False)
class KernelPreset:
    """One named kernel of the preset library.

    Attributes
    ----------
    id : str
        Stable machine-friendly name, e.g. ``"sobel_x"`` (what command-line tools use).
    name : str
        Human name shown in menus, e.g. ``"Sobel x"``.
    category : str
        Menu group, e.g. ``"Edges"``.
    description : str
        One line saying what the kernel does.
    kernel : ndarray
        Read-only float64 array, 2-D ``(kh, kw)``, 3-D ``(kh, kw, c)`` or 4-D ``(kh, kw, c, nc)``.
    """

    id: str
    name: str
    category: str
    description: str
    kernel: np.ndarray


# -- validation ------------------------------------------------------------------------------


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


def _text_field(entry, key, where):
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} needs a non-empty text {key!r}, got {value!r}")
    return value.strip()


# -- presets ---------------------------------------------------------------------------------


def _preset_from_entry(entry, where):
    if not isinstance(entry, dict):
        raise TypeError(f"{where} must be an object, got {type(entry).__name__}")
    preset_id = _text_field(entry, "id", where)
    where = f"{where} ({preset_id!r})"
    if not preset_id.replace("_", "").isalnum() or not preset_id.isascii():
        raise ValueError(f"{where}: id must use only letters, digits and '_'")
    if "kernel" not in entry:
        raise ValueError(f"{where} has no 'kernel'")
    return KernelPreset(
        id=preset_id,
        name=_text_field(entry, "name", where),
        category=_text_field(entry, "category", where),
        description=_text_field(entry, "description", where),
        kernel=check_kernel(entry["kernel"], f"{where} kernel"),
    )


def load_presets(path=None):
    """Read and check a preset library (the bundled ``resources/kernels.json`` by default).

    The file is ``{"presets": [entry, ...]}`` (or the bare list), where each entry has ``id``,
    ``name``, ``category``, ``description`` and ``kernel``.

    Parameters
    ----------
    path : str or Path, optional
        The library to read; :data:`PRESETS_PATH` when omitted.

    Returns
    -------
    list of KernelPreset
        In file order.

    Raises
    ------
    ValueError, TypeError
        Naming the file and the entry (index and id) that is wrong: bad JSON, a missing field, a
        ragged, non-finite, too large or wrongly shaped kernel, or a duplicate id.

    Examples
    --------
    >>> presets = load_presets()
    >>> [p.id for p in presets][:2]
    ['identity', 'box_blur_3']
    """
    path = Path(PRESETS_PATH if path is None else path)
    data = _read_json_file(path)
    entries = data.get("presets") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of presets under 'presets'")
    presets, seen = [], {}
    for index, entry in enumerate(entries):
        preset = _preset_from_entry(entry, f"{path}: preset {index}")
        if preset.id in seen:
            raise ValueError(f"{path}: preset {index} repeats the id {preset.id!r} "
                             f"of preset {seen[preset.id]}")
        seen[preset.id] = index
        presets.append(preset)
    return presets


def find_preset(id_or_name, presets=None):
    """Return the preset whose id (exactly) or name (ignoring case) is ``id_or_name``.

    Parameters
    ----------
    id_or_name : str
        E.g. ``"sobel_x"`` or ``"Sobel x"``.
    presets : list of KernelPreset, optional
        Where to look; the bundled library when omitted.

    Raises
    ------
    ValueError
        If nothing matches; the message lists the known ids.

    Examples
    --------
    >>> find_preset("sobel_x").kernel.tolist()[0]
    [-1.0, 0.0, 1.0]
    """
    presets = load_presets() if presets is None else presets
    for preset in presets:
        if preset.id == id_or_name:
            return preset
    wanted = str(id_or_name).strip().casefold()
    for preset in presets:
        if preset.name.casefold() == wanted:
            return preset
    known = ", ".join(p.id for p in presets)
    raise ValueError(f"no kernel preset called {id_or_name!r}; known ids: {known}")


# -- JSON ------------------------------------------------------------------------------------


def _read_json_file(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None


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


# -- banks -----------------------------------------------------------------------------------


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
