"""Remember the last dataset, image, kernel and settings between runs (``QSettings``)."""

import json
import sys

import numpy as np
from PyQt5.QtCore import QSettings

from . import remembered
from .loading import interactive_problem
from core.stack import check_stack

from .opening import DatasetOrigin
from .state import COLORMAPS, MAPPINGS, PARAMETER_FIELDS, layer_spec

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
    layers = [{name: _plain(getattr(spec, name)) for name in PARAMETER_FIELDS}
              for spec in state.stack()]
    store.setValue("session/layers", json.dumps({"selected": int(state.selected_layer),
                                                 "layers": layers}))
    origin = window.origin
    store.setValue("session/origin", json.dumps(origin.to_dict()) if origin else "")
    store.setValue("session/index", int(state.index))
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    store.sync()


def restore_session(window):
    """Reopen what :func:`save_session` stored; return True when a dataset was reopened.

    Never raises: every remembered value is checked (:mod:`convgui.remembered`) and a bad one is
    ignored with a warning (printed on stderr and shown in the status bar); if anything else
    goes wrong, the window's settings are put back as they were and False is returned, so the
    caller starts fresh.
    """
    state = window.state
    before = dict(state.parameters(), colormap=state.colormap, mapping=state.mapping)
    warnings = []
    try:
        restored = _restore(window, settings(), warnings)
    except Exception as exc:  # noqa: BLE001 - any failure at start means a fresh start
        warnings.append(f"the remembered session could not be restored ({type(exc).__name__}: "
                        f"{exc}); starting fresh")
        for name, value in before.items():
            setattr(state, name, value)
        restored = False
    if warnings:
        _warn(window, warnings)
    return restored


def _warn(window, warnings):
    text = "; ".join(warnings)
    print(f"Convolution Explorer: ignored: {text}", file=sys.stderr)
    window.statusBar().showMessage(f"Some remembered settings were ignored: {text}", 20000)
    window.restore_warnings = list(warnings)


def _checked(warnings, check, *args):
    """``check(*args)``, or None with its message added to ``warnings``."""
    try:
        return check(*args)
    except ValueError as exc:
        warnings.append(str(exc))
        return None


def _restore(window, store, warnings):
    raw = _checked(warnings, remembered.read_json, store.value("session/origin", ""), "dataset")
    origin = None if raw is None else _checked(warnings, remembered.check_origin, raw)
    if origin is None:
        return False
    origin = DatasetOrigin.from_dict(origin)
    try:
        dataset = origin.load()
    except (ValueError, OSError, TypeError, KeyError) as exc:
        warnings.append(f"the last dataset could not be reopened ({exc})")
        return False
    problem = interactive_problem(dataset)
    if problem:
        warnings.append(f"the last dataset was not reopened: {problem}")
        return False
    window.set_dataset(dataset, origin)
    _restore_parameters(window.state, store, warnings)
    index = _checked(warnings, remembered.check_index, store.value("session/index", 0),
                     len(dataset))
    if index is not None:
        window.state.index = index
    for key, what, restore in (("window/geometry", "window size and place",
                                window.restoreGeometry),
                               ("window/state", "panel layout", window.restoreState)):
        value = store.value(key)
        if value is None:
            continue
        layout = _checked(warnings, remembered.check_layout, value, what)
        if layout is not None and not restore(layout):
            warnings.append(f"the remembered {what} could not be used")
        elif layout is not None and key == "window/geometry":
            window.geometry_restored = True
    return True


def _restore_stack(state, store, warnings):
    """Put back the remembered layers (the selected one's fields follow from the parameters)."""
    raw = _checked(warnings, remembered.read_json, store.value("session/layers", ""), "layers")
    if raw is None:
        return
    try:
        if not isinstance(raw, dict) or not isinstance(raw.get("layers"), list):
            raise ValueError("not a list of layers")
        layers = tuple(layer_spec(values, f"layer {i + 1}")
                       for i, values in enumerate(raw["layers"]))
        selected = raw.get("selected", 0)
        if isinstance(selected, bool) or not isinstance(selected, int) or \
                not 0 <= selected < len(layers):
            raise ValueError(f"the selected layer {selected!r:.20} is not one of them")
        state.layers = layers
        state.selected_layer = selected
    except (ValueError, TypeError) as exc:
        warnings.append(f"the remembered layers ({exc})")


def _restore_parameters(state, store, warnings):
    params = _checked(warnings, remembered.read_json, store.value("session/parameters", ""),
                      "settings")
    if params is None:
        return
    if not isinstance(params, dict):
        warnings.append("the remembered settings are not a table of settings")
        return
    before = state.parameters()
    _restore_stack(state, store, warnings)
    for name in PARAMETER_FIELDS:
        if name in params:
            try:
                setattr(state, name, params[name])
            except Exception as exc:  # noqa: BLE001 - a bad value of any kind is ignored
                warnings.append(f"the remembered {name} {params[name]!r:.60} ({exc})")
    for name, choices in (("colormap", COLORMAPS), ("mapping", MAPPINGS)):
        if name in params:
            value = _checked(warnings, remembered.check_choice, params[name], choices, name)
            if value is not None:
                setattr(state, name, value)
    state.fit_to_dataset(state.dataset)
    try:
        check_stack(state.stack(), state.dataset.images.shape[1:])
    except (ValueError, TypeError) as exc:
        warnings.append(f"the remembered settings do not fit this dataset ({exc})")
        for name, value in before.items():
            setattr(state, name, value)
