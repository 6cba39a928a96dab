"""Shape arithmetic of ``core.geometry`` against formulas and brute force written in the tests.

Padding and output sizes are recomputed from the documented formulas (TensorFlow SAME, output
``floor((h + pad - d*(k-1) - 1) / s) + 1``); windows are checked tap by tap against an
``np.pad``-ded image, and ``outputs_reading`` against an exhaustive search over output pixels.
Hypothesis covers random sizes, strides, dilations and padding kinds.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import (
    conv2d,
    input_window,
    output_shape,
    output_size,
    outputs_reading,
    resolve_padding,
)
from test_core_reference import ref_out_size, ref_pads, reference_conv2d

# --------------------------------------------------------------------------------------------
# resolve_padding, output_size, output_shape: fixed cases
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "padding, image_hw, kernel_hw, stride, dilation, expected",
    [
        ("valid", (28, 28), (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0))),
        ("same", (28, 28), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),
        ("same", (5, 5), (2, 2), (1, 1), (1, 1), ((0, 1), (0, 1))),
        ("same", (6, 7), (4, 5), (1, 1), (1, 1), ((1, 2), (2, 2))),
        ("same", (28, 28), (3, 3), (2, 2), (1, 1), ((0, 1), (0, 1))),
        ("same", (7, 10), (3, 3), (2, 3), (1, 1), ((1, 1), (1, 1))),
        ("same", (9, 9), (3, 2), (1, 1), (2, 2), ((2, 2), (1, 1))),
        ("same", (4, 4), (1, 1), (3, 3), (1, 1), ((0, 0), (0, 0))),
        ("full", (28, 28), (3, 4), (1, 1), (1, 1), ((2, 2), (3, 3))),
        ("full", (28, 28), (3, 4), (2, 2), (2, 1), ((4, 4), (3, 3))),
        (3, (28, 28), (3, 3), (1, 1), (1, 1), ((3, 3), (3, 3))),
        ((2, 4), (28, 28), (3, 3), (1, 1), (1, 1), ((2, 2), (4, 4))),
        (((1, 2), (0, 3)), (28, 28), (3, 3), (1, 1), (1, 1), ((1, 2), (0, 3))),
    ],
    ids=repr,
)
def test_resolve_padding_fixed_cases(padding, image_hw, kernel_hw, stride, dilation, expected):
    assert resolve_padding(padding, image_hw, kernel_hw, stride, dilation) == expected


def test_resolve_padding_returns_python_ints():
    pads = resolve_padding(np.array([[1, 2], [3, 4]]), (9, 9), (3, 3))
    assert pads == ((1, 2), (3, 4))
    assert all(type(v) is int for pair in pads for v in pair)


@pytest.mark.parametrize(
    "image_hw, kernel_hw, padding, stride, expected",
    [((28, 28), (3, 3), "valid", (1, 1), (26, 26)), ((28, 28), (3, 3), "same", (1, 1), (28, 28)),
     ((28, 28), (3, 3), (2, 4), (1, 1), (30, 34)), ((28, 28), (3, 3), "valid", (2, 2), (13, 13)),
     ((32, 32), (3, 3), "valid", (1, 1), (30, 30)), ((28, 28), (3, 3), "full", (1, 1), (30, 30)),
     ((7, 9), (2, 4), "same", (3, 2), (3, 5))],
    ids=repr,
)
def test_output_shape_fixed_cases(image_hw, kernel_hw, padding, stride, expected):
    assert output_shape(image_hw, kernel_hw, padding, stride) == expected


def test_output_size_formula_examples():
    assert output_size(28, 3, 2, stride=2) == 14
    assert output_size(28, 3, 0, stride=2) == 13
    assert output_size(10, 3, 0, stride=1, dilation=2) == 6
    assert output_size(5, 5, 0) == 1


def test_output_size_kernel_larger_than_padded_raises():
    with pytest.raises(ValueError, match="kernel"):
        output_size(4, 6, 1)


# --------------------------------------------------------------------------------------------
# Hypothesis: output_shape == conv2d's shape == the formula
# --------------------------------------------------------------------------------------------

small = st.integers(1, 4)
paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 3),
    st.tuples(st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.tuples(st.integers(0, 3), st.integers(0, 3)),
              st.tuples(st.integers(0, 3), st.integers(0, 3))),
)


@settings(max_examples=100, deadline=None)
@given(h=st.integers(1, 12), w=st.integers(1, 12), kh=st.integers(1, 5), kw=st.integers(1, 5),
       sh=small, sw=small, dh=st.integers(1, 3), dw=st.integers(1, 3), padding=paddings)
def test_output_shape_equals_formula_and_conv2d(h, w, kh, kw, sh, sw, dh, dw, padding):
    (t, b), (l, r) = ref_pads(padding, (h, w), (kh, kw), (sh, sw), (dh, dw))
    oh, ow = ref_out_size(h, kh, t + b, sh, dh), ref_out_size(w, kw, l + r, sw, dw)
    images = np.zeros((1, h, w))
    kernel = np.ones((kh, kw))
    args = dict(padding=padding, stride=(sh, sw), dilation=(dh, dw))
    if oh < 1 or ow < 1:
        with pytest.raises(ValueError, match="kernel"):
            output_shape((h, w), (kh, kw), padding, (sh, sw), (dh, dw))
        with pytest.raises(ValueError, match="kernel"):
            conv2d(images, kernel, **args)
        return
    assert output_shape((h, w), (kh, kw), padding, (sh, sw), (dh, dw)) == (oh, ow)
    assert conv2d(images, kernel, **args).shape == (1, oh, ow)


@settings(max_examples=100, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), kh=st.integers(1, 7), kw=st.integers(1, 7),
       sh=small, sw=small, dh=st.integers(1, 3), dw=st.integers(1, 3))
def test_same_output_is_ceil_of_size_over_stride(h, w, kh, kw, sh, sw, dh, dw):
    expected = (math.ceil(h / sh), math.ceil(w / sw))
    assert output_shape((h, w), (kh, kw), "same", (sh, sw), (dh, dw)) == expected


@settings(max_examples=100, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), kh=st.integers(1, 7), kw=st.integers(1, 7),
       sh=small, sw=small, dh=st.integers(1, 3), dw=st.integers(1, 3), padding=paddings)
def test_resolve_padding_non_negative_and_same_is_balanced(h, w, kh, kw, sh, sw, dh, dw, padding):
    pads = resolve_padding(padding, (h, w), (kh, kw), (sh, sw), (dh, dw))
    assert pads == ref_pads(padding, (h, w), (kh, kw), (sh, sw), (dh, dw))
    assert all(p >= 0 for pair in pads for p in pair)
    if padding == "same":
        (t, b), (l, r) = pads
        assert b - t in (0, 1)
        assert r - l in (0, 1)


# --------------------------------------------------------------------------------------------
# input_window, Window.inside, Window.patch, outputs_reading: brute force
# --------------------------------------------------------------------------------------------

WINDOW_CASES = [
    # image_hw, kernel_hw, padding, stride, dilation
    ((6, 7), (3, 3), "same", (1, 1), (1, 1)),
    ((6, 7), (2, 2), "same", (1, 1), (1, 1)),
    ((6, 7), (2, 3), "full", (1, 1), (1, 1)),
    ((7, 8), (3, 2), "same", (2, 2), (1, 1)),
    ((9, 8), (3, 3), "same", (1, 1), (2, 2)),
    ((9, 9), (2, 3), ((2, 0), (1, 3)), (2, 3), (2, 1)),
    ((8, 9), (3, 3), "valid", (2, 2), (2, 2)),
    ((5, 5), (4, 4), "full", (3, 2), (1, 2)),
]


def _windows(image_hw, kernel_hw, padding, stride, dilation):
    """Yield (r, c, rows, cols) for every output pixel, from the formula in the test."""
    (h, w), (kh, kw), (sh, sw), (dh, dw) = image_hw, kernel_hw, stride, dilation
    (t, b), (l, r) = ref_pads(padding, image_hw, kernel_hw, stride, dilation)
    oh, ow = ref_out_size(h, kh, t + b, sh, dh), ref_out_size(w, kw, l + r, sw, dw)
    for row in range(oh):
        for col in range(ow):
            rows = [row * sh - t + i * dh for i in range(kh)]
            cols = [col * sw - l + j * dw for j in range(kw)]
            yield row, col, rows, cols


@pytest.mark.parametrize("case", WINDOW_CASES, ids=repr)
def test_input_window_positions_match_formula(case):
    image_hw, kernel_hw, padding, stride, dilation = case
    pads = resolve_padding(padding, image_hw, kernel_hw, stride, dilation)
    for row, col, rows, cols in _windows(*case):
        win = input_window((row, col), kernel_hw, pads, stride, dilation)
        assert win.rows.tolist() == rows
        assert win.cols.tolist() == cols
        assert (win.top, win.bottom, win.left, win.right) == (rows[0], rows[-1], cols[0], cols[-1])


@pytest.mark.parametrize("case", WINDOW_CASES, ids=repr)
def test_window_inside_marks_real_pixels(case):
    image_hw, kernel_hw, padding, stride, dilation = case
    h, w = image_hw
    pads = resolve_padding(padding, image_hw, kernel_hw, stride, dilation)
    for row, col, rows, cols in _windows(*case):
        mask = input_window((row, col), kernel_hw, pads, stride, dilation).inside(image_hw)
        expected = [[0 <= y < h and 0 <= x < w for x in cols] for y in rows]
        assert mask.tolist() == expected


@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("case", WINDOW_CASES, ids=repr)
def test_window_patch_matches_padded_image_and_conv_value(case, channels):
    image_hw, kernel_hw, padding, stride, dilation = case
    rng = np.random.default_rng(len(repr(case)) + (channels or 0))
    shape = image_hw if channels is None else image_hw + (channels,)
    image = rng.integers(1, 10, size=shape).astype(np.float64)
    kernel = rng.normal(size=kernel_hw if channels is None else kernel_hw + (channels,))
    (t, b), (l, r) = ref_pads(padding, image_hw, kernel_hw, stride, dilation)
    spatial = ((t + 5, b + 5), (l + 5, r + 5))
    padded = np.pad(image, spatial if channels is None else spatial + ((0, 0),))
    conv = reference_conv2d(image[None], kernel, padding, stride, dilation)[0]
    pads = resolve_padding(padding, image_hw, kernel_hw, stride, dilation)
    for row, col, rows, cols in _windows(*case):
        patch = input_window((row, col), kernel_hw, pads, stride, dilation).patch(image)
        expected = padded[np.array(rows)[:, None] + 5 + t, np.array(cols)[None, :] + 5 + l]
        np.testing.assert_array_equal(patch, expected)
        assert np.isclose(np.sum(patch * kernel), conv[row, col], rtol=1e-12, atol=1e-12)


def test_window_patch_fill_marks_padding():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    win = input_window((0, 0), (3, 3), ((1, 1), (1, 1)))
    patch = win.patch(image, fill=-1)
    np.testing.assert_array_equal(patch, [[-1, -1, -1], [-1, 1, 2], [-1, 4, 5]])


@pytest.mark.parametrize("case", WINDOW_CASES, ids=repr)
def test_outputs_reading_is_inverse_of_windows(case):
    image_hw, kernel_hw, padding, stride, dilation = case
    h, w = image_hw
    readers = {(y, x): set() for y in range(h) for x in range(w)}
    out_h = out_w = 0
    for row, col, rows, cols in _windows(*case):
        out_h, out_w = max(out_h, row + 1), max(out_w, col + 1)
        for y in rows:
            for x in cols:
                if (y, x) in readers:
                    readers[(y, x)].add((row, col))
    pads = resolve_padding(padding, image_hw, kernel_hw, stride, dilation)
    for (y, x), expected in readers.items():
        got = outputs_reading((y, x), kernel_hw, (out_h, out_w), pads, stride, dilation)
        assert got == sorted(expected), (y, x)


def test_outputs_reading_can_be_empty_for_pixels_a_stride_skips():
    pads = ((0, 0), (0, 0))
    assert outputs_reading((1, 1), (1, 1), (3, 3), pads, (2, 2)) == []
    assert outputs_reading((2, 2), (1, 1), (3, 3), pads, (2, 2)) == [(1, 1)]
