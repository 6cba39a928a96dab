"""The state refuses bad values instead of coercing them, using the core's checks."""

import numpy as np
import pytest

from convgui.state import ExplorerState
from core.kernels import MAX_KERNEL_SIZE


@pytest.fixture
def state(qapp):
    return ExplorerState()


@pytest.mark.parametrize("field, value, error", [
    ("stride", (1.9, 2.2), TypeError),
    ("stride", (0, 1), ValueError),
    ("stride", (1, 2, 3), ValueError),
    ("dilation", "22", TypeError),
    ("pool_shape", (True, 2), TypeError),
    ("flip", "no", TypeError),
    ("flip", 1, TypeError),
    ("padding", "sometimes", ValueError),
    ("kernels", np.ones((MAX_KERNEL_SIZE + 1, 3)), ValueError),
    ("kernels", [[1.0, np.nan]], ValueError),
    ("kernels", [["a", "b"]], TypeError),
])
def test_bad_values_raise_and_leave_the_state_alone(state, field, value, error):
    before = getattr(state, field)
    with pytest.raises(error, match=field):
        setattr(state, field, value)
    after = getattr(state, field)
    assert after is before or np.array_equal(after, before)


def test_good_values_are_kept_exactly(state):
    state.stride = (2, 3)
    state.flip = np.bool_(True)
    state.kernels = np.arange(6.0).reshape(2, 3)
    assert state.stride == (2, 3) and state.flip is True
    assert state.kernels.shape == (2, 3, 1, 1)
    assert state.kernels[1, 2, 0, 0] == 5.0
    assert not state.kernels.flags.writeable
