"""Independent reference implementations for the core tests, and tests of those references.

The references here are written from the documented formulas only (TensorFlow 'same' padding,
``floor((h + pad - d*(k-1) - 1) / s) + 1`` output size, cross-correlation unless flipped) and
never call :mod:`core`. They are deliberately slow and obvious: explicit Python loops over output
pixels and kernel taps, padding done with ``np.pad``. The tests at the bottom of this module check
the references themselves against SciPy and against arrays written out by hand, so that the
engine tests compare the core against something already trusted.
"""

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal


# --------------------------------------------------------------------------------------------
# Padding and sizes, from the formulas
# --------------------------------------------------------------------------------------------

def pair(value):
    """``n`` -> ``(n, n)``; a pair stays a pair of Python ints."""
    if np.ndim(value) == 0:
        return int(value), int(value)
    first, second = value
    return int(first), int(second)


def ref_same_pads(size, k, s, d):
    """TensorFlow SAME along one axis: ``(before, after)``, the odd pixel after."""
    extent = d * (k - 1) + 1
    out = -(-size // s)
    total = max((out - 1) * s + extent - size, 0)
    return total // 2, total - total // 2


def ref_pads(padding, image_hw, kernel_hw, stride=1, dilation=1):
    """Any padding spec as ``((top, bottom), (left, right))``."""
    (h, w), (kh, kw) = image_hw, kernel_hw
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "full":
            return (dh * (kh - 1),) * 2, (dw * (kw - 1),) * 2
        if padding == "same":
            return ref_same_pads(h, kh, sh, dh), ref_same_pads(w, kw, sw, dw)
        raise AssertionError(f"reference does not know padding {padding!r}")
    if np.ndim(padding) == 0:
        p = int(padding)
        return (p, p), (p, p)
    first, second = padding
    if np.ndim(first) == 0:
        return (int(first), int(first)), (int(second), int(second))
    return (int(first[0]), int(first[1])), (int(second[0]), int(second[1]))


def ref_out_size(size, k, pad_total, s, d):
    """``floor((size + pad - d*(k-1) - 1) / s) + 1``."""
    return (size + pad_total - d * (k - 1) - 1) // s + 1


def dilate_kernel(kernel, dilation):
    """Insert ``d - 1`` zeros between taps along the first two axes."""
    dh, dw = pair(dilation)
    kh, kw = kernel.shape[:2]
    big = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1) + kernel.shape[2:], dtype=np.float64)
    big[::dh, ::dw] = kernel
    return big


# --------------------------------------------------------------------------------------------
# Brute-force convolution and pooling
# --------------------------------------------------------------------------------------------

def reference_conv2d(images, kernels, padding="valid", stride=1, dilation=1, flip=False):
    """Loop over every output pixel and every kernel tap; float64 throughout.

    ``images`` (m, h, w) or (m, h, w, c); ``kernels`` (kh, kw), (kh, kw, c) or (kh, kw, c, nc).
    Returns (m, oh, ow) for a 2-D/3-D kernel, (m, oh, ow, nc) for a 4-D bank.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 3:
        x = x[..., None]
    k = np.asarray(kernels, dtype=np.float64)
    squeeze = k.ndim < 4
    if k.ndim == 2:
        k = k[:, :, None, None]
    elif k.ndim == 3:
        k = k[:, :, :, None]
    if flip:
        k = np.rot90(k, 2, axes=(0, 1))
    m, h, w, _ = x.shape
    kh, kw, _, nc = k.shape
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    (t, b), (l, r) = ref_pads(padding, (h, w), (kh, kw), stride, dilation)
    padded = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh = ref_out_size(h, kh, t + b, sh, dh)
    ow = ref_out_size(w, kw, l + r, sw, dw)
    assert oh >= 1 and ow >= 1, "reference called with a kernel larger than the padded image"
    out = np.zeros((m, oh, ow, nc))
    for row in range(oh):
        for col in range(ow):
            for i in range(kh):
                for j in range(kw):
                    pixel = padded[:, row * sh + i * dh, col * sw + j * dw, :]  # (m, c)
                    out[:, row, col, :] += pixel @ k[i, j]  # (c,) @ (c, nc)
    return out[..., 0] if squeeze else out


def reference_pool(images, kernel_shape, stride=None, mode="max"):
    """Loop over every output pixel; reduce its window with max or mean, channel by channel."""
    x = np.asarray(images, dtype=np.float64)
    kh, kw = pair(kernel_shape)
    sh, sw = pair(kernel_shape if stride is None else stride)
    m, h, w = x.shape[:3]
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((m, oh, ow) + x.shape[3:])
    for row in range(oh):
        for col in range(ow):
            window = x[:, row * sh:row * sh + kh, col * sw:col * sw + kw]
            reduce = np.max if mode == "max" else np.mean
            out[:, row, col] = reduce(window, axis=(1, 2))
    return out


def scipy_conv2d(images, kernels, padding="valid", stride=1, dilation=1, flip=False):
    """Same contract as :func:`reference_conv2d`, computed with ``scipy.signal``.

    The input is padded explicitly with ``np.pad`` and correlated in ``mode='valid'`` (SciPy's own
    'same' centres even kernels differently from TensorFlow); stride is a subsampling of the
    stride-1 result, dilation a kernel with zeros inserted. ``flip=True`` uses
    ``scipy.signal.convolve`` instead of ``correlate``.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 3:
        x = x[..., None]
    k = np.asarray(kernels, dtype=np.float64)
    squeeze = k.ndim < 4
    if k.ndim == 2:
        k = k[:, :, None, None]
    elif k.ndim == 3:
        k = k[:, :, :, None]
    (sh, sw) = pair(stride)
    (t, b), (l, r) = ref_pads(padding, x.shape[1:3], k.shape[:2], stride, dilation)
    padded = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    big = dilate_kernel(k, dilation)
    op = scipy.signal.convolve if flip else scipy.signal.correlate
    maps = []
    for n in range(k.shape[3]):
        kernel = big[..., n]
        if flip:
            # true convolution sums over channels without reversing the channel axis
            kernel = kernel[:, :, ::-1]
        full = op(padded, kernel[None], mode="valid", method="direct")[..., 0]
        maps.append(full[:, ::sh, ::sw])
    out = np.stack(maps, axis=-1)
    return out[..., 0] if squeeze else out


# --------------------------------------------------------------------------------------------
# Tests of the references themselves
# --------------------------------------------------------------------------------------------

IMAGE_4x4 = np.arange(16.0).reshape(1, 4, 4)
KERNEL_2x2 = np.array([[1.0, 2.0], [3.0, 4.0]])


def test_reference_valid_by_hand():
    expected = [[[34, 44, 54], [74, 84, 94], [114, 124, 134]]]
    np.testing.assert_array_equal(reference_conv2d(IMAGE_4x4, KERNEL_2x2), expected)


def test_reference_flip_by_hand():
    expected = [[[16, 26, 36], [56, 66, 76], [96, 106, 116]]]
    np.testing.assert_array_equal(reference_conv2d(IMAGE_4x4, KERNEL_2x2, flip=True), expected)


def test_reference_same_even_kernel_pads_bottom_right_by_hand():
    expected = [[[34, 44, 54, 24], [74, 84, 94, 40], [114, 124, 134, 56], [38, 41, 44, 15]]]
    np.testing.assert_array_equal(reference_conv2d(IMAGE_4x4, KERNEL_2x2, "same"), expected)


def test_reference_pool_by_hand():
    np.testing.assert_array_equal(reference_pool(IMAGE_4x4, 2), [[[5, 7], [13, 15]]])
    np.testing.assert_array_equal(reference_pool(IMAGE_4x4, 2, mode="avg"),
                                  [[[2.5, 4.5], [10.5, 12.5]]])


@pytest.mark.parametrize(
    "size, k, s, d, expected",
    [(28, 3, 1, 1, (1, 1)), (5, 2, 1, 1, (0, 1)), (4, 4, 1, 1, (1, 2)), (7, 3, 2, 1, (1, 1)),
     (8, 3, 2, 1, (0, 1)), (10, 3, 3, 1, (1, 1)), (9, 3, 1, 2, (2, 2)), (3, 1, 5, 1, (0, 0))],
)
def test_reference_same_pads_match_hand_values(size, k, s, d, expected):
    assert ref_same_pads(size, k, s, d) == expected


def test_reference_agrees_with_scipy_ndimage_on_odd_kernel_same():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(1, 9, 8))
    kernel = rng.normal(size=(3, 5))
    expected = scipy.ndimage.correlate(image[0], kernel, mode="constant", cval=0.0,
                                       output=np.float64)
    np.testing.assert_allclose(reference_conv2d(image, kernel, "same")[0], expected,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize("kernel_shape", [(2, 3, 2, 3), (3, 3, 2), (4, 1)])
@pytest.mark.parametrize("padding, stride, dilation",
                         [("valid", 1, 1), ("same", (2, 1), 2), ("full", (1, 3), 1),
                          (((2, 0), (1, 3)), (3, 2), (2, 1))])
def test_reference_agrees_with_scipy_signal(flip, kernel_shape, padding, stride, dilation):
    rng = np.random.default_rng(1)
    channels = kernel_shape[2] if len(kernel_shape) > 2 else None
    shape = (2, 9, 10) if channels is None else (2, 9, 10, channels)
    images = rng.integers(0, 256, size=shape).astype(np.uint8)
    kernels = rng.normal(size=kernel_shape)
    got = reference_conv2d(images, kernels, padding, stride, dilation, flip)
    expected = scipy_conv2d(images, kernels, padding, stride, dilation, flip)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-9)
