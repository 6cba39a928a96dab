"""1-D convolution: the lesson's worked examples, NumPy's results, the step data, bad input."""

import numpy as np
import pytest

from core.conv1d import MODES, convolve1d, convolve1d_steps, padding1d


def brute_force(signal, kernel, left, right):
    """y[i] = sum_j kernel[j] * padded[i + k - 1 - j], straight from the definition."""
    padded = [0] * left + list(signal) + [0] * right
    k = len(kernel)
    return [sum(kernel[j] * padded[i + k - 1 - j] for j in range(k))
            for i in range(len(padded) - k + 1)]


def test_lesson_first_example():
    assert convolve1d([3, 4, 5], [2, 1, 0]).tolist() == [6, 11, 14, 5, 0]


@pytest.mark.parametrize("mode, expected", [
    ("full", [6, 14, 34, 34, 8]),
    ("same", [6, 14, 34, 34]),
    ("valid", [14, 34, 34]),
])
def test_lesson_second_example_all_modes(mode, expected):
    result = convolve1d([1, 2, 5, 4], [6, 2], mode)
    assert result.tolist() == expected
    assert result.dtype == np.int64


def test_lesson_steps_full():
    walk = convolve1d_steps([1, 2, 5, 4], [6, 2], "full")
    assert walk.padded.tolist() == [0, 1, 2, 5, 4, 0]
    assert walk.flipped.tolist() == [2, 6]
    assert walk.pad == (1, 1)
    assert [s.start for s in walk] == [0, 1, 2, 3, 4]
    assert [s.window for s in walk] == [(0, 1), (1, 2), (2, 5), (5, 4), (4, 0)]
    assert [s.products for s in walk] == [(0, 6), (2, 12), (4, 30), (10, 24), (8, 0)]
    assert [s.total for s in walk] == [6, 14, 34, 34, 8]
    assert walk.output.tolist() == [6, 14, 34, 34, 8]
    assert walk[2].partial_sums == (4, 34)


def test_steps_mark_padding():
    walk = convolve1d_steps([1, 2, 5, 4], [6, 2], "same")
    assert walk.pad == (1, 0)
    assert [walk.is_padding(p) for p in range(len(walk.padded))] == [True] + [False] * 4


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n, k", [(7, 1), (7, 2), (7, 3), (7, 4), (7, 7), (1, 1), (10, 5)])
def test_matches_numpy_and_brute_force(mode, n, k):
    rng = np.random.default_rng(n * 10 + k)
    signal = rng.normal(size=n)
    kernel = rng.normal(size=k)
    result = convolve1d(signal, kernel, mode)
    np.testing.assert_allclose(result, np.convolve(signal, kernel, mode), atol=1e-12)
    left, right = padding1d(n, k, mode)
    np.testing.assert_allclose(result, brute_force(signal, kernel, left, right), atol=1e-12)
    walk = convolve1d_steps(signal, kernel, mode)
    np.testing.assert_allclose(walk.output, result, atol=1e-12)
    np.testing.assert_allclose([sum(s.products) for s in walk], result, atol=1e-12)


@pytest.mark.parametrize("k", [2, 4, 6])
def test_same_follows_numpy_centring_for_even_kernels(k):
    signal = np.arange(1, 9)
    kernel = np.arange(1, k + 1)
    full = np.convolve(signal, kernel, "full")
    offset = (k - 1) // 2
    assert padding1d(8, k, "same") == (k // 2, (k - 1) // 2)
    assert convolve1d(signal, kernel, "same").tolist() == full[offset:offset + 8].tolist()
    assert convolve1d(signal, kernel, "same").tolist() == np.convolve(signal, kernel, "same").tolist()


def test_same_with_a_kernel_longer_than_the_signal_keeps_the_signal_length():
    result = convolve1d([1, 2], [1, 1, 1, 1], "same")
    full = np.convolve([1, 2], [1, 1, 1, 1])
    assert result.tolist() == full[1:3].tolist()


def test_float_and_int_dtypes():
    assert convolve1d([1.5, 2], [2]).dtype == np.float64
    assert convolve1d(np.array([200, 100], np.uint8), [2]).tolist() == [400, 200]
    assert convolve1d([True, False], [3]).tolist() == [3, 0]


@pytest.mark.parametrize("signal, kernel, name, match", [
    ([], [1], "signal", "signal is empty"),
    ([1, 2], [], "kernel", "kernel is empty"),
    ([[1, 2], [3, 4]], [1], "signal", "signal must be a 1-D"),
    ([1, 2], [[1]], "kernel", "kernel must be a 1-D"),
    ([1, np.nan], [1], "signal", "signal must hold finite"),
    ([1, 2], [np.inf], "kernel", "kernel must hold finite"),
])
def test_bad_sequences_name_the_argument(signal, kernel, name, match):
    with pytest.raises(ValueError, match=match):
        convolve1d(signal, kernel)
    with pytest.raises(ValueError, match=match):
        convolve1d_steps(signal, kernel)


def test_text_is_refused():
    with pytest.raises(TypeError, match="signal"):
        convolve1d(["a", "b"], [1])


def test_bad_mode_and_valid_with_long_kernel():
    with pytest.raises(ValueError, match="mode must be one of"):
        convolve1d([1, 2], [1], "circular")
    with pytest.raises(ValueError, match="kernel has 4 values but signal only 2"):
        convolve1d([6, 2], [1, 2, 5, 4], "valid")


def test_parse_sequence_accepts_what_people_type():
    from core.conv1d import parse_sequence
    assert parse_sequence("1, 2, 5, 4") == (1, 2, 5, 4)
    assert parse_sequence(" [6 2] ") == (6, 2)
    assert parse_sequence("0.5;-1/4,\u22123") == (0.5, -0.25, -3)
    assert all(type(v) is int for v in parse_sequence("1 2.0 -3"))


@pytest.mark.parametrize("text, match", [
    ("", "kernel is empty"),
    ("1, x", "kernel: 'x' is not a number"),
    ("1/0", "kernel: '1/0' is not a number"),
    ("1/2/3", "is not a number"),
    ("nan", "'nan' is not a finite number"),
    ("1 2 3 4", "kernel has 4 values; at most 3"),
])
def test_parse_sequence_errors_name_the_box(text, match):
    from core.conv1d import parse_sequence
    with pytest.raises(ValueError, match=match):
        parse_sequence(text, "kernel", max_values=3)
