"""A stack of 1 to 4 layers, each convolution → activation → optional pooling.

Each layer is one :class:`core.pipeline.PipelineSpec` and runs with
:func:`core.pipeline.run_pipeline`; layer ``l + 1`` reads the ``nc`` maps layer ``l`` produces,
so its kernels must have ``nc`` channels. :func:`stack_fields` gives the receptive field of every
stage (see :mod:`core.nn.receptive`): how many input pixels one pixel of a deep map sees (``r``),
how far apart neighbouring pixels' fields are (``j``), and where they start.
"""

from dataclasses import dataclass

import numpy as np

from .explain import spec_pads
from .nn.receptive import INPUT_FIELD, grow_field, input_region
from .pipeline import PipelineSpec, run_pipeline

__all__ = ["MAX_LAYERS", "LayerShapes", "LayerFields", "FieldStep", "TrailStop", "check_stack",
           "run_stack", "stack_fields", "field_steps", "stage_region", "pixel_trail",
           "pixels_seeing"]

#: The most layers a stack may hold.
MAX_LAYERS = 4


@dataclass(frozen=True)
class LayerShapes:
    """One layer's sizes: what it reads (``input_hw``, ``channels``) and what it makes."""

    input_hw: tuple
    channels: int
    conv_hw: tuple
    pooled_hw: tuple = None
    maps: int = 1

    @property
    def output_hw(self):
        """The size of the layer's output (pooled when it pools)."""
        return self.conv_hw if self.pooled_hw is None else self.pooled_hw


@dataclass(frozen=True)
class LayerFields:
    """Receptive fields (:class:`core.nn.receptive.Field`) of one layer's conv and pooled maps
    (``pooled`` is None without pooling)."""

    conv: object
    pooled: object = None

    @property
    def output(self):
        return self.conv if self.pooled is None else self.pooled


@dataclass(frozen=True)
class FieldStep:
    """One step of the recursion ``r = r_prev + (extent − 1)·j_prev``, ``j = j_prev·stride``
    along one axis, for the stage ``name`` (e.g. ``'layer 2 conv'``)."""

    name: str
    extent: int
    stride: int
    size_before: int
    jump_before: int
    size: int
    jump: int


def _image_shape(image_shape):
    shape = tuple(int(s) for s in image_shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"image_shape must be (h, w) or (h, w, c), got {image_shape!r}")
    return shape[:2], (shape[2] if len(shape) == 3 else 1)


def check_stack(specs, image_shape):
    """Check that ``specs`` make a stack for images of ``image_shape``; return its sizes.

    Parameters
    ----------
    specs : sequence of PipelineSpec
        1 to :data:`MAX_LAYERS` layers; layer ``l + 1``'s kernels have as many channels as
        layer ``l`` has kernels.
    image_shape : (h, w) or (h, w, c)

    Returns
    -------
    list of LayerShapes

    Raises
    ------
    ValueError
        Naming the layer that does not fit and why.

    Examples
    --------
    >>> import numpy as np
    >>> one = PipelineSpec(np.ones((3, 3, 1, 4)), pool_mode="max")
    >>> two = PipelineSpec(np.ones((3, 3, 4, 2)))
    >>> [s.output_hw for s in check_stack([one, two], (28, 28))]
    [(13, 13), (11, 11)]
    >>> check_stack([one, PipelineSpec(np.ones((3, 3, 1, 2)))], (28, 28))
    Traceback (most recent call last):
    ...
    ValueError: layers: layer 2's kernels have 1 channel(s) but layer 2 reads the 4 maps of layer 1; give layer 2 kernels with 4 channels (or layer 1 1 kernel(s))
    """
    specs = list(specs)
    if not 1 <= len(specs) <= MAX_LAYERS:
        raise ValueError(f"layers must hold 1 to {MAX_LAYERS} layers, got {len(specs)}")
    hw, channels = _image_shape(image_shape)
    shapes = []
    for number, spec in enumerate(specs, start=1):
        if not isinstance(spec, PipelineSpec):
            raise TypeError(f"layers: layer {number} must be a PipelineSpec, got "
                            f"{type(spec).__name__}")
        if spec.transposed and len(specs) > 1:
            raise ValueError(f"layers: layer {number} is a transposed convolution, which the "
                             "explorer shows as a single layer only; remove the other layers "
                             "or switch it back to a convolution")
        kernel_channels, maps = spec.kernels.shape[2:]
        if kernel_channels != channels:
            source = "the image" if number == 1 else f"the {channels} maps of layer {number - 1}"
            fix = ("" if number == 1 else
                   f" (or layer {number - 1} {kernel_channels} kernel(s))")
            raise ValueError(f"layers: layer {number}'s kernels have {kernel_channels} "
                             f"channel(s) but layer {number} reads {source}; give layer "
                             f"{number} kernels with {channels} channels{fix}")
        try:
            conv_hw, pooled_hw = spec.shapes(hw)
        except ValueError as exc:
            raise ValueError(f"layers: layer {number} does not fit its {hw[0]}×{hw[1]} "
                             f"input: {exc}") from None
        shapes.append(LayerShapes(hw, channels, conv_hw, pooled_hw, maps))
        hw, channels = (pooled_hw or conv_hw), maps
    return shapes


def run_stack(images, specs, *, dtype=np.float64):
    """Run every layer of ``specs`` in turn on ``images`` ((m, h, w) or (m, h, w, c)).

    Returns the :class:`core.pipeline.PipelineResult` of each layer; layer ``l + 1`` ran on
    layer ``l``'s ``final`` output.

    Examples
    --------
    >>> import numpy as np
    >>> one = PipelineSpec(np.ones((3, 3, 1, 2)), activation="relu", pool_mode="max")
    >>> two = PipelineSpec(np.ones((2, 2, 2, 3)))
    >>> [r.final.shape for r in run_stack(np.ones((1, 10, 10)), [one, two])]
    [(1, 4, 4, 2), (1, 3, 3, 3)]
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must be (m, h, w) or (m, h, w, c), got shape {images.shape}")
    check_stack(specs, images.shape[1:])
    results = []
    x = images
    for spec in specs:
        result = run_pipeline(x, spec, dtype=dtype)
        results.append(result)
        x = result.final
    return results


def _conv_geometry(spec, input_hw):
    kh, kw = spec.kernels.shape[:2]
    pads = spec_pads(spec, input_hw)
    return [(d * (k - 1) + 1, s, p[0]) for k, s, d, p in
            zip((kh, kw), spec.stride, spec.dilation, pads)]


def _pool_geometry(spec):
    return [(k, s, 0) for k, s in zip(spec.pool_shape, spec.pool_stride)]


def stack_fields(specs, image_shape):
    """The receptive field of each layer's conv and pooled maps in the input.

    Examples
    --------
    >>> import numpy as np
    >>> one = PipelineSpec(np.ones((5, 5, 1, 1)), pool_mode="max")
    >>> two = PipelineSpec(np.ones((3, 3, 1, 1)), stride=(2, 2))
    >>> fields = stack_fields([one, two], (28, 28))
    >>> [(f.conv.size[0], f.conv.jump[0]) for f in fields], fields[0].pooled.size
    ([(5, 1), (10, 4)], (6, 6))
    """
    shapes = check_stack(specs, image_shape)
    if any(spec.transposed for spec in specs):
        raise ValueError("layers: receptive fields are shown for convolutions, not for a "
                         "transposed convolution")
    field, fields = INPUT_FIELD, []
    for spec, shape in zip(specs, shapes):
        conv = field = grow_field(field, _conv_geometry(spec, shape.input_hw))
        pooled = None
        if spec.pooled:
            pooled = field = grow_field(field, _pool_geometry(spec))
        fields.append(LayerFields(conv, pooled))
    return fields


def field_steps(specs, image_shape, layer, stage="conv", axis=0):
    """The recursion that gives the field of ``layer``'s ``stage`` maps, step by step.

    ``layer`` counts from 0; ``stage`` is ``'conv'`` or ``'pooled'``; ``axis`` 0 for rows,
    1 for columns. The last step's ``size`` and ``jump`` are the field's.

    Examples
    --------
    >>> import numpy as np
    >>> one = PipelineSpec(np.ones((5, 5, 1, 1)), pool_mode="max")
    >>> two = PipelineSpec(np.ones((3, 3, 1, 1)))
    >>> [(s.name, s.size, s.jump) for s in field_steps([one, two], (28, 28), 1)]
    [('layer 1 conv', 5, 1), ('layer 1 max pool', 6, 2), ('layer 2 conv', 10, 2)]
    """
    if stage not in ("conv", "pooled"):
        raise ValueError(f"stage must be 'conv' or 'pooled', got {stage!r}")
    fields = stack_fields(specs, image_shape)
    if not 0 <= layer < len(fields):
        raise ValueError(f"layer must be 0 to {len(fields) - 1}, got {layer}")
    if stage == "pooled" and fields[layer].pooled is None:
        raise ValueError(f"stage: layer {layer + 1} does not pool")
    shapes = check_stack(specs, image_shape)
    steps, size, jump = [], 1, 1
    for index in range(layer + 1):
        spec = specs[index]
        stages = [("conv", _conv_geometry(spec, shapes[index].input_hw))]
        if spec.pooled:
            stages.append(("pooled", _pool_geometry(spec)))
        for name, geometry in stages:
            extent, stride, _ = geometry[axis]
            label = "conv" if name == "conv" else f"{spec.pool_mode} pool"
            new_size, new_jump = size + (extent - 1) * jump, jump * stride
            steps.append(FieldStep(f"layer {index + 1} {label}", extent, stride, size, jump,
                                   new_size, new_jump))
            size, jump = new_size, new_jump
            if index == layer and name == stage:
                return steps
    return steps


@dataclass(frozen=True)
class TrailStop:
    """Where one deep pixel reads from in an earlier map: ``layer`` (from 0; -1 for the
    input) and ``stage`` (``'conv'``, ``'pooled'`` or ``'input'``), the ``rows`` and ``cols``
    (``range`` objects, clipped to that map) and the map's size ``hw``."""

    layer: int
    stage: str
    rows: range
    cols: range
    hw: tuple


def _stages(specs, shapes):
    """``(layer, stage, geometry, output_hw)`` of every sliding-window step, in order."""
    stages = []
    for index, (spec, shape) in enumerate(zip(specs, shapes)):
        stages.append((index, "conv", _conv_geometry(spec, shape.input_hw), shape.conv_hw))
        if spec.pooled:
            stages.append((index, "pooled", _pool_geometry(spec), shape.pooled_hw))
    return stages


def pixel_trail(specs, image_shape, layer, stage, out_rc):
    """Pixel ``out_rc`` of ``layer``'s ``stage`` maps traced back one map at a time: the
    region it reads in each earlier map, nearest first, the input last.

    Examples
    --------
    >>> import numpy as np
    >>> one = PipelineSpec(np.ones((3, 3, 1, 1)), pool_mode="max")
    >>> two = PipelineSpec(np.ones((3, 3, 1, 1)))
    >>> [(t.layer, t.stage, t.rows) for t in pixel_trail([one, two], (28, 28), 1, "conv", (0, 0))]
    [(0, 'pooled', range(0, 3)), (0, 'conv', range(0, 6)), (-1, 'input', range(0, 8))]
    """
    fields = stack_fields(specs, image_shape)  # checks the stack and the stage
    if stage == "pooled" and fields[layer].pooled is None:
        raise ValueError(f"stage: layer {layer + 1} does not pool")
    shapes = check_stack(specs, image_shape)
    stages = _stages(specs, shapes)
    target = next(i for i, (l, s, _, _) in enumerate(stages) if l == layer and s == stage)
    image_hw = _image_shape(image_shape)[0]
    trail = []
    for source in range(target - 1, -2, -1):
        field = INPUT_FIELD
        for _, _, geometry, _ in stages[source + 1:target + 1]:
            field = grow_field(field, geometry)
        if source < 0:
            where, hw = (-1, "input"), image_hw
        else:
            where, hw = stages[source][:2], stages[source][3]
        rows, cols = input_region(field, out_rc, hw)
        trail.append(TrailStop(where[0], where[1], rows, cols, tuple(hw)))
    return trail


def stage_region(field, out_rc, image_hw, *, clip=True):
    """Input rows and columns (``range`` objects) that pixel ``out_rc`` of a map with receptive
    field ``field`` sees; with ``clip=False`` the rows in the padding are kept.

    Examples
    --------
    >>> from core.nn.receptive import Field
    >>> stage_region(Field((10, 10), (2, 2), (-2, -2)), (0, 1), (28, 28), clip=False)
    (range(-2, 8), range(0, 10))
    """
    if clip:
        return input_region(field, out_rc, image_hw)
    return tuple(range(field.start[a] + out_rc[a] * field.jump[a],
                       field.start[a] + out_rc[a] * field.jump[a] + field.size[a])
                 for a in (0, 1))


def pixels_seeing(field, in_rc, out_hw):
    """The pixels of a map (size ``out_hw``, receptive field ``field``) whose field holds input
    pixel ``in_rc``: ``(rows, cols)`` ranges, empty when none does (the inverse of
    :func:`stage_region`).

    Examples
    --------
    >>> from core.nn.receptive import Field
    >>> pixels_seeing(Field((4, 4), (2, 2), (0, 0)), (5, 0), (13, 13))
    (range(1, 3), range(0, 1))
    """
    ranges = []
    for axis in (0, 1):
        start, size, jump = field.start[axis], field.size[axis], field.jump[axis]
        first = -(-(in_rc[axis] - start - size + 1) // jump)  # ceil division
        last = (in_rc[axis] - start) // jump
        ranges.append(range(max(first, 0), min(last + 1, out_hw[axis])))
    return tuple(ranges)
