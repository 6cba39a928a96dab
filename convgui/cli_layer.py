"""The layer options that ``main.py apply`` and ``main.py animate`` share, and what they build.

:func:`add_layer_arguments` adds ``--input``, ``--key``, ``--kernel``, ``--padding``,
``--padding-mode``, ``--bias``, ``--transposed``, ``--output-padding``, ``--stride``,
``--dilation``, ``--flip``, ``--activation`` and ``--pool``; :func:`load_layer` reads the
dataset and builds the :class:`~core.pipeline.PipelineSpec` they describe. Every choice comes
from :mod:`core.choices`; a bad value or file raises
:class:`~convgui.cli_common.UsageError` naming the option. Nothing here imports Qt.
"""

import argparse
from pathlib import Path

import numpy as np

from core.choices import ACTIVATIONS, PADDING_WORDS, POOLINGS
from core.padding import PADDING_MODES

from .cli_common import UsageError

__all__ = ["parse_pair", "parse_padding", "parse_bias", "parse_pool", "add_layer_arguments",
           "load_kernel_argument", "layer_spec", "load_layer", "load_input"]

_NO_POOLING, _POOL_MODES = POOLINGS[0], POOLINGS[1:]
_NO_POOL = (_NO_POOLING, (2, 2), (2, 2))


def _ints(text, name, minimum):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be whole numbers, got {text!r}") from None
    if any(v < minimum for v in values):
        raise argparse.ArgumentTypeError(f"{name} values must be >= {minimum}, got {text!r}")
    return values


def parse_pair(text, name="value", minimum=1):
    """``"2"`` → ``(2, 2)``; ``"2,1"`` → ``(2, 1)``.

    Examples
    --------
    >>> parse_pair("2", "stride"), parse_pair("1,3", "stride")
    ((2, 2), (1, 3))
    """
    values = _ints(text, name, minimum)
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) == 2:
        return tuple(values)
    raise argparse.ArgumentTypeError(f"{name} must be N or A,B, got {text!r}")


def parse_padding(text):
    """``valid``, ``same``, ``full``, ``P`` or ``PH,PW``.

    Examples
    --------
    >>> parse_padding("same"), parse_padding("1,2")
    ('same', (1, 2))
    """
    if text in PADDING_WORDS:
        return text
    try:
        return parse_pair(text, "padding", minimum=0)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"padding must be {', '.join(PADDING_WORDS)}, P or PH,PW, got {text!r}") from None


def parse_bias(text):
    """``"0.5"`` → ``0.5``; ``"1,-2"`` → ``(1.0, -2.0)`` (one value per kernel).

    Examples
    --------
    >>> parse_bias("0.5"), parse_bias("1,-2")
    (0.5, (1.0, -2.0))
    """
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bias must be a number or numbers separated by commas, got {text!r}") from None
    if not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"bias must be finite, got {text!r}")
    return values[0] if len(values) == 1 else values


def parse_pool(text):
    """``off`` or ``MODE:KHxKW[:STRIDE]`` → ``(mode, shape, stride)``; stride defaults to the
    window (``SH,SW`` or ``SHxSW`` for different strides).

    Examples
    --------
    >>> parse_pool("max:2x2:2"), parse_pool("avg:3x2")
    (('max', (2, 2), (2, 2)), ('avg', (3, 2), (3, 2)))
    """
    if text == _NO_POOLING:
        return _NO_POOL
    parts = text.split(":")
    usage = (f"pool must be {_NO_POOLING} or MODE:KHxKW[:STRIDE] like {_POOL_MODES[0]}:2x2:2 "
             f"(MODE: {', '.join(_POOL_MODES)}), got {text!r}")
    if len(parts) not in (2, 3) or parts[0] not in _POOL_MODES:
        raise argparse.ArgumentTypeError(usage)
    try:
        shape = parse_pair(parts[1].lower().replace("x", ","), "pool window")
        stride = (shape if len(parts) == 2
                  else parse_pair(parts[2].lower().replace("x", ","), "pool stride"))
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{usage} ({exc})") from None
    return (parts[0], shape, stride)


def add_layer_arguments(parser):
    """Add the options that say what to compute (dataset, kernel, padding, ..., pooling).

    Shared by every command that runs the layer, so they all read the same way.
    """
    add = parser.add_argument
    add("--input", required=True, metavar="PATH",
        help="dataset file (.npz, .npy, MNIST IDX, CIFAR batch)")
    add("--key", metavar="NAME", action="append",
        help="an image array of an .npz archive to process; repeat it for several (default: "
             "every image array, e.g. X_train, X_valid and X_test, each saved under its own "
             "key with its labels; with --range, or an output holding one array, the first of "
             "X_train, data, ... as the window)")
    add("--kernel", required=True, metavar="NAME_OR_PATH",
        help="a preset id or name (e.g. sobel_x, 'Sobel x') or a kernel .json/.npy file")
    add("--padding", type=parse_padding, default=PADDING_WORDS[0],
        metavar="|".join(PADDING_WORDS) + "|PH,PW", help="padding (default: valid); with --transposed, pixels cropped off the output: "
             "P or PH,PW")
    add("--padding-mode", choices=PADDING_MODES, default="zeros",
        help="what fills the padding: zeros, or a mirror (reflect: d c b | a b c d; symmetric: "
             "c b a | a b c d), the edge pixel (replicate) or the opposite side (circular) "
             "(default: zeros)")
    add("--bias", type=parse_bias, default=0.0, metavar="B|B1,B2,...",
        help="added to every output pixel before the activation; one value per kernel of a "
             "bank (default: 0)")
    add("--transposed", action="store_true",
        help="transposed convolution (the adjoint of a strided convolution: upsampling by the "
             "stride) instead of convolution")
    add("--output-padding", type=lambda t: parse_pair(t, "output padding", minimum=0),
        default=(0, 0), metavar="N|AH,AW",
        help="with --transposed: rows/columns added at the bottom/right, smaller than the "
             "stride or the dilation (default: 0)")
    add("--stride", type=lambda t: parse_pair(t, "stride"), default=(1, 1), metavar="N|SH,SW",
        help="step between windows (default: 1)")
    add("--dilation", type=lambda t: parse_pair(t, "dilation"), default=(1, 1),
        metavar="N|DH,DW", help="spacing between kernel taps (default: 1)")
    add("--flip", action="store_true",
        help="true convolution (rotate the kernel by 180°) instead of cross-correlation")
    add("--activation", choices=ACTIVATIONS, default=ACTIVATIONS[0],
        help="applied after the convolution (default: none)")
    add("--pool", type=parse_pool, default=_NO_POOL, metavar=f"MODE:KHxKW:STRIDE|{_NO_POOLING}",
        help=f"pooling after the activation, MODE one of {', '.join(_POOL_MODES)}, e.g. "
             f"max:2x2:2 or avg:3x3:1 (default: {_NO_POOLING})")


def load_kernel_argument(text, channels):
    """The ``--kernel`` option (a preset or a file) as a bank for ``channels`` channels."""
    from core import kernels as kernel_library

    path = Path(text)
    if path.suffix.lower() in (".json", ".npy") or path.exists():
        try:
            kernel = kernel_library.load_kernel(path)
        except (ValueError, TypeError, OSError) as exc:
            raise UsageError(f"argument --kernel: {exc}") from None
        except Exception as exc:  # a damaged file failing in a way not foreseen
            raise UsageError(f"argument --kernel: {path}: cannot be read "
                              f"({type(exc).__name__}: {exc})") from None
    else:
        try:
            kernel = kernel_library.find_preset(text).kernel
        except ValueError as exc:
            raise UsageError(f"argument --kernel: {exc}; or give a .json/.npy file") from None
    try:
        return kernel_library.as_bank(kernel, channels)
    except ValueError as exc:
        raise UsageError(f"argument --kernel: {exc}") from None


def layer_spec(args, channels):
    """The :class:`~core.pipeline.PipelineSpec` that the layer options (see
    :func:`add_layer_arguments`) describe for images of ``channels`` channels; a bad kernel or
    combination raises :class:`UsageError` naming the option."""
    from core.pipeline import PipelineSpec

    bank = load_kernel_argument(args.kernel, channels)
    mode, shape, stride = args.pool
    if args.transposed and isinstance(args.padding, str) and args.padding != "valid":
        raise UsageError(f"argument --padding: {args.padding!r} has no meaning for a transposed "
                         "convolution; give the pixels to crop, P or PH,PW")
    if args.transposed and args.padding_mode != "zeros":
        raise UsageError("argument --padding-mode: a transposed convolution's padding crops "
                         "its output, so only zeros applies")
    if not args.transposed and args.output_padding != (0, 0):
        raise UsageError("argument --output-padding: only with --transposed")
    try:
        return PipelineSpec(bank, padding=args.padding, stride=args.stride,
                            dilation=args.dilation, flip=args.flip, activation=args.activation,
                            pool_mode=mode, pool_shape=shape, pool_stride=stride,
                            padding_mode=args.padding_mode, bias=args.bias,
                            transposed=args.transposed, output_padding=args.output_padding)
    except (ValueError, TypeError) as exc:
        if "bias" in str(exc):
            raise UsageError(f"argument --bias: {exc}") from None
        raise UsageError(f"these settings are not valid: {exc}") from None


def load_layer(args):
    """The dataset (the first ``--key``, else the archive's main image array) and the
    :func:`layer_spec` for it; a bad file raises :class:`UsageError`."""
    dataset = load_input(args.input, args.key[0] if args.key else None)
    return dataset, layer_spec(args, dataset.channels)


def load_input(path, key):
    """The ``--input`` dataset (array ``key`` of an archive); a bad file raises
    :class:`~convgui.cli_common.UsageError`."""
    from core.datasets import load_dataset

    try:
        return load_dataset(path, key=key)
    except (ValueError, OSError) as exc:
        raise UsageError(f"argument --input: {exc}") from None
    except Exception as exc:  # a decoder failing in a way not foreseen: still the file's fault
        raise UsageError(f"argument --input: {path}: cannot be read "
                          f"({type(exc).__name__}: {exc})") from None
