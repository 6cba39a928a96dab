"""The arguments every convolution shares, checked once: images, kernels, stride, dilation, bias.

:func:`core.engine.conv2d` and :func:`core.transpose.conv_transpose2d` both start with
:func:`conv_arguments`, so they accept the same shapes and refuse bad ones with the same words.

Examples
--------
>>> import numpy as np
>>> args = conv_arguments(np.zeros((2, 5, 6, 3)), np.ones((3, 3, 3)), stride=(1, 2))
>>> args.kernels.shape, args.squeeze, args.stride, args.channels
((3, 3, 3, 1), True, (1, 2), 3)
"""

from dataclasses import dataclass

import numpy as np

from ._checks import as_array, as_pair, check_finite, check_ndim, compute_dtype

__all__ = ["ConvArguments", "conv_arguments", "normalise_kernels", "check_bias",
           "raise_non_finite"]


@dataclass(frozen=True)
class ConvArguments:
    """Checked convolution arguments.

    ``images`` is ``(m, h, w)`` or ``(m, h, w, c)`` as given; ``kernels`` always
    ``(kh, kw, c, nc)``; ``squeeze`` says the caller gave one kernel, so the output drops its
    ``nc`` axis; ``bias`` is None or a float64 array that broadcasts over the output.
    """

    images: np.ndarray
    kernels: np.ndarray
    squeeze: bool
    stride: tuple
    dilation: tuple
    dtype: np.dtype
    bias: object

    @property
    def channels(self):
        return 1 if self.images.ndim == 3 else self.images.shape[3]

    @property
    def sizes(self):
        """``(m, h, w, kh, kw, nc)``: images, their height and width, the kernels' height and
        width, and how many kernels (output channels)."""
        kh, kw, _, nc = self.kernels.shape
        return self.images.shape[:3] + (kh, kw, nc)


def conv_arguments(images, kernels, stride=1, dilation=1, dtype=np.float64, bias=None):
    """Check and normalise a convolution's arguments; a :class:`ConvArguments`.

    Raises ``ValueError`` / ``TypeError`` naming the argument (``images``, ``kernels``,
    ``stride``, ``dilation``, ``dtype``, ``bias``).

    Examples
    --------
    >>> import numpy as np
    >>> conv_arguments(np.zeros((1, 4, 4)), np.ones((2, 2)), stride=0)
    Traceback (most recent call last):
    ValueError: stride values must be >= 1, got (0, 0)
    """
    images = as_array(images, "images")
    check_ndim(images, "images", (3, 4), "(m, h, w) or (m, h, w, c)")
    channels = 1 if images.ndim == 3 else images.shape[3]
    k4, squeeze = normalise_kernels(kernels, channels)
    return ConvArguments(images=images, kernels=k4, squeeze=squeeze,
                         stride=as_pair(stride, "stride"), dilation=as_pair(dilation, "dilation"),
                         dtype=compute_dtype(dtype), bias=check_bias(bias, k4.shape[3], squeeze))


def normalise_kernels(kernels, channels):
    """Return ``(kernels4, squeeze)``: kernels as ``(kh, kw, c, nc)`` and whether nc is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> k4, squeeze = normalise_kernels(np.ones((3, 3)), 1)
    >>> k4.shape, squeeze
    ((3, 3, 1, 1), True)
    """
    kernels = as_array(kernels, "kernels")
    check_ndim(kernels, "kernels", (2, 3, 4), "(kh, kw), (kh, kw, c) or (kh, kw, c, nc)")
    check_finite(kernels, "kernels")
    if kernels.ndim == 2:
        k4, squeeze = kernels[:, :, None, None], True
    elif kernels.ndim == 3:
        k4, squeeze = kernels[:, :, :, None], True
    else:
        k4, squeeze = kernels, False
    if k4.shape[2] != channels:
        raise ValueError(
            f"kernels has {k4.shape[2]} channel(s) (shape {kernels.shape}) but images have "
            f"{channels}; a kernel for (m, h, w, c) images must be (kh, kw, c) or (kh, kw, c, nc)"
        )
    return k4, squeeze


def check_bias(bias, nc, squeeze):
    """``bias`` as a float64 array that broadcasts over the output (None when absent or zero).

    Examples
    --------
    >>> check_bias([0.5, 1.0], 2, False)
    array([0.5, 1. ])
    >>> check_bias(0.0, 1, True) is None
    True
    """
    if bias is None:
        return None
    values = as_array(bias, "bias")
    check_finite(values, "bias")
    if values.ndim == 0 or (values.shape == (1,) and squeeze):
        values = values.reshape(())
    elif values.shape != (nc,) or squeeze:
        wanted = "a single number" if squeeze else f"a number or {nc} values, one per kernel"
        raise ValueError(f"bias must be {wanted}, got shape {values.shape}")
    values = values.astype(np.float64)
    return values if values.any() else None


def raise_non_finite(images, start, stop):
    """Raise the ``ValueError`` for a result that is not finite: the first image holding NaN or
    infinity in ``images[start:stop]``, else an overflow of the compute dtype."""
    block = images[start:stop]
    if block.dtype.kind == "f" and not np.isfinite(block).all():
        bad = start + int(np.argmax(~np.isfinite(block).reshape(len(block), -1).all(axis=1)))
        raise ValueError(f"images must hold finite numbers: image {bad} has NaN or infinity")
    raise ValueError("the result overflowed the compute dtype; use dtype=float64 or smaller values")
