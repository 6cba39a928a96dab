"""Bad arguments to the core raise ``ValueError``/``TypeError`` naming the argument to fix.

``pytest.raises`` is always given the expected exception class(es), so an ``IndexError`` or any
other accidental failure deep in the engine makes the test fail. Also covers ``core.atomic``:
a writer that fails leaves neither a temporary file nor a changed target behind.
"""

import os

import numpy as np
import pytest

from core import (
    conv2d,
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_same,
    convolve_grayscale_valid,
    input_window,
    output_shape,
    pool,
    pool2d,
    resolve_padding,
)
from core.atomic import atomic_path, atomic_write_bytes, atomic_write_text

GRAY = np.ones((2, 6, 6))
RGB = np.ones((2, 6, 6, 3))
K2 = np.ones((3, 3))
K3 = np.ones((3, 3, 3))
K4 = np.ones((3, 3, 3, 2))
BAD_KIND = (ValueError, TypeError)


# --------------------------------------------------------------------------------------------
# conv2d: arrays
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6,), (6, 6), (1, 2, 6, 6, 1)], ids=repr)
def test_conv2d_images_wrong_ndim(shape):
    with pytest.raises(ValueError, match="images"):
        conv2d(np.ones(shape), K2)


def test_conv2d_images_scalar():
    with pytest.raises(ValueError, match="images"):
        conv2d(3.0, K2)


@pytest.mark.parametrize("shape", [(3,), (3, 3, 3, 1, 1)], ids=repr)
def test_conv2d_kernels_wrong_ndim(shape):
    with pytest.raises(ValueError, match="kernels"):
        conv2d(GRAY, np.ones(shape))


@pytest.mark.parametrize("images, kernels",
                         [(RGB, np.ones((3, 3, 2))), (RGB, np.ones((3, 3, 4, 2))),
                          (GRAY, K3), (RGB, K2), (GRAY, K4)],
                         ids=["rgb-k2ch", "rgb-bank4ch", "gray-k3ch", "rgb-k2d", "gray-bank3ch"])
def test_conv2d_channel_mismatch(images, kernels):
    with pytest.raises(ValueError, match="kernels"):
        conv2d(images, kernels)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_conv2d_non_finite_kernel(bad):
    kernel = np.ones((3, 3))
    kernel[1, 2] = bad
    with pytest.raises(ValueError, match="kernels"):
        conv2d(GRAY, kernel)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("kernels", [K3, K4], ids=["single", "bank"])
def test_conv2d_non_finite_images(bad, kernels):
    images = RGB.copy()
    images[1, 2, 3, 0] = bad
    with pytest.raises(ValueError, match="images"):
        conv2d(images, kernels)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_conv2d_non_finite_float32_images_with_float32_output(bad):
    images = np.ones((400, 10, 10), dtype=np.float32)
    images[321, 5, 5] = bad
    with pytest.raises(ValueError, match="images"):
        conv2d(images, K2, dtype=np.float32)


@pytest.mark.parametrize("shape", [(0, 6, 6), (2, 0, 6), (2, 6, 0), (2, 6, 6, 0)], ids=repr)
def test_conv2d_empty_images(shape):
    with pytest.raises(ValueError, match="images"):
        conv2d(np.ones(shape), K2)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (3, 3, 0), (3, 3, 1, 0)], ids=repr)
def test_conv2d_empty_kernels(shape):
    with pytest.raises(ValueError, match="kernels"):
        conv2d(GRAY, np.ones(shape))


BAD_DTYPE_ARRAYS = {
    "object": np.array([[[1, None], [2, 3]]], dtype=object),
    "string": np.array([[["a", "b"], ["c", "d"]]]),
    "bytes": np.array([[[b"a", b"b"], [b"c", b"d"]]]),
    "complex": np.ones((1, 2, 2), dtype=complex),
    "datetime": np.array([[["2020-01-01", "2020-01-02"]]], dtype="datetime64[D]"),
}


@pytest.mark.parametrize("kind", sorted(BAD_DTYPE_ARRAYS))
def test_conv2d_non_numeric_images(kind):
    with pytest.raises(TypeError, match="images"):
        conv2d(BAD_DTYPE_ARRAYS[kind], np.ones((1, 1)))


@pytest.mark.parametrize("kind", sorted(BAD_DTYPE_ARRAYS))
def test_conv2d_non_numeric_kernels(kind):
    kernel = BAD_DTYPE_ARRAYS[kind][0]
    with pytest.raises(TypeError, match="kernels"):
        conv2d(GRAY, kernel)


def test_conv2d_ragged_images():
    with pytest.raises(TypeError, match="images"):
        conv2d([[[1, 2], [3]]], K2)


# --------------------------------------------------------------------------------------------
# conv2d: options
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stride, error", [
    (0, ValueError), (-1, ValueError), ((1, 0), ValueError), ((2, -2), ValueError),
    (1.5, TypeError), ((1, 2.0), TypeError), (True, TypeError), ((1, True), TypeError),
    (np.bool_(True), TypeError), ((1, 2, 3), ValueError), ((1,), ValueError), ("ab", TypeError),
    (None, TypeError), (np.float64(2.0), TypeError),
], ids=repr)
def test_conv2d_bad_stride(stride, error):
    with pytest.raises(error, match="stride"):
        conv2d(GRAY, K2, stride=stride)


@pytest.mark.parametrize("dilation, error", [
    (0, ValueError), ((1, 0), ValueError), (-2, ValueError), (False, TypeError),
    (2.0, TypeError), ((1, 1, 1), ValueError),
], ids=repr)
def test_conv2d_bad_dilation(dilation, error):
    with pytest.raises(error, match="dilation"):
        conv2d(GRAY, K2, dilation=dilation)


@pytest.mark.parametrize("padding, error", [
    (-1, ValueError), ((1, -1), ValueError), ((-3, 0), ValueError),
    (((0, -1), (0, 0)), ValueError), (((0, 0), (-2, 1)), ValueError),
    ("sme", ValueError), ("", ValueError), ("padding", ValueError),
    (None, TypeError), (1.5, TypeError), ((1, 2.5), TypeError), (((1, 2), 3), TypeError),
    ((1, 2, 3), ValueError), (((1, 2, 3), (1, 2)), ValueError), (True, TypeError),
    (((), ()), ValueError),
], ids=repr)
def test_conv2d_bad_padding(padding, error):
    with pytest.raises(error, match="padding"):
        conv2d(GRAY, K2, padding=padding)


@pytest.mark.parametrize("images, kernels, padding, dilation", [
    (GRAY, np.ones((7, 3)), "valid", 1),
    (GRAY, np.ones((3, 9)), 1, 1),
    (GRAY, np.ones((3, 3)), "valid", 3),
    (GRAY, np.ones((9, 9)), ((1, 1), (0, 3)), 1),
    (RGB, np.ones((7, 7, 3, 2)), "valid", 1),
], ids=["tall", "wide-padded", "dilated", "explicit-pads", "bank"])
def test_conv2d_kernel_larger_than_padded_image(images, kernels, padding, dilation):
    with pytest.raises(ValueError, match="kernel"):
        conv2d(images, kernels, padding=padding, dilation=dilation)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.float16, np.complex128, int, bool,
                                   "nonsense", object], ids=repr)
def test_conv2d_bad_dtype(dtype):
    with pytest.raises(TypeError, match="dtype"):
        conv2d(GRAY, K2, dtype=dtype)


@pytest.mark.parametrize("out", [
    np.empty((2, 4, 4), dtype=np.float32), np.empty((2, 4, 5)), np.empty((2, 4, 4, 1)),
    [[0.0]], np.empty(32),
], ids=["dtype", "shape", "extra-axis", "list", "flat"])
def test_conv2d_bad_out(out):
    with pytest.raises(ValueError, match="out"):
        conv2d(GRAY, K2, out=out)


def test_conv2d_out_with_float32_dtype_requires_float32_out():
    with pytest.raises(ValueError, match="out"):
        conv2d(GRAY, K2, dtype=np.float32, out=np.empty((2, 4, 4)))


# --------------------------------------------------------------------------------------------
# pool2d
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6,), (6, 6), (1, 2, 6, 6, 1)], ids=repr)
def test_pool2d_images_wrong_ndim(shape):
    with pytest.raises(ValueError, match="images"):
        pool2d(np.ones(shape), 2)


@pytest.mark.parametrize("kernel_shape, error", [
    (0, ValueError), ((2, 0), ValueError), (-1, ValueError), ((1, 2, 3), ValueError),
    (True, TypeError), (1.5, TypeError), (None, TypeError),
], ids=repr)
def test_pool2d_bad_kernel_shape(kernel_shape, error):
    with pytest.raises(error, match="kernel_shape"):
        pool2d(RGB, kernel_shape)


@pytest.mark.parametrize("stride, error", [
    (0, ValueError), ((0, 1), ValueError), (-2, ValueError), ((1, 2, 3), ValueError),
    (1.0, TypeError), (False, TypeError),
], ids=repr)
def test_pool2d_bad_stride(stride, error):
    with pytest.raises(error, match="stride"):
        pool2d(RGB, 2, stride=stride)


@pytest.mark.parametrize("mode", ["min", "mean", "average", "", None, 1, ["max"]], ids=repr)
def test_pool2d_unknown_mode(mode):
    with pytest.raises(ValueError, match="mode"):
        pool2d(RGB, 2, mode=mode)


@pytest.mark.parametrize("kernel_shape", [(7, 2), (2, 7), (7, 7)], ids=repr)
def test_pool2d_kernel_larger_than_image(kernel_shape):
    with pytest.raises(ValueError, match="kernel_shape"):
        pool2d(RGB, kernel_shape)


@pytest.mark.parametrize("shape", [(0, 6, 6, 3), (2, 0, 6, 3), (2, 6, 6, 0)], ids=repr)
def test_pool2d_empty_images(shape):
    with pytest.raises(ValueError, match="images"):
        pool2d(np.ones(shape), 2)


@pytest.mark.parametrize("kind", sorted(BAD_DTYPE_ARRAYS))
def test_pool2d_non_numeric_images(kind):
    with pytest.raises(TypeError, match="images"):
        pool2d(BAD_DTYPE_ARRAYS[kind], 1)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "nonsense"], ids=repr)
def test_pool2d_bad_dtype(dtype):
    with pytest.raises(TypeError, match="dtype"):
        pool2d(RGB, 2, dtype=dtype)


# --------------------------------------------------------------------------------------------
# The seven seed functions are strict about layouts
# --------------------------------------------------------------------------------------------

GRAYSCALE_FUNCTIONS = [
    ("valid", lambda images, kernel: convolve_grayscale_valid(images, kernel)),
    ("same", lambda images, kernel: convolve_grayscale_same(images, kernel)),
    ("padding", lambda images, kernel: convolve_grayscale_padding(images, kernel, (1, 1))),
    ("strided", lambda images, kernel: convolve_grayscale(images, kernel, "valid", (2, 2))),
]
GRAYSCALE_IDS = [name for name, _ in GRAYSCALE_FUNCTIONS]


@pytest.mark.parametrize("name, function", GRAYSCALE_FUNCTIONS, ids=GRAYSCALE_IDS)
@pytest.mark.parametrize("shape", [(6, 6), (2, 6, 6, 1), (2, 6, 6, 3)], ids=repr)
def test_grayscale_functions_need_3d_images(name, function, shape):
    with pytest.raises(ValueError, match="images"):
        function(np.ones(shape), K2)


@pytest.mark.parametrize("name, function", GRAYSCALE_FUNCTIONS, ids=GRAYSCALE_IDS)
@pytest.mark.parametrize("shape", [(3,), (3, 3, 1), (3, 3, 1, 1)], ids=repr)
def test_grayscale_functions_need_2d_kernel(name, function, shape):
    with pytest.raises(ValueError, match="kernel"):
        function(GRAY, np.ones(shape))


@pytest.mark.parametrize("name, function", GRAYSCALE_FUNCTIONS, ids=GRAYSCALE_IDS)
def test_grayscale_functions_refuse_nan_kernel(name, function):
    kernel = K2.copy()
    kernel[0, 0] = np.nan
    with pytest.raises(ValueError, match="kernel"):
        function(GRAY, kernel)


@pytest.mark.parametrize("name, function", GRAYSCALE_FUNCTIONS, ids=GRAYSCALE_IDS)
def test_grayscale_functions_refuse_empty_and_non_numeric(name, function):
    with pytest.raises(ValueError, match="images"):
        function(np.ones((0, 6, 6)), K2)
    with pytest.raises(ValueError, match="kernel"):
        function(GRAY, np.ones((0, 3)))
    with pytest.raises(TypeError, match="images"):
        function(GRAY.astype(complex), K2)
    with pytest.raises(TypeError, match="kernel"):
        function(GRAY, K2.astype(object))


@pytest.mark.parametrize("name, function",
                         [(n, f) for n, f in GRAYSCALE_FUNCTIONS if n != "same"],
                         ids=[n for n, _ in GRAYSCALE_FUNCTIONS if n != "same"])
def test_grayscale_functions_refuse_kernel_larger_than_image(name, function):
    with pytest.raises(ValueError, match="kernel"):
        function(GRAY, np.ones((12, 3)))


def test_grayscale_same_pads_enough_for_any_kernel():
    assert convolve_grayscale_same(GRAY, np.ones((12, 3))).shape == GRAY.shape


@pytest.mark.parametrize("padding", ["same", 2, (1, 2, 3), (1,), None], ids=repr)
def test_convolve_grayscale_padding_needs_a_pair(padding):
    with pytest.raises(BAD_KIND, match="padding"):
        convolve_grayscale_padding(GRAY, K2, padding)


@pytest.mark.parametrize("padding", [(-1, 0), (1.5, 1)], ids=repr)
def test_convolve_grayscale_padding_bad_values(padding):
    with pytest.raises(BAD_KIND, match="padding"):
        convolve_grayscale_padding(GRAY, K2, padding)


@pytest.mark.parametrize("padding", ["Valid!", "sam", -1, (0, -1)], ids=repr)
@pytest.mark.parametrize("function, images, kernel", [
    (convolve_grayscale, GRAY, K2), (convolve_channels, RGB, K3), (convolve, RGB, K4),
], ids=["grayscale", "channels", "bank"])
def test_strided_seed_functions_bad_padding(function, images, kernel, padding):
    with pytest.raises(ValueError, match="padding"):
        function(images, kernel, padding=padding)


@pytest.mark.parametrize("stride, error", [
    ((0, 1), ValueError), ((1, -1), ValueError), ((1,), ValueError), ((1.0, 1), TypeError),
    ((True, 1), TypeError), ("11", TypeError),
], ids=repr)
@pytest.mark.parametrize("function, images, kernel", [
    (convolve_grayscale, GRAY, K2), (convolve_channels, RGB, K3), (convolve, RGB, K4),
], ids=["grayscale", "channels", "bank"])
def test_strided_seed_functions_bad_stride(function, images, kernel, stride, error):
    with pytest.raises(error, match="stride"):
        function(images, kernel, padding="valid", stride=stride)


@pytest.mark.parametrize("shape", [(2, 6, 6), (6, 6, 3), (1, 2, 6, 6, 3)], ids=repr)
def test_convolve_channels_needs_4d_images(shape):
    with pytest.raises(ValueError, match="images"):
        convolve_channels(np.ones(shape), K3)


@pytest.mark.parametrize("shape", [(3, 3), (3, 3, 3, 1), (3,)], ids=repr)
def test_convolve_channels_needs_3d_kernel(shape):
    with pytest.raises(ValueError, match="kernel"):
        convolve_channels(RGB, np.ones(shape))


def test_convolve_channels_channel_mismatch():
    with pytest.raises(ValueError, match="kernel"):
        convolve_channels(RGB, np.ones((3, 3, 2)))


@pytest.mark.parametrize("shape", [(2, 6, 6), (1, 2, 6, 6, 3)], ids=repr)
def test_convolve_needs_4d_images(shape):
    with pytest.raises(ValueError, match="images"):
        convolve(np.ones(shape), K4)


@pytest.mark.parametrize("shape", [(3, 3), (3, 3, 3), (3, 3, 3, 2, 1)], ids=repr)
def test_convolve_needs_4d_kernels(shape):
    with pytest.raises(ValueError, match="kernels"):
        convolve(RGB, np.ones(shape))


def test_convolve_channel_mismatch_and_nan():
    with pytest.raises(ValueError, match="kernels"):
        convolve(RGB, np.ones((3, 3, 4, 2)))
    bank = K4.copy()
    bank[0, 0, 0, 1] = np.inf
    with pytest.raises(ValueError, match="kernels"):
        convolve(RGB, bank)


@pytest.mark.parametrize("shape", [(2, 6, 6), (6, 6), (1, 2, 6, 6, 3)], ids=repr)
def test_pool_needs_4d_images(shape):
    with pytest.raises(ValueError, match="images"):
        pool(np.ones(shape), (2, 2), (2, 2))


def test_pool_bad_mode_kernel_and_stride():
    with pytest.raises(ValueError, match="mode"):
        pool(RGB, (2, 2), (2, 2), mode="median")
    with pytest.raises(ValueError, match="kernel_shape"):
        pool(RGB, (7, 2), (1, 1))
    with pytest.raises(ValueError, match="kernel_shape"):
        pool(RGB, (0, 2), (1, 1))
    with pytest.raises(ValueError, match="stride"):
        pool(RGB, (2, 2), (0, 1))


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------

def test_resolve_padding_unknown_word_lists_choices():
    with pytest.raises(ValueError, match="padding.*'valid'.*'same'.*'full'"):
        resolve_padding("half", (5, 5), (3, 3))


def test_output_shape_kernel_too_large_names_kernel():
    with pytest.raises(ValueError, match="kernel"):
        output_shape((4, 4), (3, 6))


@pytest.mark.parametrize("out_rc", [(-1, 0), (0, -3)], ids=repr)
def test_input_window_negative_output_pixel(out_rc):
    with pytest.raises(ValueError, match="out_rc"):
        input_window(out_rc, (3, 3))


# --------------------------------------------------------------------------------------------
# core.atomic
# --------------------------------------------------------------------------------------------

def _write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_atomic_path_failure_keeps_target_and_leaves_no_temp_file(tmp_path, error):
    target = tmp_path / "result.npy"
    np.save(target, np.arange(3))
    before = target.read_bytes()
    with pytest.raises(error):
        with atomic_path(target) as tmp:
            np.save(tmp, np.zeros(1000))
            raise error("writer failed")
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["result.npy"]


def test_atomic_path_failure_without_existing_target_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with atomic_path(tmp_path / "new.txt") as tmp:
            _write(tmp, "half")
            raise ValueError("boom")
    assert os.listdir(tmp_path) == []


def test_atomic_path_failure_before_writing_leaves_nothing(tmp_path):
    with pytest.raises(OSError):
        with atomic_path(tmp_path / "new.txt"):
            raise OSError("disk full")
    assert os.listdir(tmp_path) == []


def test_atomic_path_success_replaces_target_and_cleans_up(tmp_path):
    target = tmp_path / "kernel.json"
    _write(target, "old")
    with atomic_path(target) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path)
        assert str(tmp).endswith(".json")
        _write(tmp, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert os.listdir(tmp_path) == ["kernel.json"]


def test_atomic_write_text_and_bytes(tmp_path):
    atomic_write_text(tmp_path / "a.txt", "héllo")
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin"]


def test_atomic_path_missing_folder(tmp_path):
    with pytest.raises(OSError, match="folder"):
        with atomic_path(tmp_path / "missing" / "x.txt"):
            pass
    assert os.listdir(tmp_path) == []
