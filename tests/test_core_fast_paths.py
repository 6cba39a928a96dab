"""The engine's faster paths, each forced on, against brute-force loops.

FFT (float32, large kernels), separable (rank-1) kernels as two passes, banded im2col for strided
banks, pooling in two stages with a float64 accumulator, and OpenBLAS held to one thread. Every
path must agree with the per-pixel loops of ``test_core_arithmetic.brute_conv`` (numpy.pad for the
border, one multiply per tap), keep padding modes, report NaN, and follow the dtype rules.
"""

import tracemalloc

import numpy as np
import pytest

from core import _blas, engine, spectral
from core.engine import conv2d, pool2d
from test_core_arithmetic import brute_conv
from test_core_reference import reference_pool


def rng_for(*key):
    seed = sum((i + 1) * ord(ch) for i, ch in enumerate(repr(key))) % (2**32)
    return np.random.default_rng(seed)


def assert_close32(got, expected):
    assert got.dtype == np.float32 and got.shape == expected.shape
    scale = max(float(np.abs(expected).max()), 1.0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-5 * scale)


@pytest.fixture
def spy(monkeypatch):
    """Counts the calls of the engine's path functions (still running them)."""
    calls = {}

    def wrap(name):
        original = getattr(engine, name)

        def counted(*args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)
        monkeypatch.setattr(engine, name, counted)

    for name in ("fft_correlate", "_separable_flat", "_tap_loop_flat", "_tap_loop_strided",
                 "_im2col"):
        wrap(name)
    return calls


@pytest.fixture
def force_fft(monkeypatch):
    monkeypatch.setattr(engine, "fft_cost", lambda *args: 0.0)


# --------------------------------------------------------------------------------------------
# FFT
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel_shape", [(5, 4, 3, 4), (3, 3, 3), (1, 7), (7, 1, 2, 2)])
@pytest.mark.parametrize("stride,dilation", [((1, 1), (1, 1)), ((2, 3), (1, 1)),
                                             ((1, 1), (2, 3)), ((3, 2), (2, 1))])
@pytest.mark.parametrize("mode", ["zeros", "reflect", "circular"])
def test_fft_path_matches_brute_force(force_fft, spy, kernel_shape, stride, dilation, mode):
    rng = rng_for("fft", kernel_shape, stride, dilation, mode)
    c = kernel_shape[2] if len(kernel_shape) > 2 else None
    images = rng.integers(0, 256, (3, 19, 23) + ((c,) if c else ()), dtype=np.uint8)
    kernels = rng.standard_normal(kernel_shape)
    got = conv2d(images, kernels, padding="same", stride=stride, dilation=dilation,
                 padding_mode=mode, dtype=np.float32)
    assert spy.get("fft_correlate", 0) >= 1
    assert_close32(got, brute_conv(images, kernels, "same", stride, dilation, mode))


def test_fft_photo_in_many_row_bands_matches_brute_force(force_fft, spy, monkeypatch):
    monkeypatch.setattr(spectral, "_SPECTRA_BYTES", 40_000)  # a few output rows per band
    rng = rng_for("fft bands")
    photo = rng.integers(0, 256, (1, 61, 47, 3), dtype=np.uint8)
    kernels = rng.standard_normal((6, 5, 3, 2))
    got = conv2d(photo, kernels, padding="full", stride=(2, 1), dtype=np.float32)
    assert_close32(got, brute_conv(photo, kernels, "full", (2, 1), 1, "zeros"))


def test_fft_flip_and_bias(force_fft, spy):
    rng = rng_for("fft flip")
    images = rng.standard_normal((2, 12, 13, 2)).astype(np.float32)
    kernels = rng.standard_normal((4, 3, 2, 3))
    got = conv2d(images, kernels, flip=True, bias=[1.0, -2.0, 0.5], dtype=np.float32)
    expected = brute_conv(images, kernels[::-1, ::-1], "valid", 1, 1, "zeros")
    assert_close32(got, expected + np.array([1.0, -2.0, 0.5]))
    assert spy["fft_correlate"] == 1


def test_fft_nan_image_raises_naming_the_image(force_fft):
    images = np.zeros((3, 20, 20), dtype=np.float32)
    images[2, 0, 0] = np.nan
    with pytest.raises(ValueError, match="images.*image 2"):
        conv2d(images, np.ones((5, 5, 1, 2)), dtype=np.float32)


def test_cost_model_picks_fft_for_a_large_float32_kernel_never_for_float64(spy):
    rng = rng_for("choice")
    photo = rng.integers(0, 256, (1, 96, 96, 3), dtype=np.uint8)
    kernels = rng.standard_normal((15, 15, 3, 8))
    got32 = conv2d(photo, kernels, padding="same", dtype=np.float32)
    assert spy.get("fft_correlate", 0) >= 1
    got64 = conv2d(photo, kernels, padding="same")
    assert spy.get("_im2col", 0) >= 1  # float64 took the exact direct path
    expected = brute_conv(photo[:, :20], kernels, "same", 1, 1, "zeros")[:, :13]
    np.testing.assert_allclose(got64[:, :13], expected, rtol=1e-12, atol=1e-9)
    assert_close32(got32[:, :13], expected)


def test_cost_model_keeps_small_kernels_direct(spy):
    photo = np.ones((1, 64, 64, 3), dtype=np.uint8)
    conv2d(photo, np.ones((3, 3, 3, 4)), dtype=np.float32)
    assert "fft_correlate" not in spy and spy["_im2col"] == 1


def test_smooth_length_has_only_small_prime_factors():
    for n in range(1, 400):
        m = spectral.smooth_length(n)
        assert m >= n
        rest = m
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        assert rest == 1
        assert all(not _smooth(k) for k in range(n, m))
    with pytest.raises(ValueError, match="n must be"):
        spectral.smooth_length(0)


def _smooth(k):
    for p in (2, 3, 5):
        while k % p == 0:
            k //= p
    return k == 1


# --------------------------------------------------------------------------------------------
# Separable (rank-1) kernels
# --------------------------------------------------------------------------------------------

SOBEL_5 = np.outer([1, 4, 6, 4, 1], [1, 2, 0, -2, -1]).astype(float)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate"])
@pytest.mark.parametrize("padding,dilation", [("valid", 1), ("same", 1), ("full", (2, 1))])
def test_separable_integer_kernel_is_exact_in_float64(spy, mode, padding, dilation):
    rng = rng_for("sep", mode, padding, dilation)
    images = rng.integers(0, 256, (4, 17, 21), dtype=np.uint8)
    got = conv2d(images, SOBEL_5, padding=padding, dilation=dilation, padding_mode=mode)
    assert spy.get("_separable_flat") == 1 and "_tap_loop_flat" not in spy
    np.testing.assert_array_equal(got, brute_conv(images, SOBEL_5, padding, 1, dilation, mode))


def test_separable_multichannel_with_a_zero_channel_and_float_factors(spy):
    rng = rng_for("sep channels")
    images = rng.standard_normal((2, 15, 16, 3))
    g = np.exp(-np.linspace(-2, 2, 7) ** 2)
    kernel = np.stack([np.outer(g, g), np.zeros((7, 7)), np.outer(g, [1, -1, 0, 2, 0, 1, 1])],
                      axis=-1)
    got = conv2d(images, kernel, padding="same")
    assert spy.get("_separable_flat") == 1
    np.testing.assert_allclose(got, brute_conv(images, kernel, "same", 1, 1, "zeros"),
                               rtol=1e-12, atol=1e-12 * np.abs(got).max())


def test_separable_single_photo_in_row_bands(spy, monkeypatch):
    monkeypatch.setattr(engine, "_TAP_BLOCK_BYTES", 2_000)
    rng = rng_for("sep photo")
    photo = rng.integers(0, 256, (1, 40, 33), dtype=np.uint8)
    got = conv2d(photo, SOBEL_5, padding="same", dtype=np.float32)
    assert spy.get("_separable_flat") == 1
    np.testing.assert_array_equal(got, brute_conv(photo, SOBEL_5, "same", 1, 1, "zeros"))


def test_separable_factors_rules():
    assert engine._separable_factors(SOBEL_5[:, :, None], np.float64) is not None
    # Not rank 1, too small to pay off, or inexact factors of an integer kernel in float64.
    assert engine._separable_factors(np.eye(5)[:, :, None], np.float64) is None
    assert engine._separable_factors(np.ones((3, 3, 1)), np.float64) is None
    # Pivot 6 at (1, 0): dividing its row [6, 4, 6, 6] by 6 would give 2/3; by the row's
    # common factor 2 it gives integers, so integer images keep exact integer results.
    kernel = np.outer([1, 2, 1, 1], [3, 2, 3, 3]).astype(float)
    [(_, col, row)] = engine._separable_factors(kernel[:, :, None], np.float64)
    np.testing.assert_array_equal(np.outer(col, row), kernel)
    assert np.array_equal(col, np.round(col)) and np.array_equal(row, np.round(row))


def test_separable_nan_image_raises(spy):
    images = np.ones((2, 12, 12))
    images[1, 5, 5] = np.nan
    with pytest.raises(ValueError, match="image 1"):
        conv2d(images, SOBEL_5)
    assert spy.get("_separable_flat") == 1


# --------------------------------------------------------------------------------------------
# A large kernel on small images: strided views instead of mostly wasted flat positions
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["zeros", "reflect"])
def test_large_kernel_on_digits_uses_strided_views_and_matches(spy, mode):
    rng = rng_for("wasteful", mode)
    digits = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    kernel = rng.integers(-3, 4, (15, 14)).astype(float)
    got = conv2d(digits, kernel, padding=(1, 0), padding_mode=mode)
    assert spy.get("_tap_loop_strided") == 1 and "_tap_loop_flat" not in spy
    np.testing.assert_array_equal(got, brute_conv(digits, kernel, (1, 0), 1, 1, mode))
    conv2d(digits, kernel[:3, :3])  # a small kernel keeps the flat loop
    assert spy.get("_tap_loop_flat") == 1


# --------------------------------------------------------------------------------------------
# Banks: strided, banded, one gathering copy
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stride", [(2, 2), (3, 1), (1, 4)])
@pytest.mark.parametrize("mode", ["zeros", "symmetric"])
def test_strided_bank_of_a_photo_in_row_bands(monkeypatch, stride, mode):
    monkeypatch.setattr(engine, "_IM2COL_BLOCK_BYTES", 20_000)
    rng = rng_for("banded", stride, mode)
    photo = rng.integers(0, 256, (1, 37, 29, 3), dtype=np.uint8)
    kernels = rng.integers(-3, 4, (3, 4, 3, 5)).astype(float)
    got = conv2d(photo, kernels, padding="same", stride=stride, dilation=(1, 2),
                 padding_mode=mode)
    np.testing.assert_array_equal(got, brute_conv(photo, kernels, "same", stride, (1, 2), mode))


def test_strided_bank_memory_stays_near_the_output(monkeypatch):
    # One thread: each extra worker thread adds its own band buffers (about 4 MB).
    monkeypatch.setattr(engine, "_PARALLEL_WORK", float("inf"))
    rng = rng_for("memory")
    photo = rng.integers(0, 256, (1, 512, 512, 3), dtype=np.uint8)
    kernels = rng.standard_normal((5, 5, 3, 8))
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = conv2d(photo, kernels, padding="same", stride=2, dtype=np.float32)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    whole_im2col = 5 * 5 * 3 * out.shape[1] * out.shape[2] * 4
    assert peak < 0.6 * whole_im2col, (peak, whole_im2col)


def test_bank_gather_reads_every_tap_so_nan_is_reported():
    images = np.ones((3, 9, 9, 2))
    images[0, 8, 8, 1] = np.nan  # read only by the last tap of the last output pixel
    with pytest.raises(ValueError, match="image 0"):
        conv2d(images, np.ones((3, 3, 2, 3)))


# --------------------------------------------------------------------------------------------
# Single photos: cast and padded band by band
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel_shape", [(3, 4, 3), (5, 5, 3, 4), "separable"])
@pytest.mark.parametrize("padding", ["same", "full", ((3, 0), (0, 2))])
def test_photo_bands_read_only_their_rows_and_match(monkeypatch, spy, kernel_shape, padding):
    monkeypatch.setattr(engine, "_TAP_BLOCK_BYTES", 3_000)
    monkeypatch.setattr(engine, "_IM2COL_BLOCK_BYTES", 30_000)
    made = []
    original = engine._Source.__init__

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)
    monkeypatch.setattr(engine._Source, "__init__", record)
    rng = rng_for("photo bands", kernel_shape, padding)
    photo = rng.integers(0, 256, (1, 45, 31, 3), dtype=np.uint8)
    if kernel_shape == "separable":
        kernel = np.stack([SOBEL_5, 2 * SOBEL_5, -SOBEL_5], axis=-1)
    else:
        kernel = rng.integers(-3, 4, kernel_shape).astype(float)
    got = conv2d(photo, kernel, padding=padding, dilation=(2, 1))
    assert made[0].banded and made[0].buf.shape[2] < made[0].hw[0] // 2
    np.testing.assert_array_equal(got, brute_conv(photo, kernel, padding, 1, (2, 1), "zeros"))


def test_photo_memory_stays_near_the_output(monkeypatch):
    monkeypatch.setattr(engine, "_PARALLEL_WORK", float("inf"))
    rng = rng_for("photo memory")
    photo = rng.integers(0, 256, (1, 1024, 1024, 3), dtype=np.uint8)
    kernel = rng.standard_normal((3, 3, 3))
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = conv2d(photo, kernel, padding="same", dtype=np.float32)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # A float32 copy of the whole padded photo alone would be 3x the output.
    assert peak < 2 * out.nbytes, (peak, out.nbytes)


# --------------------------------------------------------------------------------------------
# Several threads: halves of a batch or of a photo's rows
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,kernel_shape,padding", [
    ((1, 61, 40, 3), (5, 3, 3, 4), "same"),        # one photo: split by output rows
    ((1, 61, 40), (4, 4), ((5, 2), (1, 0))),       # rows, asymmetric padding, stride below
    ((7, 20, 21, 2), (3, 3, 2, 3), "full"),        # a batch: split by images
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parallel_parts_give_the_single_thread_result(monkeypatch, spy, shape, kernel_shape,
                                                      padding, dtype):
    monkeypatch.setattr(engine, "_PARALLEL_WORK", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    rng = rng_for("parts", shape, kernel_shape, padding, dtype)
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    kernels = rng.integers(-3, 4, kernel_shape).astype(float)
    stride = (2, 1) if len(shape) == 3 else 1
    got = conv2d(images, kernels, padding=padding, stride=stride, dilation=(2, 1), dtype=dtype)
    assert sum(spy.values()) >= 3  # three parts, each through a path
    expected = brute_conv(images, kernels, padding, stride, (2, 1), "zeros")
    if dtype == np.float64:
        np.testing.assert_array_equal(got, expected)
    else:
        assert_close32(got, expected)


def test_parallel_nan_is_reported_with_its_index_in_the_whole_batch(monkeypatch):
    monkeypatch.setattr(engine, "_PARALLEL_WORK", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    images = np.ones((6, 10, 10))
    images[4, 3, 3] = np.nan
    with pytest.raises(ValueError, match="image 4"):
        conv2d(images, np.ones((3, 3, 1, 2)))


def test_reflect_padding_of_a_photo_is_not_split_by_rows(monkeypatch, spy):
    monkeypatch.setattr(engine, "_PARALLEL_WORK", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    rng = rng_for("reflect parts")
    photo = rng.integers(0, 256, (1, 30, 30), dtype=np.uint8)
    kernel = rng.integers(-3, 4, (3, 3)).astype(float)
    got = conv2d(photo, kernel, padding="same", padding_mode="reflect")
    assert spy == {"_tap_loop_flat": 1}
    np.testing.assert_array_equal(got, brute_conv(photo, kernel, "same", 1, 1, "reflect"))


# --------------------------------------------------------------------------------------------
# Pooling and BLAS threads
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
@pytest.mark.parametrize("window,stride", [((3, 3), (2, 2)), ((7, 7), (7, 7)), ((2, 5), (1, 3))])
def test_average_pooling_of_floats_and_ints(dtype, window, stride):
    rng = rng_for("avg", dtype, window, stride)
    images = (rng.standard_normal((3, 22, 23, 2)) * 1000).astype(dtype)
    expected = reference_pool(images, window, stride, "avg")
    got = pool2d(images, window, stride=stride, mode="avg")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


def test_average_pooling_of_large_uint8_windows_uses_an_exact_accumulator():
    images = np.full((1, 20, 20), 255, dtype=np.uint8)
    got = pool2d(images, (17, 17), stride=1, mode="avg")  # 289 taps: uint16 would overflow
    np.testing.assert_array_equal(got, 255.0)


def test_single_blas_thread_restores_the_thread_count():
    get, set_ = _blas._find()
    if get is None:
        pytest.skip("no OpenBLAS entry points found in this NumPy")
    before = get()
    set_(2)
    try:
        with _blas.single_blas_thread():
            assert get() == 1
            with _blas.single_blas_thread():
                assert get() == 1
            assert get() == 1
        assert get() == 2
    finally:
        set_(before)


# --------------------------------------------------------------------------------------------
# Superseded work stops between blocks
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("kernel_shape", [(3, 3, 3), (3, 3, 3, 4), (11, 11, 3, 4)])
def test_interruptible_stops_between_blocks(monkeypatch, parallel, kernel_shape):
    monkeypatch.setattr(engine, "_PARALLEL_WORK", 0 if parallel else float("inf"))
    monkeypatch.setattr(engine, "_TAP_BLOCK_BYTES", 20_000)
    monkeypatch.setattr(engine, "_IM2COL_BLOCK_BYTES", 100_000)
    images = np.ones((40, 30, 30, 3), dtype=np.float32)
    kernels = np.ones(kernel_shape)
    asked = []

    def stop_after_three():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(engine.Interrupted):
        with engine.interruptible(stop_after_three):
            conv2d(images, kernels, dtype=np.float32)
    with engine.interruptible(lambda: False):  # never stopping changes nothing
        got = conv2d(images, kernels, padding="same", dtype=np.float32)
    assert_close32(got, brute_conv(images[:2], kernels, "same", 1, 1, "zeros").repeat(20, 0))
    with pytest.raises(engine.Interrupted), engine.interruptible(lambda: True):
        pool2d(images, 2)
