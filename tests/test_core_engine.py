"""The engine (``core.conv2d``, ``core.pool2d``) against independent references.

Every expected value comes from the brute-force loops in ``test_core_reference`` or from SciPy on
an explicitly padded input, never from the core itself. Inputs come from a seeded RNG.
"""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from core import conv2d, pool2d
from test_core_reference import reference_conv2d, reference_pool, scipy_conv2d

KERNEL_SHAPES = [(1, 1), (2, 2), (3, 3), (2, 3), (4, 4), (5, 4)]
STRIDES = [(1, 1), (2, 2), (1, 3), (3, 2)]
DILATIONS = [1, 2]
PADDINGS = ["valid", "same", "full", 2, (1, 3), ((0, 2), (3, 1))]


def rng_for(*key):
    """A generator seeded from the test's parameters, so every case has its own fixed data."""
    seed = sum((i + 1) * ord(ch) for i, ch in enumerate(repr(key))) % (2**32)
    return np.random.default_rng(seed)


def assert_close(got, expected, dtype=np.float64):
    """float64: tight tolerance; float32: atol of 1e-5 times the largest reference magnitude."""
    assert got.shape == expected.shape
    scale = max(float(np.abs(expected).max()), 1.0)
    if np.dtype(dtype) == np.float32:
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * scale)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * scale)


# --------------------------------------------------------------------------------------------
# conv2d: geometry (kernel shape x stride x dilation x padding)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("padding", PADDINGS, ids=repr)
@pytest.mark.parametrize("dilation", DILATIONS)
@pytest.mark.parametrize("stride", STRIDES, ids=repr)
@pytest.mark.parametrize("kernel_hw", KERNEL_SHAPES, ids=repr)
def test_conv2d_grayscale_matches_brute_force(kernel_hw, stride, dilation, padding):
    rng = rng_for("gray", kernel_hw, stride, dilation, padding)
    images = rng.normal(size=(3, 11, 13))
    kernel = rng.normal(size=kernel_hw)
    got = conv2d(images, kernel, padding=padding, stride=stride, dilation=dilation)
    expected = reference_conv2d(images, kernel, padding, stride, dilation)
    assert got.dtype == np.float64
    assert_close(got, expected)


@pytest.mark.parametrize("padding", PADDINGS, ids=repr)
@pytest.mark.parametrize("dilation", DILATIONS)
@pytest.mark.parametrize("stride", STRIDES, ids=repr)
def test_conv2d_bank_matches_scipy(stride, dilation, padding):
    rng = rng_for("bank", stride, dilation, padding)
    images = rng.normal(size=(2, 10, 12, 3))
    kernels = rng.normal(size=(3, 2, 3, 2))
    got = conv2d(images, kernels, padding=padding, stride=stride, dilation=dilation)
    assert_close(got, scipy_conv2d(images, kernels, padding, stride, dilation))


@pytest.mark.parametrize("padding", PADDINGS, ids=repr)
@pytest.mark.parametrize("stride", STRIDES, ids=repr)
def test_conv2d_single_multichannel_kernel_matches_brute_force(stride, padding):
    rng = rng_for("chan", stride, padding)
    images = rng.normal(size=(2, 9, 10, 3))
    kernel = rng.normal(size=(3, 4, 3))
    got = conv2d(images, kernel, padding=padding, stride=stride, dilation=(2, 1))
    assert_close(got, reference_conv2d(images, kernel, padding, stride, (2, 1)))


@pytest.mark.parametrize("kernel_hw", [(1, 1), (2, 2), (3, 3), (4, 2), (5, 4)], ids=repr)
@pytest.mark.parametrize("padding", ["valid", "same", "full", (1, 2)], ids=repr)
def test_conv2d_stride_one_matches_scipy_correlate(kernel_hw, padding):
    rng = rng_for("scipy1", kernel_hw, padding)
    images = rng.normal(size=(4, 12, 9))
    kernel = rng.normal(size=kernel_hw)
    got = conv2d(images, kernel, padding=padding)
    assert_close(got, scipy_conv2d(images, kernel, padding))


def test_conv2d_same_stride_one_keeps_size_for_even_kernel():
    rng = rng_for("same-even")
    images = rng.normal(size=(2, 7, 8))
    got = conv2d(images, rng.normal(size=(4, 2)), padding="same")
    assert got.shape == (2, 7, 8)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv2d_int_stride_and_dilation_mean_both_axes(stride):
    rng = rng_for("int-stride", stride)
    images = rng.normal(size=(2, 13, 11))
    kernel = rng.normal(size=(3, 2))
    got = conv2d(images, kernel, padding="same", stride=stride, dilation=2)
    assert_close(got, reference_conv2d(images, kernel, "same", (stride, stride), (2, 2)))


# --------------------------------------------------------------------------------------------
# conv2d: flip
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel_hw", [(1, 1), (2, 2), (3, 3), (2, 3), (5, 4)], ids=repr)
@pytest.mark.parametrize("padding", ["valid", "full", ((1, 0), (2, 1))], ids=repr)
def test_conv2d_flip_is_true_convolution(kernel_hw, padding):
    rng = rng_for("flip", kernel_hw, padding)
    images = rng.normal(size=(3, 9, 8))
    kernel = rng.normal(size=kernel_hw)
    got = conv2d(images, kernel, padding=padding, flip=True)
    (t, b), (l, r) = ((0, 0), (0, 0)) if padding == "valid" else (
        ((kernel_hw[0] - 1,) * 2, (kernel_hw[1] - 1,) * 2) if padding == "full" else padding)
    for n in range(len(images)):
        padded = np.pad(images[n], ((t, b), (l, r)))
        expected = scipy.signal.convolve(padded, kernel, mode="valid", method="direct")
        assert_close(got[n], expected)


def test_conv2d_flip_full_equals_scipy_full_convolution():
    rng = rng_for("flip-full")
    image = rng.normal(size=(1, 6, 7))
    kernel = rng.normal(size=(3, 2))
    got = conv2d(image, kernel, padding="full", flip=True)
    assert_close(got[0], scipy.signal.convolve(image[0], kernel, mode="full", method="direct"))


@pytest.mark.parametrize("kernel_shape", [(3, 2, 2), (2, 3, 2, 3), (3, 3, 1, 1)], ids=repr)
@pytest.mark.parametrize("stride, dilation", [((1, 1), 1), ((2, 1), 2)], ids=repr)
def test_conv2d_flip_with_channels_rotates_spatial_axes_only(kernel_shape, stride, dilation):
    rng = rng_for("flip-ch", kernel_shape, stride, dilation)
    images = rng.normal(size=(2, 9, 9, kernel_shape[2]))
    kernels = rng.normal(size=kernel_shape)
    got = conv2d(images, kernels, padding="same", stride=stride, dilation=dilation, flip=True)
    assert_close(got, scipy_conv2d(images, kernels, "same", stride, dilation, flip=True))
    assert_close(got, reference_conv2d(images, kernels, "same", stride, dilation, flip=True))


def test_conv2d_flip_changes_result_for_asymmetric_kernel():
    images = np.arange(16.0).reshape(1, 4, 4)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert not np.allclose(conv2d(images, kernel), conv2d(images, kernel, flip=True))


# --------------------------------------------------------------------------------------------
# conv2d: dtypes
# --------------------------------------------------------------------------------------------

def _random_images(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return rng.integers(0, 256, size=shape).astype(np.uint8)
    if dtype == np.int16:
        return rng.integers(-32768, 32768, size=shape).astype(np.int16)
    return (rng.normal(size=shape) * 100).astype(dtype)


@pytest.mark.parametrize("out_dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("in_dtype", [np.uint8, np.int16, np.float32, np.float64],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("bank", [False, True], ids=["single", "bank"])
def test_conv2d_input_and_output_dtypes(in_dtype, out_dtype, bank):
    rng = rng_for("dtype", np.dtype(in_dtype).name, np.dtype(out_dtype).name, bank)
    images = _random_images(rng, (3, 10, 9, 2), in_dtype)
    kernels = rng.integers(-5, 6, size=(3, 3, 2, 3) if bank else (3, 3, 2)).astype(np.float64)
    got = conv2d(images, kernels, padding="same", stride=(1, 2), dtype=out_dtype)
    assert got.dtype == np.dtype(out_dtype)
    assert_close(got, reference_conv2d(images, kernels, "same", (1, 2)), out_dtype)


def test_conv2d_default_output_dtype_is_float64_even_for_float32_input():
    images = np.ones((1, 5, 5), dtype=np.float32)
    assert conv2d(images, np.ones((3, 3), dtype=np.float32)).dtype == np.float64


def test_conv2d_uint8_with_negative_kernel_does_not_wrap_around():
    images = np.full((2, 6, 6), 255, dtype=np.uint8)
    images[1] = 0
    images[1, 2:4, 2:4] = 200
    kernel = -np.ones((3, 3), dtype=np.int64)
    got = conv2d(images, kernel)
    np.testing.assert_array_equal(got[0], np.full((4, 4), -9 * 255.0))
    assert_close(got, reference_conv2d(images, kernel))
    assert got.min() == -9 * 255


def test_conv2d_int16_extremes_do_not_overflow():
    images = np.full((1, 4, 4), np.iinfo(np.int16).max, dtype=np.int16)
    images[0, ::2] = np.iinfo(np.int16).min
    kernel = np.full((2, 2), 1000, dtype=np.int16)
    got = conv2d(images, kernel)
    assert_close(got, reference_conv2d(images, kernel))
    assert got[0, 0, 0] == 1000.0 * 2 * (32767 - 32768)


def test_conv2d_bool_images_count_as_zero_and_one():
    images = np.zeros((1, 4, 4), dtype=bool)
    images[0, 1:3, 1:3] = True
    got = conv2d(images, np.ones((2, 2)))
    np.testing.assert_array_equal(got[0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


# --------------------------------------------------------------------------------------------
# conv2d: channels, kernel layouts and banks
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("layout", ["kh_kw_c", "bank1", "bank2", "bank3", "bank4"])
def test_conv2d_kernel_layouts_and_bank_sizes(channels, layout):
    rng = rng_for("layout", channels, layout)
    images = rng.normal(size=(3, 8, 7, channels))
    if layout == "kh_kw_c":
        kernels = rng.normal(size=(2, 3, channels))
        expected_shape = (3, 7, 5)
    else:
        nc = int(layout[-1])
        kernels = rng.normal(size=(2, 3, channels, nc))
        expected_shape = (3, 7, 5, nc)
    got = conv2d(images, kernels)
    assert got.shape == expected_shape
    assert_close(got, reference_conv2d(images, kernels))


def test_conv2d_grayscale_images_with_2d_kernel_give_3d_output():
    rng = rng_for("gray-2d")
    images = rng.normal(size=(2, 6, 6))
    kernel = rng.normal(size=(3, 3))
    got = conv2d(images, kernel)
    assert got.shape == (2, 4, 4)
    assert_close(got, reference_conv2d(images, kernel))


def test_conv2d_single_channel_images_accept_2d_kernel():
    rng = rng_for("c1-2d")
    images = rng.normal(size=(2, 6, 6, 1))
    kernel = rng.normal(size=(3, 3))
    got = conv2d(images, kernel)
    assert got.shape == (2, 4, 4)
    assert_close(got, reference_conv2d(images[..., 0], kernel))


def test_conv2d_grayscale_images_with_bank_of_one_channel_kernels():
    rng = rng_for("gray-bank")
    images = rng.normal(size=(2, 6, 7))
    kernels = rng.normal(size=(3, 2, 1, 4))
    got = conv2d(images, kernels, padding="same")
    assert got.shape == (2, 6, 7, 4)
    assert_close(got, reference_conv2d(images, kernels, "same"))


def test_conv2d_bank_channel_n_equals_single_kernel_n():
    rng = rng_for("bank-slices")
    images = rng.normal(size=(2, 9, 9, 3))
    kernels = rng.normal(size=(3, 3, 3, 4))
    bank = conv2d(images, kernels, padding="same", stride=2)
    for n in range(4):
        single = reference_conv2d(images, kernels[..., n], "same", 2)
        assert_close(bank[..., n], single)


# --------------------------------------------------------------------------------------------
# conv2d: batches that span several internal blocks
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("m", [700, 1001])
def test_conv2d_large_batch_single_kernel(m):
    rng = rng_for("big-single", m)
    images = rng.integers(0, 256, size=(m, 28, 28)).astype(np.uint8)
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    got = conv2d(images, kernel, padding="same")
    assert_close(got, scipy_conv2d(images, kernel, "same"))


def test_conv2d_large_batch_float64_valid_matches_brute_force():
    rng = rng_for("big-valid")
    images = rng.normal(size=(700, 28, 28))
    kernel = rng.normal(size=(3, 3))
    got = conv2d(images, kernel)
    assert_close(got, reference_conv2d(images, kernel))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_conv2d_large_batch_bank(dtype):
    rng = rng_for("big-bank", np.dtype(dtype).name)
    images = rng.integers(0, 256, size=(333, 20, 20, 3)).astype(np.uint8)
    kernels = rng.normal(size=(3, 3, 3, 4))
    got = conv2d(images, kernels, padding="valid", dtype=dtype)
    assert_close(got, scipy_conv2d(images, kernels), dtype)


def test_conv2d_each_image_is_independent_of_its_batch():
    rng = rng_for("independent")
    images = rng.normal(size=(701, 28, 28))
    kernel = rng.normal(size=(2, 3))
    batch = conv2d(images, kernel, padding="same", stride=(2, 1))
    for index in (0, 166, 167, 168, 333, 334, 500, 699, 700):
        alone = conv2d(images[index:index + 1], kernel, padding="same", stride=(2, 1))
        np.testing.assert_array_equal(batch[index], alone[0])


# --------------------------------------------------------------------------------------------
# conv2d: out=, zero kernels, kernel as large as the padded image
# --------------------------------------------------------------------------------------------

def test_conv2d_writes_into_out_and_returns_it():
    rng = rng_for("out")
    images = rng.normal(size=(5, 8, 8))
    kernel = rng.normal(size=(3, 3))
    out = np.full((5, 8, 8), np.nan)
    result = conv2d(images, kernel, padding="same", out=out)
    assert result is out
    assert_close(out, reference_conv2d(images, kernel, "same"))


def test_conv2d_out_float32_bank_large_batch():
    rng = rng_for("out-bank")
    images = rng.normal(size=(700, 20, 20, 2))
    kernels = rng.normal(size=(3, 3, 2, 3))
    out = np.zeros((700, 10, 10, 3), dtype=np.float32)
    result = conv2d(images, kernels, padding="same", stride=2, dtype=np.float32, out=out)
    assert result is out
    assert_close(out, scipy_conv2d(images, kernels, "same", 2), np.float32)


def test_conv2d_out_can_be_a_memory_map(tmp_path):
    rng = rng_for("memmap")
    images = rng.normal(size=(300, 12, 12))
    kernel = rng.normal(size=(3, 3))
    out = np.lib.format.open_memmap(tmp_path / "out.npy", mode="w+", dtype=np.float64,
                                    shape=(300, 10, 10))
    conv2d(images, kernel, out=out)
    out.flush()
    del out
    assert_close(np.load(tmp_path / "out.npy"), reference_conv2d(images, kernel))


@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 2, 3), (3, 2, 3, 2)], ids=repr)
def test_conv2d_all_zero_kernel_gives_zeros(kernel_shape):
    rng = rng_for("zero", kernel_shape)
    channels = 3 if len(kernel_shape) > 2 else None
    images = rng.normal(size=(4, 7, 7) if channels is None else (4, 7, 7, channels))
    got = conv2d(images, np.zeros(kernel_shape), padding="same")
    expected = reference_conv2d(images, np.zeros(kernel_shape), "same")
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, 0.0)


def test_conv2d_all_zero_kernel_overwrites_out():
    out = np.full((2, 3, 3), 7.0)
    conv2d(np.ones((2, 5, 5)), np.zeros((3, 3)), out=out)
    np.testing.assert_array_equal(out, 0.0)


def test_conv2d_sparse_kernel_with_one_nonzero_tap():
    rng = rng_for("sparse")
    images = rng.normal(size=(3, 6, 7))
    kernel = np.zeros((3, 3))
    kernel[2, 0] = -2.5
    got = conv2d(images, kernel, padding="full", stride=(1, 2))
    assert_close(got, reference_conv2d(images, kernel, "full", (1, 2)))


@pytest.mark.parametrize(
    "image_hw, kernel_hw, padding, dilation",
    [((5, 6), (5, 6), "valid", 1), ((4, 3), (6, 7), (1, 2), 1), ((5, 5), (3, 3), "valid", 2),
     ((3, 4), (4, 5), ((0, 1), (1, 0)), 1)],
    ids=repr,
)
def test_conv2d_kernel_as_large_as_padded_image_gives_one_pixel(image_hw, kernel_hw, padding,
                                                                 dilation):
    rng = rng_for("large-kernel", image_hw, kernel_hw, padding, dilation)
    images = rng.normal(size=(3,) + image_hw)
    kernel = rng.normal(size=kernel_hw)
    got = conv2d(images, kernel, padding=padding, dilation=dilation, stride=(2, 3))
    assert got.shape == (3, 1, 1)
    assert_close(got, reference_conv2d(images, kernel, padding, (2, 3), dilation))


# --------------------------------------------------------------------------------------------
# conv2d: non-finite images
# --------------------------------------------------------------------------------------------

def test_conv2d_nan_image_raises_naming_images():
    images = np.ones((3, 6, 6))
    images[1, 3, 3] = np.nan
    with pytest.raises(ValueError, match="images"):
        conv2d(images, np.ones((3, 3)))


def test_conv2d_nan_image_raises_even_when_only_zero_taps_read_it():
    images = np.ones((2, 5, 5))
    images[0, 0, 0] = np.nan
    kernel = np.ones((3, 3))
    kernel[0, 0] = 0.0
    with pytest.raises(ValueError, match="images"):
        conv2d(images, kernel)


def test_conv2d_nan_image_raises_with_all_zero_kernel():
    images = np.ones((2, 5, 5))
    images[1, 2, 2] = np.nan
    with pytest.raises(ValueError, match="images"):
        conv2d(images, np.zeros((3, 3)))


def test_huge_finite_images_with_zero_taps_are_not_mistaken_for_nan():
    images = np.full((2, 5, 5), 1e308)  # their sum overflows, every value is finite
    kernel = np.zeros((3, 3))
    kernel[1, 1] = 1.0
    np.testing.assert_array_equal(conv2d(images, kernel), np.full((2, 3, 3), 1e308))


# --------------------------------------------------------------------------------------------
# pool2d
# --------------------------------------------------------------------------------------------

POOL_KERNELS = [(1, 1), (2, 2), (3, 3), (2, 3), (3, 1)]
POOL_STRIDES = [None, (1, 1), (2, 2), (1, 2), (3, 2)]


@pytest.mark.parametrize("ndim", [3, 4])
@pytest.mark.parametrize("stride", POOL_STRIDES, ids=repr)
@pytest.mark.parametrize("kernel_shape", POOL_KERNELS, ids=repr)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_matches_brute_force(mode, kernel_shape, stride, ndim):
    rng = rng_for("pool", mode, kernel_shape, stride, ndim)
    shape = (3, 9, 10) if ndim == 3 else (3, 9, 10, 2)
    images = rng.normal(size=shape)
    got = pool2d(images, kernel_shape, stride=stride, mode=mode)
    assert got.dtype == np.float64
    assert_close(got, reference_pool(images, kernel_shape, stride, mode))


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_uint8_input(mode):
    rng = rng_for("pool-u8", mode)
    images = rng.integers(0, 256, size=(4, 12, 11, 3)).astype(np.uint8)
    images[0] = 255
    got = pool2d(images, (3, 2), stride=(2, 1), mode=mode)
    assert got.dtype == np.float64
    assert_close(got, reference_pool(images, (3, 2), (2, 1), mode))
    np.testing.assert_array_equal(got[0], 255.0)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_default_stride_is_kernel_shape(mode):
    rng = rng_for("pool-default", mode)
    images = rng.normal(size=(2, 10, 9, 3))
    got = pool2d(images, (3, 2), mode=mode)
    assert got.shape == (2, 3, 4, 3)
    assert_close(got, reference_pool(images, (3, 2), (3, 2), mode))


def test_pool2d_default_mode_is_max():
    images = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(pool2d(images, 2), [[[5, 7], [13, 15]]])


def test_pool2d_overlapping_windows_by_hand():
    images = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(pool2d(images, 3, stride=1), [[[10, 11], [14, 15]]])
    np.testing.assert_array_equal(pool2d(images, 3, stride=1, mode="avg"), [[[5, 6], [9, 10]]])


def test_pool2d_max_of_negative_values():
    images = -np.arange(1.0, 17.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(pool2d(images, 2), [[[-1, -3], [-9, -11]]])


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_float32_output(mode):
    rng = rng_for("pool-f32", mode)
    images = rng.normal(size=(2, 8, 8, 2))
    got = pool2d(images, 2, mode=mode, dtype=np.float32)
    assert got.dtype == np.float32
    assert_close(got, reference_pool(images, 2, None, mode), np.float32)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_large_batch_spans_blocks(mode):
    rng = rng_for("pool-big", mode)
    images = rng.integers(0, 256, size=(1001, 32, 32, 3)).astype(np.uint8)
    got = pool2d(images, (2, 2), stride=(2, 2), mode=mode)
    assert_close(got, reference_pool(images, (2, 2), (2, 2), mode))


def test_pool2d_window_as_large_as_image():
    rng = rng_for("pool-whole")
    images = rng.normal(size=(3, 5, 4, 2))
    got = pool2d(images, (5, 4), mode="avg")
    assert got.shape == (3, 1, 1, 2)
    assert_close(got[:, 0, 0], images.mean(axis=(1, 2)))


# --------------------------------------------------------------------------------------------
# Memory layouts: views, reversed and Fortran-ordered arrays, out= slices of a larger array
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel_shape", [(3, 2, 3), (3, 2, 3, 1), (3, 2, 3, 4)], ids=repr)
def test_conv2d_non_contiguous_images(kernel_shape):
    rng = rng_for("layout-images", kernel_shape)
    base = rng.normal(size=(9, 10, 4, 3))
    images = base.transpose(2, 0, 1, 3)[:, ::-1, 1:]       # (4, 9, 9, 3), no longer C-ordered
    assert not images.flags.c_contiguous
    kernels = rng.normal(size=kernel_shape)
    got = conv2d(images, kernels, padding="same", stride=(2, 1))
    assert_close(got, reference_conv2d(images, kernels, "same", (2, 1)))


def test_conv2d_fortran_ordered_uint8_images():
    rng = rng_for("fortran")
    images = np.asfortranarray(rng.integers(0, 256, size=(3, 8, 9)).astype(np.uint8))
    kernel = rng.normal(size=(2, 3))
    assert_close(conv2d(images, kernel), reference_conv2d(images, kernel))


@pytest.mark.parametrize("kernel_shape, out_shape, index", [
    ((3, 3), (5, 6, 6, 3), (..., 1)),
    ((3, 3, 1, 1), (5, 6, 6, 1, 2), (..., 0)),
    ((3, 3, 1, 3), (5, 6, 6, 3, 2), (..., 1)),
    ((3, 3), (10, 6, 6), (slice(None, None, 2),)),
], ids=["single-in-channel-slice", "bank1-slice", "bank3-slice", "every-other-image"])
def test_conv2d_out_may_be_a_strided_view(kernel_shape, out_shape, index):
    rng = rng_for("out-view", kernel_shape)
    images = rng.normal(size=(5, 8, 8))
    kernels = rng.normal(size=kernel_shape)
    big = np.zeros(out_shape)
    view = big[index]
    conv2d(images, kernels, out=view)
    assert_close(big[index], reference_conv2d(images, kernels))
    rest = np.ones(out_shape, dtype=bool)
    rest[index] = False
    np.testing.assert_array_equal(big[rest], 0.0)


def test_pool2d_non_contiguous_images():
    rng = rng_for("pool-view")
    images = rng.normal(size=(10, 9, 4, 2)).transpose(2, 1, 0, 3)[:, ::-1]
    for mode in ("max", "avg"):
        got = pool2d(images, (2, 3), stride=(1, 2), mode=mode)
        assert_close(got, reference_pool(images, (2, 3), (1, 2), mode))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_conv2d_float32_overflow_is_reported_not_returned_as_inf():
    images = np.full((2, 5, 5), 3e38, dtype=np.float32)
    with pytest.raises(ValueError, match="overflow"):
        conv2d(images, np.ones((3, 3)), dtype=np.float32)


def test_conv2d_huge_float64_values_that_fit_are_fine():
    images = np.full((1, 5, 5), 1e300)
    got = conv2d(images, np.ones((3, 3)))
    np.testing.assert_allclose(got, 9e300)


# --------------------------------------------------------------------------------------------
# Hypothesis: random configurations against the brute-force reference
# --------------------------------------------------------------------------------------------

_paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 2),
    st.tuples(st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
              st.tuples(st.integers(0, 2), st.integers(0, 2))),
)


@settings(max_examples=80, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2), dw=st.integers(1, 2),
       channels=st.sampled_from([None, 1, 2]), nc=st.sampled_from([None, 1, 3]),
       padding=_paddings, flip=st.booleans(), seed=st.integers(0, 2**16))
def test_conv2d_random_configurations_match_brute_force(h, w, kh, kw, sh, sw, dh, dw, channels,
                                                        nc, padding, flip, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(-9, 10, size=(2, h, w) + ((channels,) if channels else ()))
    c = channels or 1
    if nc is None:
        kernel_shape = (kh, kw) if channels is None else (kh, kw, c)
    else:
        kernel_shape = (kh, kw, c, nc)
    kernels = rng.integers(-3, 4, size=kernel_shape).astype(np.float64)
    args = dict(padding=padding, stride=(sh, sw), dilation=(dh, dw), flip=flip)
    try:
        expected = reference_conv2d(images, kernels, padding, (sh, sw), (dh, dw), flip)
    except AssertionError:
        with pytest.raises(ValueError, match="kernel"):
            conv2d(images, kernels, **args)
        return
    got = conv2d(images, kernels, **args)
    np.testing.assert_array_equal(got, expected)
