"""The seven assignment functions, called as the assignment's main files call them.

Shapes follow the main files (MNIST-like (m, 28, 28) and animals-like (m, 32, 32, 3) uint8 data),
with a small ``m`` so the tests stay fast; values are checked against the brute-force reference in
``test_core_reference``. A tiny 4x4 example is worked out by hand.
"""

import numpy as np
import pytest

from core import (
    convolve,
    convolve_channels,
    convolve_grayscale,
    convolve_grayscale_padding,
    convolve_grayscale_same,
    convolve_grayscale_valid,
    pool,
)
from test_core_reference import reference_conv2d, reference_pool

#: Kernel of main files 0-3.
EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])

#: Kernel of main file 4, shape (3, 3, 3).
SHARPEN = np.array([[[0, 0, 0], [-1, -1, -1], [0, 0, 0]],
                    [[-1, -1, -1], [5, 5, 5], [-1, -1, -1]],
                    [[0, 0, 0], [-1, -1, -1], [0, 0, 0]]])

#: Kernel bank of main file 5, shape (3, 3, 3, 3).
BANK = np.array([[[[0, 1, 1], [0, 1, 1], [0, 1, 1]],
                  [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
                  [[0, -1, 1], [0, -1, 1], [0, -1, 1]]],
                 [[[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]],
                  [[5, 0, 0], [5, 0, 0], [5, 0, 0]],
                  [[-1, -1, 0], [-1, -1, 0], [-1, -1, 0]]],
                 [[[0, 1, -1], [0, 1, -1], [0, 1, -1]],
                  [[-1, 0, -1], [-1, 0, -1], [-1, 0, -1]],
                  [[0, -1, -1], [0, -1, -1], [0, -1, -1]]]])


@pytest.fixture
def mnist_like():
    rng = np.random.default_rng(2024)
    return rng.random(size=(11, 28, 28))


@pytest.fixture
def animals_like():
    rng = np.random.default_rng(2025)
    return rng.integers(0, 256, size=(9, 32, 32, 3)).astype(np.uint8)


def check(got, expected, shape):
    assert got.shape == shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


def test_seed_kernels_have_the_assignment_shapes():
    assert EDGE.shape == (3, 3)
    assert SHARPEN.shape == (3, 3, 3)
    assert BANK.shape == (3, 3, 3, 3)


# --------------------------------------------------------------------------------------------
# The seven main files
# --------------------------------------------------------------------------------------------

def test_main_0_convolve_grayscale_valid(mnist_like):
    got = convolve_grayscale_valid(mnist_like, EDGE)
    check(got, reference_conv2d(mnist_like, EDGE, "valid"), (11, 26, 26))


def test_main_1_convolve_grayscale_same(mnist_like):
    got = convolve_grayscale_same(mnist_like, EDGE)
    check(got, reference_conv2d(mnist_like, EDGE, "same"), (11, 28, 28))


def test_main_2_convolve_grayscale_padding(mnist_like):
    got = convolve_grayscale_padding(mnist_like, EDGE, (2, 4))
    check(got, reference_conv2d(mnist_like, EDGE, (2, 4)), (11, 30, 34))


def test_main_3_convolve_grayscale_strided_valid(mnist_like):
    got = convolve_grayscale(mnist_like, EDGE, padding="valid", stride=(2, 2))
    check(got, reference_conv2d(mnist_like, EDGE, "valid", (2, 2)), (11, 13, 13))


def test_main_4_convolve_channels_uint8(animals_like):
    got = convolve_channels(animals_like, SHARPEN, padding="valid")
    check(got, reference_conv2d(animals_like, SHARPEN, "valid"), (9, 30, 30))
    assert got.min() < 0  # negative weights on uint8 data: no wraparound


def test_main_5_convolve_bank_uint8(animals_like):
    got = convolve(animals_like, BANK, padding="valid")
    check(got, reference_conv2d(animals_like, BANK, "valid"), (9, 30, 30, 3))


def test_main_6_pool_avg(animals_like):
    got = pool(animals_like, (2, 2), (2, 2), mode="avg")
    check(got, reference_pool(animals_like, (2, 2), (2, 2), "avg"), (9, 16, 16, 3))


# --------------------------------------------------------------------------------------------
# Defaults and other options of the seven functions
# --------------------------------------------------------------------------------------------

def test_convolve_grayscale_default_is_same_stride_one(mnist_like):
    got = convolve_grayscale(mnist_like, EDGE)
    check(got, reference_conv2d(mnist_like, EDGE, "same"), (11, 28, 28))


@pytest.mark.parametrize("padding, stride, shape",
                         [("same", (2, 2), (11, 14, 14)), ((1, 2), (3, 2), (11, 10, 15)),
                          ("valid", (1, 3), (11, 26, 9))], ids=repr)
def test_convolve_grayscale_padding_and_stride(mnist_like, padding, stride, shape):
    got = convolve_grayscale(mnist_like, EDGE, padding=padding, stride=stride)
    check(got, reference_conv2d(mnist_like, EDGE, padding, stride), shape)


def test_convolve_grayscale_same_even_kernel_keeps_size(mnist_like):
    kernel = np.array([[1.0, -2.0], [0.5, 3.0]])
    got = convolve_grayscale_same(mnist_like, kernel)
    check(got, reference_conv2d(mnist_like, kernel, "same"), (11, 28, 28))


def test_convolve_grayscale_uint8_images(mnist_like):
    images = (mnist_like * 255).astype(np.uint8)
    got = convolve_grayscale_valid(images, EDGE)
    check(got, reference_conv2d(images, EDGE), (11, 26, 26))


@pytest.mark.parametrize("padding, stride, shape",
                         [("same", (1, 1), (9, 32, 32)), ((1, 1), (2, 2), (9, 16, 16))], ids=repr)
def test_convolve_channels_padding_and_stride(animals_like, padding, stride, shape):
    got = convolve_channels(animals_like, SHARPEN, padding=padding, stride=stride)
    check(got, reference_conv2d(animals_like, SHARPEN, padding, stride), shape)


@pytest.mark.parametrize("padding, stride, shape",
                         [("same", (1, 1), (9, 32, 32, 3)), ((2, 0), (3, 2), (9, 12, 15, 3))],
                         ids=repr)
def test_convolve_padding_and_stride(animals_like, padding, stride, shape):
    got = convolve(animals_like, BANK, padding=padding, stride=stride)
    check(got, reference_conv2d(animals_like, BANK, padding, stride), shape)


def test_convolve_bank_of_one_kernel_keeps_last_axis(animals_like):
    got = convolve(animals_like, BANK[..., :1], padding="valid")
    check(got, reference_conv2d(animals_like, BANK[..., :1]), (9, 30, 30, 1))


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("kernel_shape, stride, shape",
                         [((2, 2), (2, 2), (9, 16, 16, 3)), ((3, 3), (1, 1), (9, 30, 30, 3)),
                          ((3, 2), (2, 3), (9, 15, 11, 3))], ids=repr)
def test_pool_modes_shapes_and_strides(animals_like, mode, kernel_shape, stride, shape):
    got = pool(animals_like, kernel_shape, stride, mode=mode)
    check(got, reference_pool(animals_like, kernel_shape, stride, mode), shape)


def test_pool_default_mode_is_max(animals_like):
    got = pool(animals_like, (2, 2), (2, 2))
    check(got, reference_pool(animals_like, (2, 2), (2, 2), "max"), (9, 16, 16, 3))


# --------------------------------------------------------------------------------------------
# A tiny example worked out by hand
# --------------------------------------------------------------------------------------------

IMAGE = np.arange(16).reshape(1, 4, 4)  # rows 0..3, columns 0..3: value 4*r + c
KERNEL = np.array([[1, 2], [3, 4]])     # out[r, c] = x[r,c] + 2x[r,c+1] + 3x[r+1,c] + 4x[r+1,c+1]


def test_hand_example_valid():
    np.testing.assert_array_equal(convolve_grayscale_valid(IMAGE, KERNEL),
                                  [[[34, 44, 54], [74, 84, 94], [114, 124, 134]]])


def test_hand_example_same_puts_extra_padding_bottom_right():
    np.testing.assert_array_equal(convolve_grayscale_same(IMAGE, KERNEL),
                                  [[[34, 44, 54, 24], [74, 84, 94, 40],
                                    [114, 124, 134, 56], [38, 41, 44, 15]]])


def test_hand_example_padding_one():
    expected = [[[0, 4, 11, 18, 9],
                 [16, 34, 44, 54, 24],
                 [40, 74, 84, 94, 40],
                 [64, 114, 124, 134, 56],
                 [24, 38, 41, 44, 15]]]
    np.testing.assert_array_equal(convolve_grayscale_padding(IMAGE, KERNEL, (1, 1)), expected)


def test_hand_example_stride_two():
    np.testing.assert_array_equal(convolve_grayscale(IMAGE, KERNEL, "valid", (2, 2)),
                                  [[[34, 54], [114, 134]]])


def test_hand_example_box_sum_same():
    image = np.arange(9).reshape(1, 3, 3)
    np.testing.assert_array_equal(convolve_grayscale_same(image, np.ones((3, 3))),
                                  [[[8, 15, 12], [21, 36, 27], [20, 33, 24]]])


def test_hand_example_channels_and_bank():
    image = np.stack([IMAGE[0], 10 * IMAGE[0]], axis=-1)[None]   # channel 1 = 10 x channel 0
    kernel = np.stack([KERNEL, -KERNEL], axis=-1)                # (2, 2, 2)
    expected = -9 * np.array([[[34, 44, 54], [74, 84, 94], [114, 124, 134]]])
    np.testing.assert_array_equal(convolve_channels(image, kernel, "valid"), expected)
    bank = np.stack([kernel, np.ones((2, 2, 2))], axis=-1)       # (2, 2, 2, 2)
    box = 11 * np.array([[[10, 14, 18], [26, 30, 34], [42, 46, 50]]])
    got = convolve(image, bank, "valid")
    np.testing.assert_array_equal(got[..., 0], expected)
    np.testing.assert_array_equal(got[..., 1], box)


def test_hand_example_pool():
    images = IMAGE[..., None]
    np.testing.assert_array_equal(pool(images, (2, 2), (2, 2), "max")[..., 0],
                                  [[[5, 7], [13, 15]]])
    np.testing.assert_array_equal(pool(images, (2, 2), (2, 2), "avg")[..., 0],
                                  [[[2.5, 4.5], [10.5, 12.5]]])
    np.testing.assert_array_equal(pool(images, (3, 3), (1, 1), "max")[..., 0],
                                  [[[10, 11], [14, 15]]])


@pytest.mark.parametrize("function, args", [
    (convolve_grayscale_valid, (IMAGE, KERNEL)),
    (convolve_grayscale_same, (IMAGE, KERNEL)),
    (convolve_grayscale_padding, (IMAGE, KERNEL, (1, 1))),
    (convolve_grayscale, (IMAGE, KERNEL)),
    (convolve_channels, (IMAGE[..., None], KERNEL[..., None])),
    (convolve, (IMAGE[..., None], KERNEL[..., None, None])),
    (pool, (IMAGE[..., None], (2, 2), (2, 2))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_every_seed_function_returns_float64_for_integer_input(function, args):
    assert function(*args).dtype == np.float64
