"""The Layers tab's texts: the size arithmetic of the stack and the receptive field of a pixel.

:func:`sizes_html` writes each layer's output size with the numbers put in; :func:`field_html`
writes the receptive-field recursion ``r_l = r_{l−1} + (k_l − 1)·j_{l−1}``,
``j_l = j_{l−1}·s_l`` for one pixel; :func:`trail_text` says which pixel one layer back it
reads.
"""

from core import choices
from core.explain import spec_pads
from core.stack import field_steps, pixel_trail, stack_fields, stage_region

from .operation_panel import size_formula, transposed_size_formula

__all__ = ["sizes_html", "field_html", "field_steps_html", "trail_text", "stage_name"]


def stage_name(spec, stage):
    """What a stage of a layer is called: ``'conv → ReLU'``, ``'max pool'``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> stage_name(PipelineSpec(np.ones((3, 3, 1, 1)), activation="abs"), "conv")
    'conv → |x|'
    """
    if stage == "conv":
        name = "transposed conv" if spec.transposed else "conv"
        if spec.activation != "none":
            name += " → " + choices.label(choices.ACTIVATION_SHORT_LABELS, spec.activation)
        return name
    return f"{spec.pool_mode} pool"

def sizes_html(specs, image_shape, selected=0):
    """Each layer's size arithmetic, one line per layer, as HTML.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> text = sizes_html([PipelineSpec(np.ones((3, 3, 1, 2)), pool_mode="max")], (28, 28))
    >>> "28 + 0 + 0 − 3 + 1 = 26" in text and "⌊(26 + 0 + 0 − 2) / 2⌋ + 1 = 13" in text
    True
    """
    hw = tuple(image_shape[:2])
    channels = image_shape[2] if len(image_shape) > 2 else 1
    lines = []
    for index, spec in enumerate(specs):
        kh, kw, _, nc = spec.kernels.shape
        pads = spec_pads(spec, hw)
        parts = []
        for axis, (size, k, pad) in enumerate(zip(hw, (kh, kw), pads)):
            if spec.transposed:
                parts.append(transposed_size_formula(size, k, pad, spec.stride[axis],
                                                     spec.dilation[axis],
                                                     spec.output_padding[axis]))
            else:
                parts.append(size_formula(size, k, pad, spec.stride[axis], spec.dilation[axis]))
        conv_hw, pooled_hw = spec.shapes(hw)
        conv = parts[0] if parts[0] == parts[1] else f"{parts[0]} (rows), {parts[1]} (cols)"
        conv_name = "transposed conv" if spec.transposed else "conv"
        line = f"{hw[0]}×{hw[1]}×{channels} → {conv_name} {kh}×{kw}: {conv}"
        if spec.activation != "none":
            line += " → " + choices.label(choices.ACTIVATION_SHORT_LABELS, spec.activation)
        if pooled_hw is not None:
            pool = [size_formula(s, k, (0, 0), st, 1) for s, k, st in
                    zip(conv_hw, spec.pool_shape, spec.pool_stride)]
            pool = pool[0] if pool[0] == pool[1] else f"{pool[0]} (rows), {pool[1]} (cols)"
            line += f" → {spec.pool_mode} pool {spec.pool_shape[0]}×{spec.pool_shape[1]}: {pool}"
        out = pooled_hw or conv_hw
        line += f" → <b>{out[0]}×{out[1]}×{nc}</b>"
        name = f"<b>Layer {index + 1}</b>"
        if index == selected:
            name = f"<span style='color:#0a7'>{name} (editing)</span>"
        lines.append(f"{name}: {line}")
        hw, channels = out, nc
    return "<br>".join(lines)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _steps_text(steps, letter_r="r", letter_j="j"):
    parts = []
    for n, step in enumerate(steps, start=1):
        i, p = str(n).translate(_SUB), str(n - 1).translate(_SUB)
        parts.append(f"{step.name} (k {step.extent}, s {step.stride}): "
                     f"{letter_r}{i} = {letter_r}{p} + ({step.extent} − 1)·{letter_j}{p} = "
                     f"{step.size_before} + {step.extent - 1}·{step.jump_before} = "
                     f"<b>{step.size}</b>, {letter_j}{i} = {letter_j}{p}·{step.stride} = "
                     f"{step.jump_before}·{step.stride} = <b>{step.jump}</b>")
    return "; ".join(parts)


def field_html(specs, image_shape, spot):
    """Where pixel ``spot`` looks in the input, with the recursion of its size and jump.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> from convgui.pixel_ref import Spot
    >>> specs = [PipelineSpec(np.ones((5, 5, 1, 1)), pool_mode="max"),
    ...          PipelineSpec(np.ones((3, 3, 1, 1)))]
    >>> text = field_html(specs, (28, 28), Spot(1, "conv", 0, 0, 0))
    >>> "input rows 0…9, cols 0…9" in text, "6 + (3 − 1)·2 = <b>10</b>" in text
    (True, True)
    """
    image_hw = tuple(image_shape[:2])
    field = getattr(stack_fields(specs, image_shape)[spot.layer], spot.stage)
    rows, cols = stage_region(field, (spot.row, spot.col), image_hw)
    full_rows, full_cols = stage_region(field, (spot.row, spot.col), image_hw, clip=False)
    padding = "" if (rows, cols) == (full_rows, full_cols) else \
        " (the rest of its field is padding, dashed)"
    head = (f"<b>L{spot.layer + 1} {stage_name(specs[spot.layer], spot.stage)} "
            f"K{spot.kernel + 1} [{spot.row}, {spot.col}]</b> sees input rows "
            f"{rows.start}…{rows.stop - 1}, cols {cols.start}…{cols.stop - 1}{padding}: "
            f"field r = {field.size[0]}×{field.size[1]}, jump j = "
            f"{field.jump[0]}×{field.jump[1]}.")
    lines = [head]
    row_steps = field_steps(specs, image_shape, spot.layer, spot.stage, axis=0)
    col_steps = field_steps(specs, image_shape, spot.layer, spot.stage, axis=1)
    axes = [("", row_steps)]
    if [(s.extent, s.stride) for s in col_steps] != [(s.extent, s.stride) for s in row_steps]:
        axes.append(("Columns: ", col_steps))
    for label, steps in axes:
        last = steps[-1]
        n, p = str(len(steps)).translate(_SUB), str(len(steps) - 1).translate(_SUB)
        chain_r = " → ".join(["1"] + [str(s.size) for s in steps])
        chain_j = " → ".join(["1"] + [str(s.jump) for s in steps])
        lines.append(f"{label}r: {chain_r}, j: {chain_j}; last step ({last.name}): "
                     f"r{n} = r{p} + (k − 1)·j{p} = {last.size_before} + ({last.extent} − 1)·"
                     f"{last.jump_before} = <b>{last.size}</b>, j{n} = j{p}·s = "
                     f"{last.jump_before}·{last.stride} = <b>{last.jump}</b>")
    return "<br>".join(lines)


def field_steps_html(specs, image_shape, spot, axis=0):
    """Every step of the recursion for ``spot``'s field along ``axis``, as HTML."""
    steps = field_steps(specs, image_shape, spot.layer, spot.stage, axis=axis)
    return "r₀ = 1, j₀ = 1<br>" + _steps_text(steps).replace("; ", "<br>")


def trail_text(specs, image_shape, spot):
    """The inspector's "one layer back at a time" line for a deep pixel."""
    trail = pixel_trail(specs, image_shape, spot.layer, spot.stage, (spot.row, spot.col))
    pieces = []
    for stop in trail:
        where = "input" if stop.stage == "input" else \
            f"L{stop.layer + 1} {'pool' if stop.stage == 'pooled' else 'conv'}"
        pieces.append(f"{where} rows {stop.rows.start}…{stop.rows.stop - 1}, cols "
                      f"{stop.cols.start}…{stop.cols.stop - 1}")
    return "<span style='color:#555'>Reads " + " ← ".join(pieces) + "</span>"
