"""Short texts of File ▸ Process dataset… (and the other export dialogs): sizes, durations,
the settings of a batch, and the stem of suggested file names.

Examples
--------
>>> size_text(3 * 2**20), size_text(5000), duration_text(75)
('3.0 MB', '5 kB', '1 min 15 s')
>>> file_stem(type("D", (), {"name": "MNIST.npz: X_train"})())
'MNIST'
"""

import numpy as np

from core.choices import ACTIVATION_SHORT_LABELS, ACTIVATIONS, POOL_CHOICES, label

__all__ = ["size_text", "duration_text", "describe_spec", "file_stem"]


def size_text(nbytes):
    """Bytes as ``'12.3 MB'`` (with thousands separators), or ``'N kB'`` under one MB."""
    if nbytes >= 2**20:
        return f"{nbytes / 2**20:,.1f} MB"
    return f"{max(1, round(nbytes / 1024))} kB"


def file_stem(source):
    """A file-name-safe stem of ``source``'s name (its file name without suffix or key)."""
    name = getattr(source, "name", "") or "dataset"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name.split(":")[0]
                   .rsplit(".", 1)[0]) or "dataset"


def duration_text(seconds):
    """``'4.2 s'`` or ``'3 min 05 s'``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def describe_spec(spec):
    """One line of the settings a batch applies: kernels, padding, stride, activation, pooling."""
    kh, kw, c, nc = spec.kernels.shape
    padding = spec.padding if isinstance(spec.padding, str) else f"{spec.padding}"
    parts = [f"{nc} kernel{'s' if nc > 1 else ''} {kh}×{kw}" + (f"×{c}" if c > 1 else ""),
             f"padding {padding}", f"stride {spec.stride}"]
    if spec.transposed:
        parts.insert(0, "transposed convolution")
        if spec.output_padding != (0, 0):
            parts.append(f"output padding {spec.output_padding}")
    elif spec.padding_mode != "zeros":
        parts.append(f"{spec.padding_mode} padding")
    if spec.dilation != (1, 1):
        parts.append(f"dilation {spec.dilation}")
    if any(np.ravel(spec.bias)):
        parts.append(f"bias {', '.join(f'{b:g}' for b in np.ravel(spec.bias))}")
    if spec.flip:
        parts.append("flipped")
    if spec.activation != ACTIVATIONS[0]:
        parts.append(label(ACTIVATION_SHORT_LABELS, spec.activation))
    if spec.pooled:
        parts.append(f"{label(POOL_CHOICES, spec.pool_mode).lower()} {spec.pool_shape} stride "
                     f"{spec.pool_stride}")
    return ", ".join(parts)
