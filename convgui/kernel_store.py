"""The user's own kernel library ("My kernels"): named kernels in one JSON file.

The file lives in the application's config folder
(``QStandardPaths.AppConfigLocation``/``kernels.json``) and looks like
``{"format": "convolution-explorer-kernel-library", "version": 1,
"kernels": [{"name": ..., "kernel": [...]}, ...]}``.

Every change re-reads the file first (another window may have changed it) and then rewrites it
atomically. A file that cannot be read is never overwritten and never silently emptied: it is
renamed aside to ``kernels.json.corrupt-<timestamp>`` and the store explains that in a warning,
which the caller shows to the user (see :meth:`KernelStore.take_warnings`).
"""

import json
import os
import time
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QStandardPaths

from core.atomic import atomic_write_text
from core.datasets import check_regular
from core.kernels import check_kernel

__all__ = ["KernelStore", "default_store_path", "MAX_NAME_LENGTH"]

_FORMAT = "convolution-explorer-kernel-library"
MAX_NAME_LENGTH = 80

#: A library file larger than this is set aside unread (thousands of kernels fit in 1 MB).
MAX_FILE_BYTES = 16 << 20


def default_store_path():
    """``<AppConfigLocation>/kernels.json`` (the folder is created on the first write)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.AppConfigLocation)
    return Path(folder) / "kernels.json"


def _clean_name(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be text, got {name!r}")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("name must not be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(f"name must be at most {MAX_NAME_LENGTH} characters, got {len(cleaned)}")
    return cleaned


class KernelStore:
    """Named kernels saved for the user, persisted in one JSON file.

    Parameters
    ----------
    path : str or Path, optional
        The library file; :func:`default_store_path` when omitted.

    Examples
    --------
    >>> import tempfile, os
    >>> store = KernelStore(os.path.join(tempfile.mkdtemp(), "kernels.json"))
    >>> store.add("cross", [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    >>> store.names()
    ['cross']
    """

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else default_store_path()
        self._entries = {}
        self._warnings = []
        self.reload()

    # -- reading -----------------------------------------------------------------------------

    def reload(self):
        """Read the file again; return the warnings this produced (also kept for
        :meth:`take_warnings`). Never raises: an unreadable file gives an empty list and a
        warning, and is left untouched."""
        before = len(self._warnings)
        try:
            self._entries = self._read()
        except OSError as exc:
            self._entries = {}
            self._warnings.append(f"My kernels ({self.path}) could not be opened: {exc}. "
                                  "The file was left as it is.")
        return list(self._warnings[before:])

    def take_warnings(self):
        """Return and forget the warnings collected so far (corrupt files set aside, ...)."""
        warnings, self._warnings = self._warnings, []
        return warnings

    def names(self):
        """The stored names, in the order they were added."""
        return list(self._entries)

    def items(self):
        """``(name, kernel)`` pairs in the order they were added."""
        return list(self._entries.items())

    def get(self, name):
        """The kernel stored as ``name`` (a read-only float64 array).

        Raises
        ------
        KeyError
            If there is no kernel called ``name``.
        """
        try:
            return self._entries[_clean_name(name)]
        except KeyError:
            raise KeyError(f"no kernel called {name!r} in My kernels") from None

    def __contains__(self, name):
        try:
            return _clean_name(name) in self._entries
        except (TypeError, ValueError):
            return False

    def __len__(self):
        return len(self._entries)

    # -- changing ----------------------------------------------------------------------------

    def add(self, name, kernel):
        """Store ``kernel`` as a new entry called ``name``.

        Raises
        ------
        ValueError
            If the name is empty, too long or already used (see :meth:`replace`), or the kernel
            is invalid.
        OSError
            If the file cannot be written (nothing is changed then).
        """
        name, kernel = _clean_name(name), check_kernel(kernel)
        entries = self._fresh()
        if name in entries:
            raise ValueError(f"My kernels already has a kernel called {name!r}")
        entries[name] = kernel
        self._write(entries)

    def replace(self, name, kernel):
        """Replace the kernel stored as ``name`` (which must exist), keeping its place."""
        name, kernel = _clean_name(name), check_kernel(kernel)
        entries = self._fresh()
        if name not in entries:
            raise KeyError(f"no kernel called {name!r} in My kernels")
        entries[name] = kernel
        self._write(entries)

    def delete(self, name):
        """Remove the kernel stored as ``name`` (which must exist)."""
        name = _clean_name(name)
        entries = self._fresh()
        if name not in entries:
            raise KeyError(f"no kernel called {name!r} in My kernels")
        del entries[name]
        self._write(entries)

    # -- the file ----------------------------------------------------------------------------

    def _fresh(self):
        """Re-read the file (another window may have changed it) and return a copy to modify."""
        self._entries = self._read()
        return dict(self._entries)

    def _read(self):
        """The file's entries; a corrupt file is set aside (with a warning), valid entries kept."""
        try:
            check_regular(self.path)
            if self.path.is_file() and self.path.stat().st_size > MAX_FILE_BYTES:
                return self._set_aside({}, f"it is larger than {MAX_FILE_BYTES >> 20} MB")
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError:
            return self._set_aside({}, "it is not UTF-8 text")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return self._set_aside({}, f"it is not valid JSON ({exc})")
        except RecursionError:
            return self._set_aside({}, "its JSON is nested too deeply")
        raw = data.get("kernels") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            return self._set_aside({}, "it has no list of kernels")
        entries, problems = self._parse_entries(raw)
        if problems:
            return self._set_aside(entries, "; ".join(problems), rewrite=True)
        return entries

    @staticmethod
    def _parse_entries(raw):
        entries, problems = {}, []
        for index, item in enumerate(raw):
            try:
                if not isinstance(item, dict):
                    raise TypeError("it is not an object")
                name = _clean_name(item.get("name"))
                if name in entries:
                    raise ValueError(f"the name {name!r} is used twice")
                entries[name] = check_kernel(item.get("kernel"), "its kernel")
            except (TypeError, ValueError) as exc:
                problems.append(f"entry {index}: {exc}")
            except RecursionError:
                problems.append(f"entry {index}: it is nested too deeply")
        return entries, problems

    def _set_aside(self, entries, reason, rewrite=False):
        """Rename the unreadable file aside, keep ``entries``, and record a warning."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
            counter += 1
        os.replace(self.path, aside)
        kept = f" {len(entries)} kernel(s) could be read and were kept." if entries else ""
        self._warnings.append(f"My kernels ({self.path}) could not be read: {reason}. "
                              f"The file was kept as {aside.name}.{kept}")
        if rewrite and entries:
            self._write(entries)
        return entries

    def _write(self, entries):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        items = [{"name": name, "kernel": np.asarray(kernel).tolist()}
                 for name, kernel in entries.items()]
        text = json.dumps({"format": _FORMAT, "version": 1, "kernels": items}, indent=1)
        atomic_write_text(self.path, text + "\n")
        self._entries = dict(entries)
