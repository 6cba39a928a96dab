"""Exports of what the explorer shows: feature maps as PNG, the whole view, raw arrays, kernels.

Every export writes temporary files beside the targets (:func:`core.atomic.atomic_path`) and
renames them only once all of them were written, so a failure (full disk, unwritable folder)
never leaves a half-written file.
"""

import json
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from core.atomic import atomic_path
from core.pipeline import run_pipeline
from core.sheets import encode_png

from . import display

__all__ = ["export_feature_maps", "export_view", "export_arrays", "settings_dict",
           "feature_map_paths"]


def _save_qimage(image, tmp):
    if not image.save(tmp, "PNG"):
        raise OSError(f"could not write PNG data to {Path(tmp).parent}")


def feature_map_paths(path, count):
    """``path`` itself for one map; ``<stem>_k1<suffix>``, ``_k2`` … for several."""
    path = Path(path)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}_k{k + 1}{path.suffix}") for k in range(count)]


def export_feature_maps(path, maps, mapping, colormap_name, value_range, scale=1, levels=None):
    """Write each ``(h, w)`` map of ``maps`` ((h, w, nc)) as a PNG rendered like the view.

    ``scale`` enlarges each pixel to a ``scale × scale`` block (nearest neighbour), for slides.
    ``levels`` (one ``(low, high)`` per map, or None for the mapping's own) matches the view's
    levels. Returns the written paths.
    """
    maps = np.asarray(maps)
    if maps.ndim == 2:
        maps = maps[:, :, None]
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    paths = feature_map_paths(path, maps.shape[2])
    pngs = []
    for k in range(len(paths)):
        rgb = display.render_rgb(maps[:, :, k], mapping, colormap_name,
                                 None if levels is None else levels[k], value_range)
        if scale > 1:
            rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
        pngs.append(encode_png(rgb))
    # Every file goes to a temporary name first; the renames happen only once all were written.
    with ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(target, suffix=".png")) for target in paths]
        for tmp, data in zip(temps, pngs):
            with open(tmp, "wb") as fh:
                fh.write(data)
    return paths


def export_view(path, widget):
    """Write a screenshot of ``widget`` (e.g. the side-by-side canvas) as PNG."""
    image = widget.grab().toImage()
    with atomic_path(path, suffix=".png") as tmp:
        _save_qimage(image, tmp)
    return [Path(path)]


def settings_dict(spec):
    """The computation settings as plain JSON-friendly values."""
    padding = spec.padding if isinstance(spec.padding, str) else list(spec.padding)
    return {
        "padding": padding,
        "stride": list(spec.stride),
        "dilation": list(spec.dilation),
        "flip": bool(spec.flip),
        "activation": spec.activation,
        "pool_mode": spec.pool_mode,
        "pool_shape": list(spec.pool_shape),
        "pool_stride": list(spec.pool_stride),
        "kernels_shape": list(spec.kernels.shape),
        "padding_mode": spec.padding_mode,
        "bias": list(np.ravel(spec.bias).tolist()),
        "transposed": bool(spec.transposed),
        "output_padding": list(spec.output_padding),
    }


def export_arrays(path, image, spec, **extra):
    """Save input, conv, activated and pooled maps (recomputed in float64) with the settings.

    ``.npz`` holds every array (``input``, ``conv``, ``activated``, ``pooled`` when pooling is
    on, ``kernels`` (kh, kw, c, nc), ``settings`` as a JSON string); ``.npy`` holds just the
    final output ``(oh, ow, nc)``. Both load with ``np.load`` and no pickle.
    """
    path = Path(path)
    result = run_pipeline(np.asarray(image)[None], spec, dtype=np.float64)
    final = result.final[0]
    if path.suffix.lower() == ".npy":
        with atomic_path(path, suffix=".npy") as tmp:
            np.save(tmp, final)
        return [path]
    arrays = {
        "input": np.asarray(image),
        "conv": result.conv[0],
        "activated": result.activated[0],
        "kernels": spec.kernels,
        "settings": np.array(json.dumps({**settings_dict(spec), **extra})),
    }
    if result.pooled is not None:
        arrays["pooled"] = result.pooled[0]
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)
    return [path]
