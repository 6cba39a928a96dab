"""A small CNN layer: convolution, then an activation, then optional pooling.

The explorer window, its exports and the batch tools all describe "what to compute" with one
:class:`PipelineSpec` and run it with :func:`run_pipeline`, so the view, the exported arrays and the
copied code can never disagree.
"""

from dataclasses import dataclass, field

import numpy as np

from .choices import ACTIVATIONS, POOLINGS
from .engine import conv2d, pool2d
from .geometry import output_shape
from .padding import check_padding_mode
from .pooling import empty_map_major
from .transpose import conv_transpose2d

__all__ = ["ACTIVATIONS", "PipelineSpec", "PipelineResult", "run_pipeline", "run_pipeline_into",
           "activate", "convolve"]


def activate(values, activation, *, out=None):
    """Apply ``'none'``, ``'relu'`` (max(x, 0)) or ``'abs'`` (|x|) and return the result.

    ``out`` (e.g. ``values`` itself) receives the result instead of a new array.

    Examples
    --------
    >>> import numpy as np
    >>> activate(np.array([-2.0, 3.0]), 'relu')
    array([0., 3.])
    >>> values = np.array([-2.0, 3.0])
    >>> activate(values, 'abs', out=values) is values, values
    (True, array([2., 3.]))
    """
    if activation == "none":
        if out is None or out is values:
            return values
        out[...] = values
        return out
    if activation == "relu":
        return np.maximum(values, 0, out=out)
    if activation == "abs":
        return np.abs(values, out=out)
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


@dataclass(frozen=True)
class PipelineSpec:
    """Everything that defines one layer's computation.

    ``kernels`` is always a ``(kh, kw, c, nc)`` bank; outputs are therefore ``(m, oh, ow, nc)``.
    ``pool_mode`` is ``'off'``, ``'max'`` or ``'avg'``. ``bias`` is a number or one per kernel,
    added before the activation. ``transposed`` runs :func:`core.transpose.conv_transpose2d`
    (with ``padding`` as pixel counts, ``output_padding``; ``padding_mode`` must be zeros).
    """

    kernels: np.ndarray
    padding: object = "valid"
    stride: tuple = (1, 1)
    dilation: tuple = (1, 1)
    flip: bool = False
    activation: str = "none"
    pool_mode: str = "off"
    pool_shape: tuple = (2, 2)
    pool_stride: tuple = (2, 2)
    padding_mode: str = "zeros"
    bias: object = 0.0
    transposed: bool = False
    output_padding: tuple = (0, 0)

    def __post_init__(self):
        kernels = np.asarray(self.kernels, dtype=np.float64)
        if kernels.ndim != 4:
            raise ValueError(f"kernels must be a (kh, kw, c, nc) bank, got shape {kernels.shape}")
        object.__setattr__(self, "kernels", kernels)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if self.pool_mode not in POOLINGS:
            raise ValueError(f"pool_mode must be one of {POOLINGS}, got {self.pool_mode!r}")
        check_padding_mode(self.padding_mode)
        if self.transposed and self.padding_mode != "zeros":
            raise ValueError("padding_mode must be 'zeros' for a transposed convolution "
                             f"(its padding crops the output), got {self.padding_mode!r}")
        bias = np.asarray(self.bias, dtype=np.float64)
        nc = kernels.shape[3]
        if bias.ndim > 1 or (bias.ndim == 1 and bias.shape != (nc,)):
            wanted = "a single number (one kernel)" if nc == 1 else \
                f"a number or {nc} values, one per kernel"
            raise ValueError(f"bias must be {wanted}; got shape {bias.shape}")
        object.__setattr__(self, "bias", float(bias) if bias.ndim == 0 else tuple(bias.tolist()))

    @property
    def pooled(self):
        return self.pool_mode != "off"

    def shapes(self, image_hw):
        """``(conv_hw, pooled_hw or None)`` for an input of size ``image_hw``."""
        kh, kw = self.kernels.shape[:2]
        conv_hw = output_shape(image_hw, (kh, kw), self.padding, self.stride, self.dilation,
                               transposed=self.transposed, output_padding=self.output_padding)
        if not self.pooled:
            return conv_hw, None
        pooled_hw = output_shape(conv_hw, self.pool_shape, "valid", self.pool_stride)
        return conv_hw, pooled_hw


@dataclass
class PipelineResult:
    """Each stage of the layer, all ``(m, oh, ow, nc)``; ``pooled`` is None without pooling."""

    conv: np.ndarray
    activated: np.ndarray
    pooled: object = None
    spec: PipelineSpec = field(default=None, repr=False)

    @property
    def final(self):
        """The layer's output: pooled when pooling is on, else activated."""
        return self.activated if self.pooled is None else self.pooled


def run_pipeline(images, spec, *, dtype=np.float64, map_major=False):
    """Run convolution → activation → pooling on ``images`` ((m, h, w) or (m, h, w, c)).

    ``map_major=True`` lays every stage out map by map in memory (same shapes and values, see
    :func:`core.pooling.empty_map_major`): what a window drawing one map at a time reads
    fastest, written there by the engine itself instead of copied afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 2)), pool_mode='max')
    >>> result = run_pipeline(np.ones((1, 8, 8)), spec)
    >>> result.conv.shape, result.pooled.shape
    ((1, 6, 6, 2), (1, 3, 3, 2))
    >>> run_pipeline(np.ones((1, 8, 8)), spec, map_major=True).pooled[0, :, :, 1].flags.c_contiguous
    True
    """
    out = None
    if map_major and spec.kernels.shape[3] > 1:
        images = np.asarray(images)
        try:
            conv_hw, _ = spec.shapes(images.shape[1:3])
        except (ValueError, TypeError, IndexError):
            conv_hw = None  # the convolution itself says what is wrong
        if conv_hw is not None:
            out = empty_map_major((len(images),) + conv_hw + (spec.kernels.shape[3],),
                                  np.dtype(dtype))
    conv = convolve(images, spec, dtype=dtype, out=out)
    activated = activate(conv, spec.activation)
    pooled = None
    if spec.pooled:
        pooled = pool2d(activated, spec.pool_shape, stride=spec.pool_stride,
                        mode=spec.pool_mode, dtype=dtype)
    return PipelineResult(conv=conv, activated=activated, pooled=pooled, spec=spec)


def convolve(images, spec, *, dtype=np.float64, out=None):
    """The layer's first stage: the convolution (or transposed convolution) of ``spec``, bias
    included, written into ``out`` when given.

    Examples
    --------
    >>> import numpy as np
    >>> spec = PipelineSpec(np.ones((2, 2, 1, 1)), stride=(2, 2), transposed=True, bias=1.0)
    >>> convolve(np.ones((1, 2, 2)), spec).shape
    (1, 4, 4, 1)
    """
    if not spec.transposed:
        return conv2d(images, spec.kernels, padding=spec.padding, stride=spec.stride,
                      dilation=spec.dilation, flip=spec.flip, dtype=dtype, out=out,
                      padding_mode=spec.padding_mode, bias=spec.bias)
    kernels = spec.kernels[::-1, ::-1] if spec.flip else spec.kernels
    result = conv_transpose2d(images, kernels, stride=spec.stride, padding=spec.padding,
                              output_padding=spec.output_padding, dilation=spec.dilation,
                              dtype=dtype, bias=spec.bias)
    if out is None:
        return result
    out[...] = result
    return out


def run_pipeline_into(images, spec, out, *, conv_buffer=None):
    """Run the layer on ``images`` and write only its final output into ``out``.

    The memory-lean form of :func:`run_pipeline` for processing a dataset chunk by chunk: the
    activation is applied in place, and with pooling the convolution goes to ``conv_buffer``
    (``(m, conv_h, conv_w, nc)``, ``out.dtype``; allocated when not given). Computes in
    ``out.dtype``.

    Examples
    --------
    >>> import numpy as np
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 1)), activation="relu", pool_mode="max")
    >>> out = np.empty((2, 3, 3, 1), np.float32)
    >>> float(run_pipeline_into(np.ones((2, 8, 8)), spec, out)[0, 0, 0, 0]), out.dtype
    (9.0, dtype('float32'))
    """
    dtype = out.dtype
    conv = convolve(images, spec, dtype=dtype, out=conv_buffer if spec.pooled else out)
    activate(conv, spec.activation, out=conv)
    if spec.pooled:
        out[...] = pool2d(conv, spec.pool_shape, stride=spec.pool_stride, mode=spec.pool_mode,
                          dtype=dtype)
    return out
