"""The hover inspector's arithmetic touches only the window's patch, never the whole image."""

import tracemalloc

import numpy as np

from core.explain import explain_conv_pixel, explain_pool_pixel
from core.pipeline import PipelineSpec


def _peak_bytes(call):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        return result, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_conv_pixel_of_a_large_uint8_photo_casts_only_its_patch():
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    kernels = rng.integers(-2, 3, (5, 5, 3, 2)).astype(float)
    spec = PipelineSpec(kernels, padding="same", stride=(2, 2))
    pixel, peak = _peak_bytes(lambda: explain_conv_pixel(photo, spec, 1, 300, 411))
    # By hand: output (300, 411) at stride 2 with 'same' padding of 1 on top and left reads
    # rows 599..603 and columns 821..825.
    patch = photo[599:604, 821:826].astype(np.float64)
    assert pixel.total == float((patch * kernels[:, :, :, 1]).sum())
    assert peak < 100_000  # a whole-image float64 cast would be 72 MB


def test_pool_pixel_of_a_large_float32_map_casts_only_its_window():
    feature_map = np.arange(3000 * 2000, dtype=np.float32).reshape(3000, 2000)
    spec = PipelineSpec(np.ones((1, 1, 1, 1)), pool_mode="max", pool_shape=(3, 3),
                        pool_stride=(2, 2))
    pixel, peak = _peak_bytes(lambda: explain_pool_pixel(feature_map, spec, 10, 20))
    assert pixel.result == float(feature_map[22, 42])
    assert peak < 100_000
