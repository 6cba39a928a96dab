"""How the explorer's state holds a value: the field descriptor, its checks, and equality.

An :class:`~convgui.state.ExplorerState` attribute is a :class:`Field`: setting it runs the
field's check (the core's own checks, so a bad value raises instead of being coerced), then its
adaptation to the rest of the state (a one-channel kernel on colour input, one bias per
kernel), and emits ``<name>Changed`` and ``changed`` only when the value really changes
(:func:`same_value`).

Examples
--------
>>> check_padding([1, 2], "padding"), check_padding("same", "padding")
((1, 2), 'same')
>>> same_value((np.ones(2), 1), (np.ones(2), 1))
True
"""

import numpy as np

from core._checks import as_pair
from core.choices import PADDING_WORDS
from core.kernels import check_kernel
from core.pipeline import PipelineSpec

__all__ = ["Field", "same_value", "DISPLAY_FIELDS", "PARAMETER_FIELDS", "STACK_FIELDS", "choice",
           "check_kernels", "fit_channels", "check_range", "check_levels",
           "check_selected", "check_bias", "fit_bias", "check_padding"]

#: The fields that only say how results are shown (they never trigger a recomputation).
DISPLAY_FIELDS = ("colormap", "mapping", "active_kernel", "active_channel", "value_range",
                  "selected_map", "display_levels")

#: The fields that define the computation (what undo/redo and exports record).
PARAMETER_FIELDS = ("kernels", "padding", "stride", "dilation", "flip", "activation",
                    "pool_mode", "pool_shape", "pool_stride", "padding_mode", "bias",
                    "transposed", "output_padding")

#: The fields that hold the layer stack (undone and remembered with the parameters).
STACK_FIELDS = ("layers", "selected_layer")


def same_value(a, b):
    """Equality for field values: arrays by content, plain values by ==, other objects by identity."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b))
    if isinstance(a, PipelineSpec) and isinstance(b, PipelineSpec):
        return all(same_value(getattr(a, name), getattr(b, name)) for name in PARAMETER_FIELDS)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    plain = (str, int, float, bool, np.generic)
    if isinstance(a, plain) and isinstance(b, plain):
        return a == b
    return False


def choice(options):
    """A check accepting only the keys ``options`` (a ``ValueError`` names them)."""
    def check(value, name):
        if value not in options:
            raise ValueError(f"{name} must be one of {options}, got {value!r}")
        return value
    return check


def check_kernels(value, name):
    """The core's kernel check (one maximum size), then the kernel as a read-only 4-D bank."""
    array = check_kernel(value, name)
    if array.ndim < 4:
        array = array.reshape(array.shape + (1,) * (4 - array.ndim))
        array.flags.writeable = False
    return array


def fit_channels(state, bank):
    """A one-channel kernel on several input channels gets the same weights in every channel."""
    channels = state.channels
    if bank.shape[2] == 1 and channels > 1:
        bank = np.repeat(bank, channels, axis=2)
        bank.flags.writeable = False
    return bank


def check_range(value, name):
    """A finite ``(low, high)`` with ``high > low``."""
    low, high = (float(v) for v in value)
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise ValueError(f"{name} must be finite (low, high) with high > low, got {value!r}")
    return (low, high)


def check_levels(value, name):
    """A display range (see :func:`check_range`), or None for the automatic one."""
    return None if value is None else check_range(value, name)


def check_selected(value, name):
    """``('conv' or 'pooled', kernel)``: the map whose levels the histogram controls."""
    kind, k = value
    if kind not in ("conv", "pooled"):
        raise ValueError(f"{name} must be ('conv' or 'pooled', kernel), got {value!r}")
    return (kind, int(k))


def check_bias(value, name):
    """A tuple of finite floats, one per kernel (a single number is one value)."""
    try:
        values = tuple(float(v) for v in np.ravel(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or numbers, got {value!r}") from None
    if not values or not np.isfinite(values).all():
        raise ValueError(f"{name} must hold finite numbers, got {value!r}")
    return values


def fit_bias(state, values):
    """One bias per kernel of the bank: missing ones are 0, extra ones dropped."""
    nc = state.kernels.shape[3]
    return tuple(values[:nc]) + (0.0,) * (nc - len(values))


def check_padding(value, name):
    """A padding word, ``(ph, pw)`` or ``((top, bottom), (left, right))``."""
    if isinstance(value, str):
        if value not in PADDING_WORDS:
            raise ValueError(f"{name} must be one of {PADDING_WORDS}, (ph, pw) or "
                             f"((top, bottom), (left, right)), got {value!r}")
        return value
    try:
        sides = tuple(value)
    except TypeError:
        sides = ()
    if len(sides) == 2 and all(np.ndim(side) == 1 for side in sides):
        (top, bottom), (left, right) = (as_pair(side, name, minimum=0) for side in sides)
        return ((top, bottom), (left, right))
    return as_pair(value, name, minimum=0)


class Field:
    """A state attribute with a default, a check, and a change signal named ``<camel>Changed``.

    ``check(value, name)`` returns the value to keep or raises; ``adapt(state, value)`` fits it
    to the rest of the state. The value lives in the instance's ``__dict__`` under the field's
    name (a data descriptor is found before it).
    """

    def __init__(self, default, check=None, adapt=None):
        self.default = default
        self.check = check
        self.adapt = adapt

    def __set_name__(self, owner, name):
        self.name = name
        head, *rest = name.split("_")
        self.signal = head + "".join(part.title() for part in rest) + "Changed"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return vars(obj).get(self.name, self.default)

    def __set__(self, obj, value):
        if self.check is not None:
            value = self.check(value, self.name)
        if self.adapt is not None:
            value = self.adapt(obj, value)
        if same_value(self.__get__(obj), value):
            return
        vars(obj)[self.name] = value  # under the field's name: the field itself wins lookups
        getattr(obj, self.signal).emit(value)
        obj.changed.emit(self.name)
