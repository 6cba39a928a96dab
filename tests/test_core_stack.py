"""The layer stack: outputs against hand-composed conv2d/pool2d, receptive fields against a
brute-force probe (change one input pixel, see which deep outputs move), readable errors."""

import numpy as np
import pytest
from scipy.signal import correlate2d

from core import conv2d, pool2d
from core.pipeline import PipelineSpec
from core.stack import (check_stack, field_steps, pixel_trail, pixels_seeing, run_stack,
                        stack_fields, stage_region)

RNG = np.random.default_rng(16)


def _spec(c, nc, k=3, **options):
    return PipelineSpec(RNG.normal(size=(k, k, c, nc)), **options)


def test_stack_equals_composing_conv_and_pool_by_hand():
    one = _spec(3, 4, padding="same", activation="relu", pool_mode="max", bias=0.5)
    two = _spec(4, 2, k=2, stride=(2, 1), activation="abs")
    three = _spec(2, 3, dilation=(2, 2), pool_mode="avg", pool_shape=(2, 2), pool_stride=(1, 1))
    images = RNG.normal(size=(2, 28, 26, 3))
    results = run_stack(images, [one, two, three])
    x = np.maximum(conv2d(images, one.kernels, padding="same") + 0.5, 0)
    x = pool2d(x, (2, 2), stride=(2, 2), mode="max")
    np.testing.assert_allclose(results[0].final, x)
    x = np.abs(conv2d(x, two.kernels, stride=(2, 1)))
    np.testing.assert_allclose(results[1].final, x)
    x = pool2d(conv2d(x, three.kernels, dilation=(2, 2)), (2, 2), stride=(1, 1), mode="avg")
    np.testing.assert_allclose(results[2].final, x)


def test_second_layer_against_scipy_correlation():
    one = _spec(1, 2, activation="relu")
    two = _spec(2, 1)
    image = RNG.normal(size=(12, 12))
    results = run_stack(image[None], [one, two])
    maps = [np.maximum(correlate2d(image, one.kernels[:, :, 0, k], mode="valid"), 0)
            for k in range(2)]
    expected = sum(correlate2d(maps[c], two.kernels[:, :, c, 0], mode="valid") for c in range(2))
    np.testing.assert_allclose(results[1].final[0, :, :, 0], expected, atol=1e-12)


def test_channel_mismatch_names_the_layer():
    with pytest.raises(ValueError, match="layer 2's kernels have 3 channel.*4 maps of layer 1"):
        check_stack([_spec(1, 4), _spec(3, 2)], (28, 28))
    with pytest.raises(ValueError, match="layer 1's kernels have 2 channel.*the image"):
        check_stack([_spec(2, 4)], (28, 28, 3))


def test_too_small_input_and_layer_count_and_transposed():
    with pytest.raises(ValueError, match="layer 3 does not fit its 1×1 input"):
        check_stack([_spec(1, 1, pool_mode="max"), _spec(1, 1, pool_mode="max"), _spec(1, 1)],
                     (10, 10))
    with pytest.raises(ValueError, match="1 to 4 layers"):
        check_stack([_spec(1, 1, k=1)] * 5, (8, 8))
    with pytest.raises(ValueError, match="1 to 4 layers"):
        check_stack([], (8, 8))
    with pytest.raises(ValueError, match="layer 2 is a transposed"):
        check_stack([_spec(1, 1), _spec(1, 1, transposed=True)], (8, 8))
    with pytest.raises(TypeError, match="layer 1 must be a PipelineSpec"):
        check_stack(["conv"], (8, 8))


def _random_stack(rng):
    """A random stack of 2-3 layers with positive weights (so no change cancels out)."""
    specs, c = [], 1
    for _ in range(rng.integers(2, 4)):
        k = int(rng.integers(1, 4))
        nc = int(rng.integers(1, 3))
        padding = [(0, 0), (1, 1), (2, 0), "same"][rng.integers(0, 4)]
        stride = tuple(int(v) for v in rng.integers(1, 3, size=2))
        dilation = tuple(int(v) for v in rng.integers(1, 3, size=2))
        if padding == "same":
            stride = (1, 1)
        pool = ["off", "avg", "max"][rng.integers(0, 3)]
        specs.append(PipelineSpec(rng.uniform(0.5, 1.5, (k, k, c, nc)), padding=padding,
                                  stride=stride, dilation=dilation, pool_mode=pool,
                                  pool_shape=(2, 2), pool_stride=(int(rng.integers(1, 3)),) * 2,
                                  bias=0.1))
        c = nc
    return specs


def _probe_boxes(specs, image_hw, layer, stage):
    """For each output pixel of ``layer``'s ``stage``, the bounding box of the input pixels
    whose change moves it (found by changing them one at a time)."""
    image = RNG.uniform(0.5, 1.0, (1,) + image_hw)

    def out(x):
        result = run_stack(x, specs[:layer + 1])[layer]
        return result.conv[0] if stage == "conv" else result.pooled[0]
    base = out(image)
    boxes = np.full(base.shape[:2] + (4,), -1)
    for r in range(image_hw[0]):
        for c in range(image_hw[1]):
            bumped = image.copy()
            bumped[0, r, c] += 1e4
            moved = np.any(out(bumped) != base, axis=-1)
            for y, x in zip(*np.nonzero(moved)):
                box = boxes[y, x]
                if box[0] < 0:
                    box[:] = (r, r, c, c)
                else:
                    box[:] = (min(box[0], r), max(box[1], r), min(box[2], c), max(box[3], c))
    return boxes


@pytest.mark.parametrize("seed", range(6))
def test_receptive_field_matches_a_brute_force_probe(seed):
    rng = np.random.default_rng(seed)
    image_hw = (19, 17)
    for _ in range(20):
        specs = _random_stack(rng)
        try:
            check_stack(specs, image_hw)
        except ValueError:
            continue
        break
    else:
        pytest.skip("no random stack fits")
    fields = stack_fields(specs, image_hw)
    layer = len(specs) - 1
    exact = 0
    for stage in ("conv", "pooled") if specs[layer].pooled else ("conv",):
        field = getattr(fields[layer], stage)
        boxes = _probe_boxes(specs, image_hw, layer, stage)
        for y in range(boxes.shape[0]):
            for x in range(boxes.shape[1]):
                rows, cols = stage_region(field, (y, x), image_hw)
                if boxes[y, x, 0] >= 0:  # whatever moves the pixel lies in its field
                    assert rows.start <= boxes[y, x, 0] and boxes[y, x, 1] < rows.stop
                    assert cols.start <= boxes[y, x, 2] and boxes[y, x, 3] < cols.stop
                whole = stage_region(field, (y, x), image_hw, clip=False)
                if whole == (rows, cols):  # inside the image the field is exactly the box
                    exact += 1
                    assert tuple(boxes[y, x]) == (rows.start, rows.stop - 1,
                                                  cols.start, cols.stop - 1), (stage, y, x)
    small = all(s < h for s, h in zip(field.size, image_hw))
    assert exact or not small, specs


def test_field_of_avg_pool_stack_is_exact_everywhere():
    specs = [PipelineSpec(np.ones((3, 3, 1, 2)), padding=(1, 1), pool_mode="avg"),
             PipelineSpec(np.ones((3, 3, 2, 1)), stride=(2, 2), dilation=(1, 2))]
    fields = stack_fields(specs, (16, 16))
    boxes = _probe_boxes(specs, (16, 16), 1, "conv")
    for y in range(boxes.shape[0]):
        for x in range(boxes.shape[1]):
            rows, cols = stage_region(fields[1].conv, (y, x), (16, 16))
            assert tuple(boxes[y, x]) == (rows.start, rows.stop - 1, cols.start, cols.stop - 1)


def test_recursion_steps_by_hand():
    specs = [PipelineSpec(np.ones((5, 5, 1, 1)), pool_mode="max"),
             PipelineSpec(np.ones((3, 3, 1, 1)), stride=(2, 2), dilation=(2, 2))]
    steps = field_steps(specs, (40, 40), 1)
    # r: 1 → 1 + 4·1 = 5 → 5 + 1·1 = 6 (j 2) → 6 + (5 − 1)·2 = 14 (j 4)
    assert [(s.size, s.jump) for s in steps] == [(5, 1), (6, 2), (14, 4)]
    assert steps[-1].extent == 5 and steps[-1].size_before == 6 and steps[-1].jump_before == 2
    field = stack_fields(specs, (40, 40))[1].conv
    assert field.size == (14, 14) and field.jump == (4, 4) and field.start == (0, 0)
    assert stage_region(field, (2, 3), (40, 40)) == (range(8, 22), range(12, 26))
    with pytest.raises(ValueError, match="layer 2 does not pool"):
        field_steps(specs, (40, 40), 1, "pooled")


def test_pixel_trail_goes_back_one_map_at_a_time():
    specs = [PipelineSpec(np.ones((3, 3, 1, 2)), pool_mode="max"),
             PipelineSpec(np.ones((3, 3, 2, 1)), padding=(1, 1))]
    trail = pixel_trail(specs, (28, 28), 1, "conv", (4, 6))
    # By hand: the 3×3 window with padding 1 reads pooled rows 3…5, cols 5…7; pooling 2 makes
    # that conv rows 6…11, cols 10…15; the 3×3 conv makes it input rows 6…13, cols 10…17.
    assert [(t.layer, t.stage, t.rows, t.cols) for t in trail] == [
        (0, "pooled", range(3, 6), range(5, 8)),
        (0, "conv", range(6, 12), range(10, 16)),
        (-1, "input", range(6, 14), range(10, 18))]
    field = stack_fields(specs, (28, 28))[1].conv
    assert (trail[-1].rows, trail[-1].cols) == stage_region(field, (4, 6), (28, 28))
    # At the edge the window is clipped to the map (the rest is padding).
    assert pixel_trail(specs, (28, 28), 1, "conv", (0, 0))[0].rows == range(0, 2)


def test_pixels_seeing_an_input_pixel_are_those_whose_field_holds_it():
    specs = [PipelineSpec(np.ones((3, 3, 1, 2)), padding=(1, 1), pool_mode="avg",
                          pool_stride=(1, 1)),
             PipelineSpec(np.ones((2, 2, 2, 1)), stride=(2, 2))]
    image_hw = (13, 12)
    field = stack_fields(specs, image_hw)[1].conv
    out_hw = check_stack(specs, image_hw)[1].conv_hw
    image = RNG.uniform(0.5, 1.0, (1,) + image_hw)
    base = run_stack(image, specs)[1].conv[0, :, :, 0]
    for pixel in [(0, 0), (6, 5), (12, 11), (3, 10)]:
        bumped = image.copy()
        bumped[0][pixel] += 1e4
        moved = run_stack(bumped, specs)[1].conv[0, :, :, 0] != base
        rows, cols = pixels_seeing(field, pixel, out_hw)
        predicted = np.zeros(out_hw, dtype=bool)
        predicted[rows.start:rows.stop, cols.start:cols.stop] = True
        np.testing.assert_array_equal(moved, predicted, err_msg=str(pixel))
