"""Receptive fields against a brute-force probe: change one input pixel, see which outputs move."""

import numpy as np
import pytest

from core.nn import build_network
from core.nn.receptive import input_region, receptive_fields

STACKS = [
    "conv:2x3x3,relu,maxpool:2,conv:2x3x3",
    "conv:2x5x5:stride=2:padding=same,maxpool:3:stride=1,conv:1x3x3:dilation=2",
    "conv:1x3x3:padding=1,avgpool:2,conv:2x2x2:stride=2:padding=full,relu,conv:1x3x3",
]


@pytest.mark.parametrize("stack", STACKS)
def test_fields_match_which_deep_outputs_a_pixel_changes(stack):
    net = build_network(stack, (21, 19), 2, dtype=np.float64)
    for layer in net.layers:  # positive weights and inputs: a big bump always shows downstream
        for param in layer.params.values():
            param[...] = np.abs(param) + 0.1
    rng = np.random.default_rng(0)
    image = rng.uniform(0.1, 1.0, (1, 21, 19))
    fields = receptive_fields(net.layers)

    def outputs(x):
        out, result = x[..., None], []
        for layer in net.layers[:len(fields)]:
            out = layer.forward(out)
            result.append(out[0].copy())
        return result

    base = outputs(image)
    for pixel in [(0, 0), (10, 9), (20, 18), (5, 14)]:
        bumped = image.copy()
        bumped[0][pixel] += 1000.0
        for index, (before, after) in enumerate(zip(base, outputs(bumped))):
            changed = np.any(before != after, axis=-1)
            predicted = np.zeros_like(changed)
            for r in range(changed.shape[0]):
                for c in range(changed.shape[1]):
                    rows, cols = input_region(fields[index], (r, c), (21, 19))
                    predicted[r, c] = pixel[0] in rows and pixel[1] in cols
            np.testing.assert_array_equal(changed, predicted,
                                          err_msg=f"{stack}: layer {index}, pixel {pixel}")
    assert len(fields) >= 3


def test_recursion_written_out():
    net = build_network("conv:1x3x3,maxpool:2,conv:1x3x3:stride=2:dilation=2", (40, 40), 2)
    sizes = [(f.size[0], f.jump[0]) for f in receptive_fields(net.layers)]
    # r1 = 1 + 2*1 = 3, j1 = 1; pool: r2 = 3 + 1*1 = 4, j2 = 2; conv (extent 5): r3 = 4 + 4*2 = 12
    assert sizes == [(3, 1), (4, 2), (12, 4)]
