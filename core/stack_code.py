"""Runnable Python for a layer stack: the code *Copy as code* gives for several layers.

Each layer is written as a :class:`core.pipeline.PipelineSpec` with its exact kernel literal and
only the settings that differ from the defaults; :func:`core.stack.run_stack` runs them.
"""

from dataclasses import fields

import numpy as np

from .codegen import format_number, kernel_literal, script_header, source_lines
from .pipeline import PipelineSpec
from .stack import check_stack

__all__ = ["stack_snippet"]

_DEFAULTS = {f.name: f.default for f in fields(PipelineSpec) if f.name != "kernels"}


def _value_code(value):
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return format_number(value)
    return "(" + ", ".join(_value_code(v) for v in value) + ("," if len(value) == 1 else "") + ")"


def _same(a, b):
    return np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)) \
        if not isinstance(a, str) and not isinstance(b, str) else a == b


def _layer_code(number, spec):
    kh, kw, c, nc = spec.kernels.shape
    body = kernel_literal(spec.kernels.transpose(3, 2, 0, 1),
                          [f"kernel {n}" for n in range(nc)])
    options = []
    for name, default in _DEFAULTS.items():
        value = getattr(spec, name)
        if name == "bias" and not np.any(np.asarray(value) != 0):
            continue
        if not _same(value, default):
            options.append(f"{name}={_value_code(value)}")
    lines = [f"# Layer {number}: {nc} kernel(s) {kh}×{kw} on {c} channel(s)",
             f"kernels_{number} = {body}.transpose(2, 3, 1, 0)  # -> (kh, kw, c, nc) = "
             f"{(kh, kw, c, nc)}"]
    args = ", ".join([f"kernels_{number}"] + options)
    lines.append(f"layer_{number} = PipelineSpec({args})")
    return lines


def stack_snippet(specs, *, image_source=None, index=0, image_shape=None):
    """Runnable Python that reproduces a layer stack's output with ``core``.

    The script ends with ``results`` (each layer's :class:`core.pipeline.PipelineResult`) and
    ``output``, the last layer's final maps ``(m, oh, ow, nc)``. ``image_source``, ``index``
    and ``image_shape`` are as for :func:`core.codegen.python_snippet`.

    Examples
    --------
    >>> import numpy as np
    >>> specs = [PipelineSpec(np.ones((3, 3, 1, 2)), activation="relu", pool_mode="max"),
    ...          PipelineSpec(np.ones((3, 3, 2, 1)), padding="same")]
    >>> namespace = {"images": np.ones((1, 10, 10))}
    >>> exec(stack_snippet(specs), namespace)
    >>> namespace["output"].shape
    (1, 4, 4, 1)
    """
    specs = list(specs)
    if image_shape is not None:
        image_shape = tuple(int(v) for v in image_shape)
        shapes = check_stack(specs, image_shape)
    lines_in, loads = source_lines(image_source, index, image_shape)
    lines = script_header() + ["import core.stack", "from core.pipeline import PipelineSpec"]
    lines += lines_in
    lines += ["", f"# A stack of {len(specs)} layers: each convolution → activation → pooling "
              "reads the maps of the layer before."]
    for number, spec in enumerate(specs, start=1):
        lines.append("")
        lines += _layer_code(number, spec)
    layer_list = ", ".join(f"layer_{n}" for n in range(1, len(specs) + 1))
    lines += ["", f"results = core.stack.run_stack(images, [{layer_list}])",
              "output = results[-1].final  # the last layer's maps, (m, oh, ow, nc)"]
    if image_shape is not None:
        hw, nc = shapes[-1].output_hw, specs[-1].kernels.shape[3]
        count = 1 if loads and index is not None else "m"
        lines.append(f"# output.shape == ({count}, {hw[0]}, {hw[1]}, {nc})")
    return "\n".join(lines) + "\n"
