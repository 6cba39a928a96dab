"""Remember the last dataset, image, kernel and settings between runs (``QSettings``)."""

import json

import numpy as np
from PyQt5.QtCore import QSettings

from core.datasets import load_dataset, load_sample

from .image_io import load_any
from .state import PARAMETER_FIELDS

__all__ = ["settings", "save_session", "restore_session"]

ORGANISATION = "ConvolutionExplorer"
APPLICATION = "Convolution Explorer"


def settings():
    """The app's QSettings store."""
    return QSettings(ORGANISATION, APPLICATION)


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def save_session(window):
    """Store the window's dataset origin, image index, parameters and display choices."""
    state = window.state
    store = settings()
    params = {name: _plain(getattr(state, name)) for name in PARAMETER_FIELDS}
    params.update(colormap=state.colormap, mapping=state.mapping)
    store.setValue("session/parameters", json.dumps(params))
    origin = window.origin
    store.setValue("session/origin", json.dumps(origin) if origin else "")
    store.setValue("session/index", int(state.index))
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    store.sync()


def _load_origin(origin):
    if origin.get("kind") == "sample":
        dataset = load_sample(origin["name"])
        if origin.get("key") and origin["key"] != dataset.key:
            dataset = dataset.load_alternative(origin["key"])
        return dataset
    if origin.get("kind") == "file":
        if origin.get("key"):
            return load_dataset(origin["path"], key=origin["key"])
        return load_any(origin["path"])
    raise ValueError(f"unknown dataset origin {origin!r}")


def restore_session(window):
    """Reopen what :func:`save_session` stored. Returns False (changing nothing) if impossible."""
    store = settings()
    try:
        origin = json.loads(store.value("session/origin", "") or "null")
        params = json.loads(store.value("session/parameters", "") or "null")
        if not origin:
            return False
        dataset = _load_origin(origin)
    except (ValueError, OSError, TypeError, KeyError):
        return False
    window.set_dataset(dataset, origin)
    state = window.state
    if params:
        try:
            state.apply_parameters({k: params[k] for k in PARAMETER_FIELDS if k in params})
            state.colormap = params.get("colormap", state.colormap)
            state.mapping = params.get("mapping", state.mapping)
        except (ValueError, TypeError):
            pass
        state.fit_to_dataset(dataset)
    try:
        state.index = min(int(store.value("session/index", 0)), len(dataset.images) - 1)
    except (TypeError, ValueError):
        pass
    geometry = store.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    layout = store.value("window/state")
    if layout is not None:
        window.restoreState(layout)
    return True
