"""Checks for values remembered between runs: a bad one is ignored with a warning, never fatal.

The settings file can be edited by hand, written by an older or newer version, or damaged; the
app must start anyway. Each function here takes one raw remembered value and returns it cleaned,
or raises ``ValueError`` saying what is wrong, so the caller can skip just that value and tell
the user. Nothing here imports Qt.

Examples
--------
>>> check_origin({"kind": "sample", "name": "MNIST digits"})
{'kind': 'sample', 'name': 'MNIST digits', 'key': None}
>>> check_index("3", 10)
3
>>> check_origin([1])
Traceback (most recent call last):
...
ValueError: the remembered dataset is not a description of one (got list)
"""

import json

__all__ = ["MAX_SETTING_BYTES", "read_json", "check_origin", "check_index", "check_choice",
           "check_layout"]

#: A remembered JSON value larger than this is ignored (real ones are a few kilobytes).
MAX_SETTING_BYTES = 1 << 20

_MAX_DEPTH = 32


def _depth(value, limit):
    """Nesting depth of lists and dicts, stopping at ``limit`` (no recursion)."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def read_json(text, what):
    """Parse a remembered JSON text; ``None`` for nothing stored.

    Examples
    --------
    >>> read_json('{"a": [1, 2]}', "parameters")
    {'a': [1, 2]}
    >>> read_json("[" * 5000 + "]" * 5000, "parameters")
    Traceback (most recent call last):
    ...
    ValueError: the remembered parameters are nested too deeply
    """
    if text is None or text == "":
        return None
    if not isinstance(text, (str, bytes, bytearray)):
        raise ValueError(f"the remembered {what} are not text (got {type(text).__name__})")
    if len(text) > MAX_SETTING_BYTES:
        raise ValueError(f"the remembered {what} are too large ({len(text)} bytes)")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"the remembered {what} are nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"the remembered {what} are not valid JSON ({exc})") from None
    if _depth(value, _MAX_DEPTH) > _MAX_DEPTH:
        raise ValueError(f"the remembered {what} are nested too deeply")
    return value


def _text(value, what):
    if not isinstance(value, str) or not value or len(value) > 4096 or "\0" in value:
        raise ValueError(f"the remembered dataset's {what} is not a usable text: {value!r:.80}")
    return value


def check_origin(value):
    """A remembered dataset origin as ``{"kind", "name" or "path", "key"}``, or ``ValueError``.

    ``kind`` is ``"sample"`` (with a ``name``) or ``"file"`` (with a ``path``); ``key`` is
    None or text.
    """
    if not isinstance(value, dict):
        raise ValueError(f"the remembered dataset is not a description of one "
                         f"(got {type(value).__name__})")
    kind = value.get("kind")
    key = value.get("key")
    if key is not None:
        key = _text(key, "key")
    if kind == "sample":
        return {"kind": "sample", "name": _text(value.get("name"), "name"), "key": key}
    if kind == "file":
        return {"kind": "file", "path": _text(value.get("path"), "path"), "key": key}
    raise ValueError(f"the remembered dataset has an unknown kind {kind!r:.40}")


def check_index(value, count):
    """A remembered image index, as an int in ``0 .. count - 1``.

    Examples
    --------
    >>> check_index(12, 10)
    Traceback (most recent call last):
    ...
    ValueError: the remembered image number 12 is out of range (the dataset has 10 images)
    """
    if isinstance(value, bool):
        raise ValueError(f"the remembered image number is not a number: {value!r}")
    try:
        index = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"the remembered image number is not a number: {value!r:.40}") from None
    if isinstance(value, float) and value != index:
        raise ValueError(f"the remembered image number is not whole: {value!r}")
    if not 0 <= index < count:
        raise ValueError(f"the remembered image number {index} is out of range (the dataset has "
                         f"{count} images)")
    return index


def check_choice(value, choices, what):
    """``value`` when it is one of ``choices``, else ``ValueError``.

    Examples
    --------
    >>> check_choice("viridis", ("gray", "viridis"), "colour map")
    'viridis'
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"the remembered {what} {value!r:.40} is not one of "
                         f"{', '.join(choices)}")
    return value


def check_layout(value, what):
    """Bytes of a remembered window geometry or layout (``QByteArray`` or bytes).

    Examples
    --------
    >>> check_layout("abc", "window size")
    Traceback (most recent call last):
    ...
    ValueError: the remembered window size is not binary data (got str)
    """
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif hasattr(value, "data") and callable(value.data) and type(value).__name__ == "QByteArray":
        data = bytes(value.data())
    else:
        raise ValueError(f"the remembered {what} is not binary data (got {type(value).__name__})")
    if not data or len(data) > MAX_SETTING_BYTES:
        raise ValueError(f"the remembered {what} is empty or too large")
    return value
