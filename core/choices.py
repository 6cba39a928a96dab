"""Every user-facing choice in one table: the key the code uses and the label people read.

The window's combo boxes, the command line's ``choices=``, the inspector, the batch summary and
the generated code all read these tables, so a new activation or pooling mode is added once.

Examples
--------
>>> keys(ACTIVATION_CHOICES)
('none', 'relu', 'abs')
>>> label(POOL_CHOICES, "max")
'Max pooling'
>>> channel_names(3), channel_names(2)
(('R', 'G', 'B'), ('1', '2'))
>>> POOLINGS, PADDING_WORDS
(('off', 'max', 'avg'), ('valid', 'same', 'full'))
>>> label(ACTIVATION_SHORT_LABELS, "abs"), label(ACTIVATION_FUNCTION_NAMES, "abs")
('|x|', 'abs')
>>> label(PADDING_MODE_CHOICES, "reflect")
'Reflect   c b | a b c'
"""

from .engine import POOL_MODES
from .geometry import PADDING_WORDS
from .padding import PADDING_MODES

__all__ = ["ACTIVATION_CHOICES", "ACTIVATION_SHORT_LABELS", "ACTIVATION_FUNCTION_NAMES",
           "PADDING_CHOICES", "PADDING_MODE_CHOICES", "POOL_CHOICES",
           "OPTIMIZER_CHOICES", "CONV1D_MODE_CHOICES", "COLORMAP_CHOICES", "MAPPING_CHOICES",
           "COLORMAPS", "MAPPINGS", "ACTIVATIONS", "POOLINGS", "PADDING_WORDS", "keys", "label",
           "channel_names", "channel_long_names", "CHANNEL_LONG_NAMES"]

#: ``(key, label)`` for the activation applied after the convolution.
ACTIVATION_CHOICES = (("none", "None"), ("relu", "ReLU  max(x, 0)"), ("abs", "Absolute |x|"))
#: ``(key, label)`` for the activation where space is short: titles of maps, one-line summaries.
ACTIVATION_SHORT_LABELS = (("none", "none"), ("relu", "ReLU"), ("abs", "|x|"))
#: ``(key, name)`` for the activation written as a function of a value: ``ReLU(-2) = 0``.
ACTIVATION_FUNCTION_NAMES = (("none", "identity"), ("relu", "ReLU"), ("abs", "abs"))

_PADDING_LABELS = {"valid": "Valid (no padding)", "same": "Same (size ÷ stride)",
                   "full": "Full (k − 1 each side)"}
#: ``(key, label)`` for padding: the core's words, then explicit amounts (``"custom"``).
PADDING_CHOICES = (tuple((word, _PADDING_LABELS[word]) for word in PADDING_WORDS)
                   + (("custom", "Custom (ph, pw)"),))

_PADDING_MODE_LABELS = {"zeros": "Zeros   0 0 | a b c", "reflect": "Reflect   c b | a b c",
                        "replicate": "Replicate   a a | a b c",
                        "circular": "Circular   b c | a b c",
                        "symmetric": "Symmetric   b a | a b c"}
#: ``(key, label)`` for what fills the padding (:data:`core.padding.PADDING_MODES`), the label
#: drawing the two values padded on the left of a row ``a b c``.
PADDING_MODE_CHOICES = tuple((mode, _PADDING_MODE_LABELS[mode]) for mode in PADDING_MODES)

_POOL_LABELS = {"max": "Max pooling", "avg": "Average pooling"}
#: ``(key, label)`` for pooling: ``"off"`` then the core's pooling modes.
POOL_CHOICES = (("off", "Off"),) + tuple((mode, _POOL_LABELS[mode]) for mode in POOL_MODES)

#: ``(key, label)`` for the 1-D lesson's modes (NumPy's ``np.convolve`` modes), the label saying
#: what the mode pads.
CONV1D_MODE_CHOICES = (("full", "k - 1 zeros on each side: every overlap"),
                       ("same", "as many outputs as signal values (NumPy's centring)"),
                       ("valid", "no padding: only where the kernel fits"))

#: ``(key, label)`` for the colours of a map (:func:`core.sheets.render_tile`).
COLORMAP_CHOICES = (("gray", "Gray"), ("viridis", "Viridis (perceptual)"),
                    ("diverging", "Blue–white–red (diverging)"))

#: ``(key, label)`` for which values of a map are shown (:func:`core.sheets.levels_for`).
MAPPING_CHOICES = (("minmax", "Min–max"), ("abs", "Absolute value"),
                   ("clip", "Clip to image range"), ("symmetric", "Symmetric around 0"))

#: ``(key, label)`` for the optimiser that trains a network (:func:`core.nn.make_optimizer`).
OPTIMIZER_CHOICES = (("adam", "Adam"), ("sgd", "SGD with momentum 0.9"))

#: The activation keys (what :func:`core.pipeline.activate` accepts).
ACTIVATIONS = tuple(key for key, _ in ACTIVATION_CHOICES)
#: The pooling keys: ``'off'`` and the pooling modes.
POOLINGS = tuple(key for key, _ in POOL_CHOICES)
#: The colormap keys and the value-mapping keys.
COLORMAPS = tuple(key for key, _ in COLORMAP_CHOICES)
MAPPINGS = tuple(key for key, _ in MAPPING_CHOICES)

_SHORT = {3: ("R", "G", "B"), 4: ("R", "G", "B", "A")}
#: Long channel names for prose and generated code.
CHANNEL_LONG_NAMES = {3: ("red", "green", "blue"), 4: ("red", "green", "blue", "alpha")}


def keys(choices):
    """The keys of a ``(key, label)`` table, in order."""
    return tuple(key for key, _ in choices)


def label(choices, key):
    """The label of ``key`` in a ``(key, label)`` table.

    Raises ``ValueError`` naming the valid keys when ``key`` is not in the table.
    """
    for candidate, text in choices:
        if candidate == key:
            return text
    raise ValueError(f"key must be one of {keys(choices)}, got {key!r}")


def channel_names(channels, *, first=1):
    """Short names of ``channels`` channels: R, G, B (and A) for colour, else numbers from
    ``first``."""
    return _SHORT.get(channels, tuple(str(i + first) for i in range(channels)))


def channel_long_names(channels):
    """Long names of ``channels`` channels (red, green, blue, alpha), or None when they are not
    colours.

    Examples
    --------
    >>> channel_long_names(3), channel_long_names(2)
    (('red', 'green', 'blue'), None)
    """
    return CHANNEL_LONG_NAMES.get(channels)
