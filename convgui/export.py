"""Exports of what the explorer shows: feature maps as PNG, the whole view, raw arrays, kernels.

Every export writes temporary files beside the targets (:func:`core.atomic.atomic_path`) and
renames them only once all of them were written, so a failure (full disk, unwritable folder)
never leaves a half-written file.
"""

import json
from pathlib import Path

import numpy as np

from core.atomic import atomic_path, atomic_paths
from core.pipeline import run_pipeline
from core.sheets import encode_png

from . import display

__all__ = ["export_feature_maps", "export_stages", "iter_export_stages", "export_cost",
           "iter_export_arrays", "pipeline_stages", "stage_paths",
           "export_view", "export_arrays", "settings_dict", "feature_map_paths"]


def _save_qimage(image, tmp):
    if not image.save(tmp, "PNG"):
        raise OSError(f"could not write PNG data to {Path(tmp).parent}")


def feature_map_paths(path, count):
    """``path`` itself for one map; ``<stem>_k1<suffix>``, ``_k2`` … for several."""
    path = Path(path)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}_k{k + 1}{path.suffix}") for k in range(count)]


def stage_paths(path, stages, count):
    """File names for every stage's maps: ``<stem>_<stage>_k<n><suffix>``.

    With one stage the stage is left out and :func:`feature_map_paths` names the files, so a
    plain convolution still writes just ``path``.

    Examples
    --------
    >>> [p.name for p in stage_paths("maps.png", ["conv", "pooled"], 2)]
    ['maps_conv_k1.png', 'maps_conv_k2.png', 'maps_pooled_k1.png', 'maps_pooled_k2.png']
    >>> [p.name for p in stage_paths("maps.png", ["conv"], 1)]
    ['maps.png']
    """
    path = Path(path)
    if len(stages) == 1:
        return feature_map_paths(path, count)
    return [p for stage in stages
            for p in feature_map_paths(path.with_name(f"{path.stem}_{stage}{path.suffix}"),
                                       count)]


def pipeline_stages(result, activation):
    """``[(name, maps (h, w, nc))]`` of one image's result: conv, activated, pooled.

    The activated stage is left out when there is no activation (it equals conv), the pooled
    one when pooling is off.
    """
    stages = [("conv", result.conv[0])]
    if activation not in (None, "none"):
        stages.append(("activated", result.activated[0]))
    if result.pooled is not None:
        stages.append(("pooled", result.pooled[0]))
    return stages


def export_stages(path, stages, mapping, colormap_name, value_range, scale=1):
    """Write every stage's maps as PNGs, all or nothing (see :func:`stage_paths` for names).

    ``stages`` is a list of ``(name, maps, levels)`` with ``maps`` (h, w, nc) and ``levels``
    as for :func:`export_feature_maps`. Returns the written paths.
    """
    steps = iter_export_stages(path, stages, mapping, colormap_name, value_range, scale)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def iter_export_stages(path, stages, mapping, colormap_name, value_range, scale=1):
    """:func:`export_stages` as a worker job: yields ``(done, total)`` after each rendered map
    and returns the written paths. Stopping it before its end writes nothing."""
    count = int(np.asarray(stages[0][1]).shape[-1])
    paths = stage_paths(path, [name for name, _, _ in stages], count)
    total = len(paths) + 1
    pngs = []
    yield 0, total
    for _, maps, levels in stages:
        for png in _iter_pngs(maps, mapping, colormap_name, value_range, scale, levels):
            pngs.append(png)
            yield len(pngs), total
    _write_all(paths, pngs)
    yield total, total
    return paths


#: Rendered pixels above which a PNG export runs on the worker with progress and Cancel (PNG
#: encoding takes about 0.6 µs a pixel: 100,000 pixels are about 60 ms).
SYNC_EXPORT_PIXELS = 100_000


def export_cost(stages, scale=1):
    """Pixels :func:`export_stages` renders (what decides whether it runs in the background).

    Examples
    --------
    >>> export_cost([("conv", np.zeros((26, 26, 2)), None)], scale=8)
    86528
    """
    return sum(int(np.asarray(maps).size) for _, maps, _ in stages) * int(scale) ** 2


def _render_pngs(maps, mapping, colormap_name, value_range, scale, levels):
    return list(_iter_pngs(maps, mapping, colormap_name, value_range, scale, levels))


def _iter_pngs(maps, mapping, colormap_name, value_range, scale, levels):
    maps = np.asarray(maps)
    if maps.ndim == 2:
        maps = maps[:, :, None]
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    for k in range(maps.shape[2]):
        rgb = display.render_rgb(maps[:, :, k], mapping, colormap_name,
                                 None if levels is None else levels[k], value_range)
        if scale > 1:
            rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
        yield encode_png(rgb)


def _write_all(paths, pngs):
    # All or nothing: every file goes to a temporary name first, the renames happen only once
    # all were written, and a failed rename puts back the files already replaced.
    with atomic_paths(paths, suffix=".png") as temps:
        for tmp, data in zip(temps, pngs):
            with open(tmp, "wb") as fh:
                fh.write(data)


def export_feature_maps(path, maps, mapping, colormap_name, value_range, scale=1, levels=None):
    """Write each ``(h, w)`` map of ``maps`` ((h, w, nc)) as a PNG rendered like the view.

    ``scale`` enlarges each pixel to a ``scale × scale`` block (nearest neighbour), for slides.
    ``levels`` (one ``(low, high)`` per map, or None for the mapping's own) matches the view's
    levels. Returns the written paths.
    """
    maps = np.asarray(maps)
    paths = feature_map_paths(path, 1 if maps.ndim == 2 else maps.shape[2])
    _write_all(paths, _render_pngs(maps, mapping, colormap_name, value_range, scale, levels))
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


def iter_export_arrays(path, image, spec, **extra):
    """:func:`export_arrays` as a worker job: yields ``(done, 2)`` (computed, written) and
    returns the written paths. Stopping it early writes nothing."""
    yield 0, 2
    result = run_pipeline(np.asarray(image)[None], spec, dtype=np.float64)
    yield 1, 2
    paths = _write_arrays(Path(path), image, spec, result, extra)
    yield 2, 2
    return paths


def export_arrays(path, image, spec, **extra):
    """Save input, conv, activated and pooled maps (recomputed in float64) with the settings.

    ``.npz`` holds every array (``input``, ``conv``, ``activated``, ``pooled`` when pooling is
    on, ``kernels`` (kh, kw, c, nc), ``settings`` as a JSON string); ``.npy`` holds just the
    final output ``(oh, ow, nc)``. Both load with ``np.load`` and no pickle.
    """
    result = run_pipeline(np.asarray(image)[None], spec, dtype=np.float64)
    return _write_arrays(Path(path), image, spec, result, extra)


def _write_arrays(path, image, spec, result, extra):
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
