"""Kernels as data: the bundled presets, and (from the modules below) kernel files and edits.

A kernel is a float64 array of shape ``(kh, kw)``, ``(kh, kw, c)`` or ``(kh, kw, c, nc)`` with
``1 <= kh, kw <= MAX_KERNEL_SIZE`` and finite values. The explorer keeps a whole *bank*
``(kh, kw, c, nc)``; :func:`as_bank` turns any kernel into one for data with ``c`` channels.

This module holds the preset library and gathers the kernel API in one place:

* :mod:`core.kernel_checks`: the limits and :func:`check_kernel`;
* :mod:`core.kernel_io`: ``.json`` text and atomic ``.json`` / ``.npy`` kernel files;
* :mod:`core.kernel_edits`: banks, resizing, normalising, random and typed weights.

Everything here is pure NumPy and the standard library.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .kernel_checks import MAX_BANK_SIZE, MAX_KERNEL_FILE_BYTES, MAX_KERNEL_SIZE, check_kernel
from .kernel_edits import (add_identity_kernel, as_bank, compact_kernel, duplicate_kernel,
                           format_weight, normalise_kernel, parse_weight, random_kernel,
                           remove_kernel, resize_kernel)
from .kernel_io import (kernel_from_json, kernel_to_json, load_kernel, load_named_kernel,
                        named_kernel_from_json, save_kernel)

__all__ = [
    "MAX_KERNEL_SIZE",
    "MAX_BANK_SIZE",
    "MAX_KERNEL_FILE_BYTES",
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
    "add_identity_kernel",
    "duplicate_kernel",
    "remove_kernel",
    "resize_kernel",
    "normalise_kernel",
    "random_kernel",
    "parse_weight",
    "format_weight",
]

#: The bundled preset library.
PRESETS_PATH = Path(__file__).resolve().parent.parent / "resources" / "kernels.json"


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


def _read_json_file(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
