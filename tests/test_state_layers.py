"""The state's layer stack without a window: add, select, remove, checks."""

import numpy as np
import pytest

from convgui.state import ExplorerState, layer_spec, same_value
from core.datasets import Dataset


@pytest.fixture
def state(qapp):
    state = ExplorerState()
    state.dataset = Dataset(np.zeros((2, 20, 20)), name="zeros")
    return state


def test_added_layers_read_the_maps_before_and_edits_stay_with_their_layer(state):
    state.kernels = np.ones((3, 3, 1, 3))
    state.add_layer()
    assert state.layer_count == 2 and state.selected_layer == 1
    bank = state.kernels
    assert bank.shape == (3, 3, 3, 3)
    for k in range(3):  # kernel k blurs map k only
        expected = np.zeros((3, 3, 3))
        expected[:, :, k] = 1 / 9
        np.testing.assert_allclose(bank[:, :, :, k], expected)
    assert (state.padding, state.activation, state.pool_mode) == ("same", "relu", "max")
    assert state.channels == 3 and state.dataset_channels == 1
    state.stride = (2, 2)
    state.select_layer(0)
    assert state.stride == (1, 1) and state.kernels.shape == (3, 3, 1, 3)
    state.select_layer(1)
    assert state.stride == (2, 2)
    # 20 → 18 → pool 9 → layer 2 (stride 2, same) 5 → pool 2: too small to halve again.
    state.add_layer()
    assert state.pool_mode == "off"


def test_removing_a_middle_layer_refits_the_next_one(state):
    state.kernels = np.ones((3, 3, 1, 2))
    state.add_layer()                      # 2 maps → 2 maps
    state.kernels = np.arange(36.0).reshape(3, 3, 2, 2)
    state.add_layer()                      # reads 2 maps
    third = np.arange(18.0).reshape(3, 3, 2, 1)
    state.kernels = third
    state.remove_layer(1)
    stack = state.stack()
    assert len(stack) == 2 and state.selected_layer == 0
    # Layer 1 makes 2 maps, so the old layer 3 keeps its bank (already 2 channels).
    np.testing.assert_array_equal(stack[1].kernels, third)
    state.remove_layer(0)
    only = state.stack()[0].kernels
    # Now it reads the 1-channel image: its channels averaged.
    np.testing.assert_allclose(only[:, :, 0, 0], third.mean(axis=2)[:, :, 0])
    with pytest.raises(ValueError, match="only layer"):
        state.remove_layer()


def test_layer_spec_checks_what_it_reads():
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['colour'\]"):
        layer_spec({"colour": 1})
    with pytest.raises(ValueError, match="layer stride"):
        layer_spec({"stride": [0, 1]})
    with pytest.raises(TypeError, match="table of layer settings"):
        layer_spec([1, 2])


def test_same_value_compares_stacks_by_content():
    a = (layer_spec({"kernels": [[1.0, 2.0]]}),)
    b = (layer_spec({"kernels": [[1.0, 2.0]]}),)
    c = (layer_spec({"kernels": [[1.0, 3.0]]}),)
    assert same_value(a, b) and not same_value(a, c) and not same_value(a, a + b)
