"""The explorer's single source of truth.

Every widget reads what it shows from an :class:`ExplorerState` and writes user edits back into
it; views redraw when its signals fire. A field emits its signal (and the generic ``changed``)
only when its value really changes, which keeps two-way bindings free of feedback loops.

Kernels are stored as one read-only float64 array of shape ``(kh, kw, c, nc)``: ``c`` matches the
channels the layer reads (the dataset's for layer 1) and ``nc`` is the number of kernels in the
bank. Edits replace the whole array.

The computation is a stack of 1 to 4 layers (``layers``, one ``PipelineSpec`` each). The
operation fields (``kernels``, ``padding``, ``stride``, …) always hold the SELECTED layer
(``selected_layer``), so every control edits that layer; :meth:`ExplorerState.select_layer`
stores them into ``layers`` and loads another layer's, as one undo step.

Each field is a :class:`convgui.state_fields.Field` checked with the core's own checks.
"""

from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from core import PADDING_MODES
from core._checks import as_flag, as_pair
from core.choices import COLORMAPS, MAPPINGS, POOLINGS, channel_names
from core.kernels import MAX_KERNEL_SIZE
from core.pipeline import ACTIVATIONS, PipelineSpec
from core.sheets import image_range
from core.stack import MAX_LAYERS, check_stack

from .state_fields import (DISPLAY_FIELDS, PARAMETER_FIELDS, STACK_FIELDS, Field, check_bias,
                           check_kernels, check_levels, check_padding, check_range,
                           check_selected, choice, fit_bias, fit_channels, same_value)

__all__ = ["ExplorerState", "same_value", "ACTIVATIONS", "COLORMAPS", "MAPPINGS",
           "MAX_KERNEL_SIZE", "PARAMETER_FIELDS", "DISPLAY_FIELDS", "STACK_FIELDS", "MAX_LAYERS",
           "layer_spec"]


def _check_layers(value, name):
    layers = tuple(value)
    if not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"{name} must hold 1 to {MAX_LAYERS} layers, got {len(layers)}")
    return tuple(spec if isinstance(spec, PipelineSpec) else layer_spec(spec, f"{name}[{i}]")
                 for i, spec in enumerate(layers))


def _check_layer_index(value, name):
    value = int(value)
    if not 0 <= value < MAX_LAYERS:
        raise ValueError(f"{name} must be 0 to {MAX_LAYERS - 1}, got {value}")
    return value


def layer_spec(values, name="layer"):
    """A :class:`core.pipeline.PipelineSpec` from a table of field values (e.g. read back from a
    settings file), each checked as the state checks it; missing fields take their defaults.

    Examples
    --------
    >>> spec = layer_spec({"kernels": [[1, 0], [0, -1]], "stride": [2, 2], "bias": [0.5]})
    >>> spec.kernels.shape, spec.stride, spec.bias
    ((2, 2, 1, 1), (2, 2), (0.5,))
    """
    if not isinstance(values, dict):
        raise TypeError(f"{name} must be a table of layer settings, got {type(values).__name__}")
    unknown = set(values) - set(PARAMETER_FIELDS)
    if unknown:
        raise ValueError(f"{name}: unknown setting(s) {sorted(unknown)}")
    checked = {}
    for field_name in PARAMETER_FIELDS:
        field = ExplorerState.__dict__[field_name]
        value = values.get(field_name, field.default)
        checked[field_name] = field.check(value, f"{name} {field_name}") if field.check else value
    nc = checked["kernels"].shape[3]
    bias = checked["bias"]
    checked["bias"] = tuple(bias[:nc]) + (0.0,) * (nc - len(bias))
    return PipelineSpec(**checked)


class ExplorerState(QObject):
    """Dataset, image index, kernel bank, operation and display settings, with change signals.

    Examples
    --------
    >>> state = ExplorerState()
    >>> state.stride = (2, 2)
    >>> state.stride
    (2, 2)
    """

    changed = pyqtSignal(str)
    datasetChanged = pyqtSignal(object)
    indexChanged = pyqtSignal(int)
    kernelsChanged = pyqtSignal(object)
    activeKernelChanged = pyqtSignal(int)
    activeChannelChanged = pyqtSignal(int)
    paddingChanged = pyqtSignal(object)
    strideChanged = pyqtSignal(object)
    dilationChanged = pyqtSignal(object)
    flipChanged = pyqtSignal(bool)
    paddingModeChanged = pyqtSignal(str)
    biasChanged = pyqtSignal(object)
    transposedChanged = pyqtSignal(bool)
    outputPaddingChanged = pyqtSignal(object)
    layersChanged = pyqtSignal(object)
    selectedLayerChanged = pyqtSignal(int)
    #: A change of several fields that is one step for undo begins / ends.
    stepStarted = pyqtSignal()
    stepFinished = pyqtSignal()
    activationChanged = pyqtSignal(str)
    poolModeChanged = pyqtSignal(str)
    poolShapeChanged = pyqtSignal(object)
    poolStrideChanged = pyqtSignal(object)
    colormapChanged = pyqtSignal(str)
    mappingChanged = pyqtSignal(str)
    valueRangeChanged = pyqtSignal(object)
    selectedMapChanged = pyqtSignal(object)
    displayLevelsChanged = pyqtSignal(object)

    dataset = Field(None)
    index = Field(0, lambda v, n: int(v))
    kernels = Field(np.array([[[[1.0]]]]), check_kernels, fit_channels)
    active_kernel = Field(0, lambda v, n: int(v))
    active_channel = Field(0, lambda v, n: int(v))
    padding = Field("valid", check_padding)
    stride = Field((1, 1), as_pair)
    dilation = Field((1, 1), as_pair)
    flip = Field(False, as_flag)
    padding_mode = Field("zeros", choice(PADDING_MODES))
    bias = Field((0.0,), check_bias, fit_bias)
    transposed = Field(False, as_flag)
    output_padding = Field((0, 0), lambda v, n: as_pair(v, n, minimum=0))
    activation = Field("none", choice(ACTIVATIONS))
    pool_mode = Field("off", choice(POOLINGS))
    pool_shape = Field((2, 2), as_pair)
    pool_stride = Field((2, 2), as_pair)
    layers = Field((PipelineSpec(np.array([[[[1.0]]]])),), _check_layers)
    selected_layer = Field(0, _check_layer_index)
    colormap = Field("gray", choice(COLORMAPS))
    mapping = Field("minmax", choice(MAPPINGS))
    #: The range the dataset's pixel values are meant in (finite values only): how the input
    #: is drawn and what the 'clip' mapping clips to.
    value_range = Field((0.0, 1.0), check_range)
    #: The output map whose levels the histogram shows and controls: ``(kind, kernel)``.
    selected_map = Field(("conv", 0), check_selected)
    #: Levels set by hand (histogram) for the selected map, or None for the mapping's own.
    display_levels = Field(None, check_levels)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.datasetChanged.connect(self.fit_to_dataset)
        self.kernelsChanged.connect(self._clamp_active)
        # Levels set by hand belong to one map under one mapping.
        self.selectedMapChanged.connect(lambda _: setattr(self, "display_levels", None))
        self.mappingChanged.connect(lambda _: setattr(self, "display_levels", None))

    # -- convenience -------------------------------------------------------------------------

    @property
    def dataset_channels(self):
        """Channels of the current dataset's images (1 for grayscale or no dataset)."""
        images = getattr(self.dataset, "images", None)
        return 1 if images is None or images.ndim == 3 else int(images.shape[3])

    @property
    def channels(self):
        """Channels the selected layer reads: the dataset's for layer 1, else the number of
        kernels of the layer before."""
        layer = self.selected_layer
        if layer == 0 or layer > len(self.layers):
            return self.dataset_channels
        return int(self.layers[layer - 1].kernels.shape[3])

    def channel_labels(self, first=1):
        """Names of the channels the selected layer reads: the image's (R, G, B or numbers
        from ``first``) for layer 1, ``M1``, ``M2``, … (the maps of the layer before) deeper.

        Examples
        --------
        >>> state = ExplorerState()
        >>> state.add_layer()
        >>> state.channel_labels()
        ('M1',)
        """
        if self.selected_layer == 0:
            return channel_names(self.channels, first=first)
        return tuple(f"M{i + 1}" for i in range(self.channels))

    @property
    def image(self):
        """The current image, ``(h, w)`` or ``(h, w, c)``, or ``None`` without a dataset."""
        if self.dataset is None:
            return None
        return self.dataset.images[self.index]

    @property
    def kernel_2d(self):
        """The (kh, kw) slice of the bank under edit (active kernel, active channel)."""
        return self.kernels[:, :, self.active_channel, self.active_kernel]

    def set_kernel_2d(self, values):
        """Replace the active kernel's active channel with ``values`` (same kh, kw)."""
        values = np.asarray(values, dtype=np.float64)
        bank = np.array(self.kernels)
        if values.shape != bank.shape[:2]:
            raise ValueError(f"values must have the kernel's shape {bank.shape[:2]}, "
                             f"got {values.shape}")
        bank[:, :, self.active_channel, self.active_kernel] = values
        self.kernels = bank

    def spec(self):
        """The :class:`core.pipeline.PipelineSpec` of the current settings."""
        transposed = self.transposed
        return PipelineSpec(kernels=self.kernels, padding=self.padding, stride=self.stride,
                            dilation=self.dilation, flip=self.flip, activation=self.activation,
                            pool_mode=self.pool_mode, pool_shape=self.pool_shape,
                            pool_stride=self.pool_stride,
                            padding_mode="zeros" if transposed else self.padding_mode,
                            bias=fit_bias(self, self.bias), transposed=transposed,
                            output_padding=self.output_padding if transposed else (0, 0))

    def single_layer_spec(self):
        """:meth:`spec`, for tools that apply one layer to the dataset's images; a ValueError
        says why not when the stack holds several layers."""
        if self.layer_count > 1:
            raise ValueError(f"layers: this works on one layer, and the stack holds "
                             f"{self.layer_count}; remove layers 2 to {self.layer_count} "
                             "(− Layer, undo brings them back) to process with layer 1 alone")
        return self.spec()

    def parameters(self):
        """A snapshot of the computation's settings: the stack (``STACK_FIELDS``) first, then
        the selected layer's (``PARAMETER_FIELDS``)."""
        return {name: getattr(self, name) for name in STACK_FIELDS + PARAMETER_FIELDS}

    def apply_parameters(self, snapshot):
        """Restore a snapshot taken with :meth:`parameters` (e.g. for undo), as one step."""
        with self.one_step():
            for name in STACK_FIELDS + PARAMETER_FIELDS:
                if name in snapshot:
                    setattr(self, name, snapshot[name])

    # -- the layer stack ---------------------------------------------------------------------

    @contextmanager
    def one_step(self):
        """Changes made inside are one step for undo (calls nest)."""
        self.stepStarted.emit()
        try:
            yield
        finally:
            self.stepFinished.emit()

    @property
    def layer_count(self):
        return len(self.layers)

    def layer_input_hw(self):
        """``(height, width)`` of what the selected layer reads: the image for layer 1, the
        maps of the layer before for deeper ones; None without an image.

        Examples
        --------
        >>> import numpy as np
        >>> from core.datasets import Dataset
        >>> state = ExplorerState()
        >>> state.dataset = Dataset(np.zeros((1, 28, 28)), name="zeros")
        >>> state.pool_mode = "max"
        >>> state.add_layer()                      # pooled 2×2: layer 2 reads 14×14 maps
        >>> state.layer_input_hw()
        (14, 14)
        """
        if self.image is None:
            return None
        image_hw = tuple(int(v) for v in np.shape(self.image)[:2])
        if self.layer_count < 2 or self.selected_layer == 0:
            return image_hw
        try:
            shapes = check_stack(self.stack(), np.shape(self.image))
        except (ValueError, TypeError):
            return image_hw
        return tuple(int(v) for v in shapes[min(self.selected_layer, len(shapes) - 1)].input_hw)

    def stack(self):
        """Every layer's :class:`core.pipeline.PipelineSpec`, the selected one from the fields.

        Examples
        --------
        >>> state = ExplorerState()
        >>> state.add_layer()
        >>> [spec.kernels.shape for spec in state.stack()]
        [(1, 1, 1, 1), (3, 3, 1, 1)]
        """
        layers = list(self.layers)
        selected = min(self.selected_layer, len(layers) - 1)
        layers[selected] = self.spec()
        return layers

    def _load_layer(self, spec):
        for name in PARAMETER_FIELDS:
            setattr(self, name, getattr(spec, name))

    def select_layer(self, layer):
        """Make ``layer`` (from 0) the one the controls edit: the fields are stored into
        ``layers`` and the other layer's loaded, as one undo step."""
        layer = int(layer)
        if not 0 <= layer < self.layer_count:
            raise ValueError(f"layer must be 0 to {self.layer_count - 1}, got {layer}")
        if layer == self.selected_layer:
            return
        with self.one_step():
            stack = tuple(self.stack())
            self.layers = stack
            self.selected_layer = layer
            self._load_layer(stack[layer])

    def add_layer(self):
        """Append a layer after the last one and select it.

        The new layer reads the maps of the layer before: one 3×3 kernel per map, each
        averaging its own map (a blur), then ReLU and, while the maps are large enough to halve,
        a 2×2 max pooling.
        """
        if self.layer_count >= MAX_LAYERS:
            raise ValueError(f"layers: the stack holds the most layers there can be "
                             f"({MAX_LAYERS})")
        stack = self.stack()
        if any(spec.transposed for spec in stack):
            raise ValueError("layers: a transposed convolution is shown as a single layer; "
                             "switch it back to a convolution to stack layers on it")
        maps = int(stack[-1].kernels.shape[3])
        bank = np.zeros((3, 3, maps, maps))
        for k in range(maps):
            bank[:, :, k, k] = 1.0 / 9.0
        pooled = True
        image = self.image
        if image is not None:
            try:
                last = check_stack(stack, np.shape(image))[-1].output_hw
                pooled = min(last) >= 6
            except ValueError:
                pass
        new = PipelineSpec(bank, padding="same", activation="relu",
                           pool_mode="max" if pooled else "off")
        with self.one_step():
            self.layers = tuple(stack) + (new,)
            self.selected_layer = len(stack)
            self._load_layer(new)

    def remove_layer(self, layer=None):
        """Remove ``layer`` (the selected one by default; never the only one). The layer after
        it gets kernels for the maps it now reads (each kernel's channels averaged and
        repeated) and the one before it becomes selected."""
        layer = self.selected_layer if layer is None else int(layer)
        if self.layer_count <= 1:
            raise ValueError("layers: the only layer cannot be removed")
        if not 0 <= layer < self.layer_count:
            raise ValueError(f"layer must be 0 to {self.layer_count - 1}, got {layer}")
        stack = self.stack()
        del stack[layer]
        if layer < len(stack):
            reads = (self.dataset_channels if layer == 0
                     else int(stack[layer - 1].kernels.shape[3]))
            bank = stack[layer].kernels
            if bank.shape[2] != reads:
                bank = np.repeat(bank.mean(axis=2, keepdims=True), reads, axis=2)
                stack[layer] = replace(stack[layer], kernels=bank)
        selected = max(layer - 1, 0)
        with self.one_step():
            self.layers = tuple(stack)
            self.selected_layer = selected
            self._load_layer(stack[selected])

    def show_dataset(self, dataset):
        """Switch to ``dataset`` at its first image, with the display facts that belong to it
        (its value range; the first kernel's map selected, automatic levels)."""
        self.value_range = image_range(dataset.images)
        self.selected_map = ("conv", 0)
        self.display_levels = None
        self.index = 0
        self.dataset = dataset

    # -- invariants --------------------------------------------------------------------------

    def fit_to_dataset(self, dataset):
        """Keep layer 1's channel count and the image index valid for a new dataset."""
        if dataset is None:
            return
        count = len(dataset.images)
        if self.index >= count:
            self.index = count - 1
        c = self.dataset_channels
        if self.selected_layer == 0:
            bank = self.kernels
            if bank.shape[2] != c:
                # Reuse the first channel's weights in every channel of the new data.
                self.kernels = np.repeat(bank[:, :, :1, :], c, axis=2)
        else:
            first = self.layers[0]
            if first.kernels.shape[2] != c:
                bank = np.repeat(first.kernels[:, :, :1, :], c, axis=2)
                self.layers = (replace(first, kernels=bank),) + tuple(self.layers[1:])
        if self.active_channel >= self.channels:
            self.active_channel = 0

    def _clamp_active(self, bank):
        if len(self.bias) != bank.shape[3]:
            self.bias = self.bias
        if self.active_kernel >= bank.shape[3]:
            self.active_kernel = bank.shape[3] - 1
        if self.active_channel >= bank.shape[2]:
            self.active_channel = bank.shape[2] - 1
