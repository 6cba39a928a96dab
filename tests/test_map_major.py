"""Stages laid out map by map (what the window draws fastest) hold the brute-force values.

``run_pipeline(..., map_major=True)`` has the engine write each kernel's map as one contiguous run
(no copy afterwards), and pooling keeps the layout of what it pools. The values must be those of
the per-pixel loops of ``test_core_arithmetic.brute_conv`` and ``reference_pool``.
"""

import numpy as np
import pytest

from core.pipeline import PipelineSpec, run_pipeline
from core.pooling import empty_map_major, pool2d
from test_core_arithmetic import brute_conv
from test_core_reference import reference_pool


def maps_are_contiguous(stage):
    return all(stage[i, :, :, k].flags.c_contiguous
               for i in range(stage.shape[0]) for k in range(stage.shape[3]))


@pytest.mark.parametrize("kernel_shape,padding,stride", [
    ((3, 3, 3, 4), "same", 1),     # im2col, flat positions
    ((5, 4, 3, 3), "valid", 2),    # im2col, strided bands
    ((13, 13, 1, 2), "same", 1),   # float32 and large: the FFT
])
@pytest.mark.parametrize("pool_mode", ["max", "avg"])
def test_map_major_stages_match_brute_force(kernel_shape, padding, stride, pool_mode):
    rng = np.random.default_rng(sum(kernel_shape) + stride)
    c = kernel_shape[2]
    photo = rng.integers(0, 256, (1, 37, 41, c) if c > 1 else (1, 37, 41), dtype=np.uint8)
    kernels = rng.integers(-3, 4, kernel_shape).astype(float)
    spec = PipelineSpec(kernels, padding=padding, stride=(stride, stride), activation="relu",
                        pool_mode=pool_mode, bias=0.5)
    got = run_pipeline(photo, spec, dtype=np.float32, map_major=True)
    conv = brute_conv(photo, kernels, padding, stride, 1, "zeros") + 0.5
    activated = np.maximum(conv, 0)
    pooled = reference_pool(activated, (2, 2), mode=pool_mode)
    scale = np.abs(conv).max()
    for stage, expected in ((got.conv, conv), (got.activated, activated),
                            (got.pooled, pooled)):
        assert stage.shape == expected.shape and stage.dtype == np.float32
        assert maps_are_contiguous(stage)
        np.testing.assert_allclose(stage, expected, rtol=0, atol=2e-5 * scale)


def test_float64_map_major_is_exact_and_single_kernels_keep_their_layout():
    rng = np.random.default_rng(7)
    images = rng.standard_normal((2, 12, 10, 2))
    kernels = rng.standard_normal((3, 3, 2, 3))
    got = run_pipeline(images, PipelineSpec(kernels, padding="same"), map_major=True)
    expected = brute_conv(images, kernels, "same", 1, 1, "zeros")
    np.testing.assert_allclose(got.conv, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    assert maps_are_contiguous(got.conv)
    one = run_pipeline(images, PipelineSpec(kernels[..., :1]), map_major=True)
    assert one.conv.flags.c_contiguous  # one map: nothing to lay out


def test_map_major_pooling_keeps_the_layout_and_values():
    rng = np.random.default_rng(3)
    values = empty_map_major((2, 9, 8, 3), np.float64)
    values[...] = rng.standard_normal(values.shape)
    for mode in ("max", "avg"):
        got = pool2d(values, (3, 2), stride=(2, 1), mode=mode)
        assert maps_are_contiguous(got)
        np.testing.assert_allclose(got, reference_pool(values, (3, 2), (2, 1), mode),
                                   rtol=1e-12, atol=1e-12)


def test_bad_settings_still_name_the_argument():
    spec = PipelineSpec(np.ones((9, 9, 1, 2)))
    with pytest.raises(ValueError, match="kernels"):
        run_pipeline(np.ones((1, 4, 4)), spec, map_major=True)


@pytest.mark.parametrize("bad", [[], [np.nan], [np.inf], [-np.inf], [np.nan, np.inf, -np.inf]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_levels_ignore_non_finite_values_wherever_they_are(bad, dtype):
    """The levels of a map come from its finite values only (a min/max shortcut must not let a
    NaN or an infinity through), whatever the values' layout."""
    from core.sheets import finite_range, levels_for

    rng = np.random.default_rng(len(bad))
    values = empty_map_major((1, 6, 7, 2), dtype)
    values[...] = rng.uniform(-3, 5, values.shape)
    flat = values[0, :, :, 1]
    positions = rng.choice(flat.size, len(bad), replace=False)
    flat.reshape(-1)[positions] = bad
    finite = [float(v) for v in flat.ravel() if np.isfinite(v)]
    assert finite_range(flat) == (min(finite), max(finite))
    assert levels_for(flat, "symmetric") == (-max(abs(min(finite)), abs(max(finite))),
                                             max(abs(min(finite)), abs(max(finite))))
    assert finite_range(np.full((2, 2), np.nan, dtype)) is None


@pytest.mark.parametrize("layout", ["channels last", "map major", "gray"])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_a_photo_is_pooled_in_row_bands_on_two_cores(monkeypatch, layout, mode):
    import core.pooling as pooling

    monkeypatch.setattr(pooling, "_POOL_BLOCK_BYTES", 2_000)  # bands of a few rows
    monkeypatch.setattr(pooling, "_PARALLEL_OUTPUTS", 0)
    rng = np.random.default_rng(11)
    shape = (1, 47, 33) if layout == "gray" else (1, 47, 33, 3)
    photo = empty_map_major(shape, np.float64) if layout == "map major" else np.empty(shape)
    photo[...] = rng.standard_normal(shape)
    got = pool2d(photo, (3, 3), stride=(2, 2), mode=mode)
    np.testing.assert_allclose(got, reference_pool(photo, (3, 3), (2, 2), mode),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mapping", ["minmax", "abs", "symmetric", "clip"])
@pytest.mark.parametrize("values", [[-4.0, 3.0, 0.5], [-4.0, -1.5], [2.0, 7.0], [0.0, 0.0],
                                    [np.nan, -2.0, np.inf, 1.0]])
def test_levels_from_a_range_found_before_are_those_of_the_values(mapping, values):
    """A map's range found off the GUI thread gives the levels its values give, by hand."""
    from core.sheets import finite_range, levels_for

    values = np.array(values)
    finite = values[np.isfinite(values)]
    shown = np.abs(finite) if mapping == "abs" else finite
    low, high = float(shown.min()), float(shown.max())
    if mapping == "symmetric":  # centred on 0 (all zeros: -1..1, 0 in the middle)
        bound = max(abs(low), abs(high)) or 1.0
        low, high = -bound, bound
    if mapping == "clip":
        low, high = 0.0, 255.0
    expected = (low, high if high > low else low + 1.0)
    assert levels_for(values, mapping) == expected
    assert levels_for(values, mapping, found=finite_range(values)) == expected


def test_a_board_marks_nan_unless_told_its_values_are_finite(qtbot):
    """What the worker finds out about a map (its range, no NaN) spares the GUI thread that
    work; a map with NaN still shows its holes."""
    from core.sheets import finite_range
    from convgui.map_board import MapBoard, Tile

    board = MapBoard()
    qtbot.addWidget(board)
    values = np.arange(12.0).reshape(3, 4)
    holed = values.copy()
    holed[1, 2] = np.nan
    tiles = [Tile("holed", holed, found_range=finite_range(holed), all_finite=False),
             Tile("clean", values, found_range=finite_range(values), all_finite=True)]
    board.show_rows([tiles], "minmax", "gray", (0.0, 255.0))
    holed_plot, clean_plot = (board.plots[0][c][0] for c in range(2))
    assert holed_plot.hole_count == 1 and clean_plot.hole_count == 0
    assert holed_plot.auto_levels == (0.0, 11.0) and clean_plot.auto_levels == (0.0, 11.0)
