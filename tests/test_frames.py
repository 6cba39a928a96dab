"""The frame model of exported animations (core.frames), against scipy and hand-worked numbers."""

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from core.frames import Animation, crop_box, display_choice, step_indices
from core.pipeline import PipelineSpec

RNG = np.random.default_rng(11)
IMAGE = RNG.integers(0, 256, (20, 24)).astype(np.uint8)
KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def spec_for(kernel=KERNEL, **kwargs):
    return PipelineSpec(np.asarray(kernel, float)[:, :, None, None], **kwargs)


def reference(image, kernel, pad, stride, flip=False):
    padded = np.pad(np.asarray(image, float), pad)
    full = (convolve2d if flip else correlate2d)(padded, kernel, mode="valid")
    return full[::stride, ::stride]


@pytest.mark.parametrize("padding, pad, stride, flip", [
    ("valid", 0, 1, False), ("same", 1, 1, False), ((2, 2), 2, 2, True), ("full", 2, 1, False)])
def test_output_fills_in_raster_order_with_scipy_values(padding, pad, stride, flip):
    crop = IMAGE[6:14, 8:16]  # crop_box((20, 24), 8) puts the 8x8 crop here
    expected = reference(crop, KERNEL, pad, stride, flip)
    animation = Animation(IMAGE, spec_for(padding=padding, stride=(stride, stride), flip=flip))
    assert animation.crop_origin == (6, 8)
    assert len(animation) == expected.size
    oh, ow = expected.shape
    for n in (0, 1, ow, expected.size - 1):
        frame = animation[n]
        output = frame.panels[-1]
        filled = output.values.reshape(-1)
        np.testing.assert_allclose(filled[:n + 1], expected.reshape(-1)[:n + 1])
        assert np.isnan(filled[n + 1:]).all()
        row, col = divmod(n, ow)
        assert output.current == (row, col)
        # The window in the padded input: top-left at (row * stride, col * stride).
        assert frame.panels[0].window == (row * stride, col * stride, row * stride + 2,
                                          col * stride + 2)
        assert frame.title == f"Convolution · step {n + 1} of {expected.size} · output [{row}, {col}]"
        assert frame.lines[0].startswith(f"output[{row}, {col}] = ")
        assert frame.lines[0].endswith(f" = {int(expected[row, col])}")  # integer data
    applied = animation[0].panels[1].values
    np.testing.assert_array_equal(applied, KERNEL[::-1, ::-1] if flip else KERNEL)


def test_padding_mask_and_input_values_of_the_first_frame():
    image = np.arange(16.0).reshape(4, 4)
    frame = Animation(image, spec_for(padding="same"), crop=None)[0]
    source = frame.panels[0]
    assert source.values.shape == (6, 6)
    np.testing.assert_array_equal(source.values[1:5, 1:5], image)
    expected_mask = np.ones((6, 6), bool)
    expected_mask[1:5, 1:5] = False
    np.testing.assert_array_equal(source.padding, expected_mask)
    # Window at output [0, 0] covers padded rows/cols 0..2; the sum written out, hand-checked:
    # 0·1 + 0·0 + 0·(−1) + 0·2 + 0·0 + 1·(−2) + 0·1 + 4·0 + 5·(−1) = −7
    assert frame.lines[0] == ("output[0, 0] = 0·1 + 0·0 + 0·(−1) + 0·2 + 0·0 + 1·(−2) + 0·1 "
                              "+ 4·0 + 5·(−1) = -7")
    assert frame.lines[-1] == ("Output height: 4 + 1 + 1 − 3 + 1 = 4     "
                               "Output width: 4 + 1 + 1 − 3 + 1 = 4")


def test_dilated_window_marks_only_the_taps():
    frame = Animation(np.ones((7, 7)), spec_for(dilation=(2, 2)), crop=None)[0]
    source = frame.panels[0]
    assert source.window == (0, 0, 4, 4)
    assert source.taps.sum() == 9
    assert source.taps[0, 0] and source.taps[2, 4] and not source.taps[1, 1]


def test_pooling_steps_follow_with_the_pooled_values():
    image = RNG.random((8, 8))
    animation = Animation(image, spec_for(activation="relu", pool_mode="max"), crop=None)
    conv = np.maximum(correlate2d(image, KERNEL, mode="valid"), 0)  # 6x6
    pooled = conv.reshape(3, 2, 3, 2).max(axis=(1, 3))
    assert len(animation) == 36 + 9
    frame = animation[36 + 4]
    assert frame.stage == "pool" and frame.title.startswith("Pooling · step 5 of 9")
    source, target = frame.panels
    np.testing.assert_allclose(source.values, conv)
    assert source.window == (2, 2, 3, 3)
    np.testing.assert_allclose(target.values.reshape(-1)[:5], pooled.reshape(-1)[:5])
    assert np.isnan(target.values.reshape(-1)[5:]).all()
    assert frame.lines[0].startswith("pooled[1, 1] = max(")


def test_every_kth_step_ends_on_the_last():
    assert step_indices(36, 5) == [0, 5, 10, 15, 20, 25, 30, 35]
    assert step_indices(36, 7) == [0, 7, 14, 21, 28, 35]
    assert step_indices(37, 7) == [0, 7, 14, 21, 28, 35, 36]
    animation = Animation(RNG.random((8, 8)), spec_for(), crop=None, every=4)
    assert [f.step for f in animation] == [0, 4, 8, 12, 16, 20, 24, 28, 32, 35]
    assert "every 4th step" in animation[0].subtitle
    with pytest.raises(ValueError, match="every"):
        step_indices(5, 0)


def test_crop_box_stays_inside_and_shrinks():
    assert crop_box((28, 28), 8) == (10, 10, 8, 8)
    assert crop_box((28, 28), 8, centre=(27, 0)) == (20, 0, 8, 8)
    assert crop_box((5, 30), 8, centre=(2, 15)) == (0, 11, 5, 8)
    with pytest.raises(ValueError, match="crop"):
        crop_box((28, 28), 0)


def test_colours_follow_the_sign_of_the_output():
    assert display_choice(np.array([-1.0, 1.0])) == ("diverging", "symmetric")
    assert display_choice(np.array([0.0, 1.0])) == ("gray", "minmax")
    assert display_choice(np.array([-1.0]), "viridis") == ("viridis", "minmax")
    with pytest.raises(ValueError, match="colormap"):
        display_choice(np.array([1.0]), "rainbow")
    signed = Animation(IMAGE, spec_for())
    assert signed[0].panels[-1].colormap == "diverging"
    low, high = signed[0].panels[-1].levels
    assert low == -high


def test_colour_images_show_rgb_and_one_kernel_per_channel():
    image = RNG.random((6, 6, 3))
    bank = np.stack([KERNEL, KERNEL * 0, -KERNEL], axis=2)[:, :, :, None]
    frame = Animation(image, PipelineSpec(bank), crop=None)[0]
    assert frame.panels[0].colormap == "rgb" and frame.panels[0].values.shape == (6, 6, 3)
    assert [p.title for p in frame.panels[1:4]] == ["Kernel R", "Kernel G", "Kernel B"]
    expected = sum(correlate2d(image[:, :, c], bank[:, :, c, 0], mode="valid") for c in range(3))
    assert frame.panels[-1].values[0, 0] == pytest.approx(expected[0, 0])


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="kernel_index"):
        Animation(IMAGE, spec_for(), kernel_index=1)
    with pytest.raises(ValueError, match="image"):
        Animation(np.zeros(5), spec_for())
    with pytest.raises(ValueError, match="kernel"):
        Animation(np.zeros((2, 2)), spec_for(), crop=None)
    with pytest.raises(IndexError, match="index"):
        Animation(IMAGE, spec_for())[1000]


def test_padding_mode_and_bias_show_in_the_grid_and_the_sum():
    image = RNG.random((6, 6))
    spec = spec_for(padding="same", padding_mode="reflect", bias=0.5)
    animation = Animation(image, spec, crop=None)
    expected = correlate2d(np.pad(image, 1, mode="reflect"), KERNEL, mode="valid") + 0.5
    frame = animation[len(animation) - 1]
    np.testing.assert_allclose(frame.panels[0].values, np.pad(image, 1, mode="reflect"))
    np.testing.assert_allclose(frame.panels[-1].values, expected)
    assert frame.lines[1].endswith(f"+ bias 0.5 = {expected[-1, -1]:.4g}")
    assert "padding same reflect" in frame.subtitle and "bias 0.5" in frame.subtitle


def brute_transposed(image, kernel, stride, pad, output_padding=0):
    """Every input pixel adds value × kernel into the output, then the padding is cropped."""
    h, w = image.shape
    kh, kw = kernel.shape
    full = np.zeros(((h - 1) * stride + kh + output_padding, (w - 1) * stride + kw + output_padding))
    for y in range(h):
        for x in range(w):
            full[y * stride:y * stride + kh, x * stride:x * stride + kw] += image[y, x] * kernel
    return full[pad:full.shape[0] - pad, pad:full.shape[1] - pad]


@pytest.mark.parametrize("stride, pad, output_padding", [(2, 0, 0), (2, 1, 1), (3, 2, 0)])
def test_transposed_frames_slide_over_the_stretched_input(stride, pad, output_padding):
    image = RNG.integers(-3, 4, (4, 4)).astype(float)
    spec = spec_for(padding=pad, stride=(stride, stride), transposed=True,
                    output_padding=(output_padding, output_padding))
    animation = Animation(image, spec, crop=None)
    expected = brute_transposed(image, KERNEL, stride, pad, output_padding)
    assert len(animation) == expected.size
    last = animation[len(animation) - 1]
    np.testing.assert_allclose(last.panels[-1].values, expected)
    assert last.title.startswith("Transposed convolution · step")
    grid = animation[0].panels[0]
    # Real pixels sit `stride` apart in the stretched grid, zeros between (marked as padding).
    assert (~grid.padding).sum() == image.size
    np.testing.assert_array_equal(np.sort(grid.values[~grid.padding]), np.sort(image.ravel()))
    np.testing.assert_array_equal(animation[0].panels[1].values, KERNEL[::-1, ::-1])
    assert animation[0].panels[1].title == "Kernel (rotated 180°)"
    oh = expected.shape[0]
    assert last.lines[-1].startswith("Output height: (4 − 1)·")
    assert last.lines[-1].split("     ")[0].endswith(f"= {oh}")
    for n in (0, 5, expected.size - 1):
        frame = animation[n]
        row, col = divmod(n, expected.shape[1])
        assert frame.panels[0].window[:2] == (row, col)  # one cell apart
        assert frame.lines[0].endswith(f"= {int(expected[row, col])}")
