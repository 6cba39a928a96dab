"""Model files: a network's layers and weights in one ``.npz``, read back without pickle.

Layout of the archive (every member a plain array, so ``np.load(..., allow_pickle=False)`` reads
it):

* ``format`` — the text ``"convolution-explorer-model"``; ``version`` — 1;
* ``architecture`` — a string array, one JSON object per layer (:meth:`Layer.config`);
* ``meta`` — JSON text: ``input_shape``, ``classes``, ``input_scale``, ``class_names``;
* ``layer<i>.<name>`` — the parameters of layer ``i`` (``W``, ``b``).

Every write is atomic (:mod:`core.atomic`). The first layer's kernels can also be exported as a
kernel-bank ``.json`` file that the explorer's kernel editor opens (:func:`export_kernels`).
"""

import json
import zipfile
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..kernels import save_kernel
from .layers import layer_from_config
from .network import Network

__all__ = ["MODEL_FORMAT", "save_model", "load_model", "export_kernels"]

MODEL_FORMAT = "convolution-explorer-model"
_VERSION = 1


def save_model(path, network):
    """Write ``network`` to an ``.npz`` model file, atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> from core.nn import build_network
    >>> net = build_network("conv:4x3x3,relu,maxpool:2", (12, 12), 3)
    >>> target = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> save_model(target, net)
    >>> load_model(target).describe()
    'conv 4×3×3 → relu → maxpool 2 → flatten → dense 3'
    """
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise ValueError(f"path: model files end in .npz, got {path.name!r}")
    meta = {"input_shape": list(network.input_shape), "classes": network.classes,
            "input_scale": network.input_scale, "class_names": network.class_names}
    members = {
        "format": np.array(MODEL_FORMAT),
        "version": np.array(_VERSION),
        "architecture": np.array([json.dumps(c) for c in network.architecture()]),
        "meta": np.array(json.dumps(meta)),
    }
    for index, layer in enumerate(network.layers):
        for name, param in layer.params.items():
            members[f"layer{index}.{name}"] = param
    with atomic_path(path) as tmp:
        np.savez(tmp, **members)


def _text(archive, key, path):
    value = archive[key]
    if value.dtype.kind != "U" or value.ndim > 1:
        raise ValueError(f"{path}: {key!r} must be text, got {value.dtype} {value.shape}")
    return value


def _json(text, what, path):
    try:
        return json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: {what} is not valid JSON: {exc}") from None


def load_model(path, dtype=np.float32):
    """Read a model file written by :func:`save_model` and return the :class:`Network`.

    Raises
    ------
    ValueError
        The file is not a model file, holds pickled objects, or its weights do not fit its
        layers (each message names the file and the member).
    OSError
        The file cannot be read.
    """
    path = Path(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a readable .npz model file: {exc}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array, not a model (.npz)")
    with archive:
        try:
            keys = set(archive.files)
            for key in ("format", "architecture", "meta"):
                if key not in keys:
                    raise ValueError(f"{path} is not a model file: it has no {key!r} member")
            if str(_text(archive, "format", path)) != MODEL_FORMAT:
                raise ValueError(f"{path} is not a model file (format "
                                 f"{str(archive['format'])!r})")
            configs = [_json(t, f"layer {i + 1}", path)
                       for i, t in enumerate(np.atleast_1d(_text(archive, "architecture", path)))]
            meta = _json(_text(archive, "meta", path), "meta", path)
            if not isinstance(meta, dict):
                raise ValueError(f"{path}: meta must be a JSON object")
            try:
                layers = [layer_from_config(c) for c in configs]
                network = Network(layers, meta["input_shape"], meta["classes"], dtype=dtype,
                                  input_scale=meta.get("input_scale", 1.0),
                                  class_names=meta.get("class_names"))
            except (KeyError, TypeError) as exc:
                raise ValueError(f"{path}: the architecture is incomplete: {exc}") from None
            expected = {f"layer{i}.{name}": param for i, layer in enumerate(network.layers)
                        for name, param in layer.params.items()}
            missing = sorted(set(expected) - keys)
            if missing:
                raise ValueError(f"{path} misses the weights {', '.join(missing)}")
            for key, param in expected.items():
                value = archive[key]  # refuses object (pickled) arrays: allow_pickle=False
                if value.shape != param.shape or value.dtype.kind != "f":
                    raise ValueError(f"{path}: {key} has shape {value.shape} ({value.dtype}), "
                                     f"the layer needs {param.shape} floats")
                if not np.isfinite(value).all():
                    raise ValueError(f"{path}: {key} holds NaN or infinity")
                param[...] = value
        except ValueError as exc:
            if "allow_pickle" in str(exc) or "pickle" in str(exc).lower():
                raise ValueError(f"{path} holds pickled objects; model files are plain arrays "
                                 "and pickles are never loaded") from None
            if str(exc).startswith(str(path)):
                raise
            raise ValueError(f"{path}: {exc}") from None
    return network


def export_kernels(path, network, name=None):
    """Save the first convolution layer's kernels as a kernel-bank file (``.json`` or ``.npy``).

    The file is the explorer's kernel format (:func:`core.kernels.save_kernel`): a bank
    ``(kh, kw, c, nc)`` the kernel editor opens, steps through and applies like any other.

    Examples
    --------
    >>> import os, tempfile
    >>> from core.kernels import load_kernel
    >>> from core.nn import build_network
    >>> target = os.path.join(tempfile.mkdtemp(), "learned.json")
    >>> export_kernels(target, build_network("conv:8x5x5", (28, 28), 10))
    >>> load_kernel(target).shape
    (5, 5, 1, 8)
    """
    conv = network.first_conv()
    if conv is None:
        raise ValueError("network has no convolution layer whose kernels could be exported")
    save_kernel(path, conv.params["W"].astype(np.float64), name=name or "learned kernels")
