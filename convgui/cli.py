"""``python main.py apply``: process a whole dataset from the command line, without a window.

Example::

    python main.py apply --input MNIST.npz --kernel sobel_x --padding same --stride 1 \\
        --activation relu --pool max:2x2:2 --output out.npz

Output formats (``--format``, by default from the output's name):

* ``npz``   (``*.npz``) the source file's layout: same array name, processed images
  ``(n, oh, ow, nc)``, labels carried over (see :mod:`core.batch`);
* ``npy``   (``*.npy``) the processed array alone, written straight to disk (memory-mapped);
* ``sheet`` (``*.png``) one contact-sheet picture of the first images, labels drawn below;
* ``png``   (a folder) one PNG per image and feature map, named with index and label.

Progress goes to stderr. Exit codes: 0 success, 2 bad arguments or unreadable files, 130
interrupted (Ctrl+C); a failed or interrupted run leaves no partial output behind. Nothing here
imports Qt: PNGs are written by :mod:`core.sheets`.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["configure_parser", "run", "configure_apply_parser", "run_apply", "parse_pair",
           "parse_padding", "parse_pool", "parse_range", "parse_grid", "add_layer_arguments",
           "load_layer", "load_kernel_argument", "UsageError", "Progress"]

PROG = "main.py apply"
FORMATS = ("npz", "npy", "png", "sheet")
_SUFFIX_FORMATS = {".npz": "npz", ".npy": "npy", ".png": "sheet"}


class UsageError(Exception):
    """A bad argument or file: reported as ``main.py COMMAND: error: ...``, exit code 2."""


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
    if text in ("valid", "same", "full"):
        return text
    try:
        return parse_pair(text, "padding", minimum=0)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"padding must be valid, same, full, P or PH,PW, got {text!r}") from None


def parse_pool(text):
    """``off`` or ``MODE:KHxKW[:STRIDE]`` → ``(mode, shape, stride)``; stride defaults to the
    window (``SH,SW`` or ``SHxSW`` for different strides).

    Examples
    --------
    >>> parse_pool("max:2x2:2"), parse_pool("avg:3x2")
    (('max', (2, 2), (2, 2)), ('avg', (3, 2), (3, 2)))
    """
    if text == "off":
        return ("off", (2, 2), (2, 2))
    parts = text.split(":")
    usage = f"pool must be off or MODE:KHxKW[:STRIDE] like max:2x2:2, got {text!r}"
    if len(parts) not in (2, 3) or parts[0] not in ("max", "avg"):
        raise argparse.ArgumentTypeError(usage)
    try:
        shape = parse_pair(parts[1].lower().replace("x", ","), "pool window")
        stride = (shape if len(parts) == 2
                  else parse_pair(parts[2].lower().replace("x", ","), "pool stride"))
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{usage} ({exc})") from None
    return (parts[0], shape, stride)


def parse_range(text):
    """``START:STOP`` (either may be empty) → ``(start, stop or None)``.

    Examples
    --------
    >>> parse_range("100:200"), parse_range(":500"), parse_range("10:")
    ((100, 200), (0, 500), (10, None))
    """
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        start = int(parts[0]) if parts[0].strip() else 0
        stop = int(parts[1]) if parts[1].strip() else None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"range must be START:STOP like 0:1000, got {text!r}") from None
    if start < 0 or (stop is not None and stop <= start):
        raise argparse.ArgumentTypeError(
            f"range must have 0 <= START < STOP, got {text!r}")
    return (start, stop)


def parse_grid(text):
    """``ROWSxCOLUMNS`` → ``(rows, columns)``.

    Examples
    --------
    >>> parse_grid("4x8")
    (4, 8)
    """
    try:
        return parse_pair(text.lower().replace("x", ","), "sheet grid")
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"sheet grid must be ROWSxCOLUMNS like 10x10, got {text!r}") from None


def add_layer_arguments(parser):
    """Add the options that say what to compute (dataset, kernel, padding, ..., pooling).

    Shared by every command that runs the layer, so they all read the same way.
    """
    add = parser.add_argument
    add("--input", required=True, metavar="PATH",
        help="dataset file (.npz, .npy, MNIST IDX, CIFAR batch)")
    add("--key", metavar="NAME",
        help="array to read from an .npz archive (default: X_train, data, ... as the window)")
    add("--kernel", required=True, metavar="NAME_OR_PATH",
        help="a preset id or name (e.g. sobel_x, 'Sobel x') or a kernel .json/.npy file")
    add("--padding", type=parse_padding, default="valid", metavar="valid|same|full|PH,PW",
        help="zero padding (default: valid)")
    add("--stride", type=lambda t: parse_pair(t, "stride"), default=(1, 1), metavar="N|SH,SW",
        help="step between windows (default: 1)")
    add("--dilation", type=lambda t: parse_pair(t, "dilation"), default=(1, 1),
        metavar="N|DH,DW", help="spacing between kernel taps (default: 1)")
    add("--flip", action="store_true",
        help="true convolution (rotate the kernel by 180°) instead of cross-correlation")
    add("--activation", choices=("none", "relu", "abs"), default="none",
        help="applied after the convolution (default: none)")
    add("--pool", type=parse_pool, default=("off", (2, 2), (2, 2)),
        metavar="MODE:KHxKW:STRIDE|off", help="pooling after the activation, e.g. max:2x2:2 or "
        "avg:3x3:1 (default: off)")


def configure_apply_parser(parser):
    """Add the ``apply`` command's options to ``parser`` (an ``argparse`` (sub)parser)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "examples:\n"
        "  main.py apply --input MNIST.npz --kernel sobel_x --pool max:2x2:2 --output out.npz\n"
        "  main.py apply --input MNIST.npz --key X_test --kernel my_kernel.json \\\n"
        "      --activation relu --range 0:100 --output sheet.png\n"
        "  main.py apply --input animals_1.npz --kernel edge --format png --output maps/\n\n"
        "exit codes: 0 done, 2 bad arguments or files, 130 interrupted (no partial output)")
    add_layer_arguments(parser)
    add = parser.add_argument
    add("--range", type=parse_range, default=(0, None), metavar="START:STOP",
        help="process images START..STOP-1 only (default: all)")
    add("--format", choices=FORMATS,
        help="npz (source layout), npy (array only), sheet (one contact-sheet PNG) or png "
             "(a folder, one PNG per image and map); default from the output's suffix")
    add("--sheet-grid", type=parse_grid, default=(10, 10), metavar="ROWSxCOLS",
        help="images on a contact sheet (default: 10x10)")
    add("--output", required=True, metavar="PATH", help="file (or folder, for png) to write")
    add("--overwrite", action="store_true", help="replace an existing output")
    add("--float64", action="store_true",
        help="compute and save in float64 (default: float32, half the size)")
    add("--quiet", action="store_true", help="no progress on stderr")


# --------------------------------------------------------------------------------------------


class Progress:
    """Progress lines on stderr, at most a few per second."""

    def __init__(self, what, quiet=False, stream=None, prog=PROG):
        from core.batch import Throttle

        self.prog = prog
        self.what = what
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.started = time.perf_counter()
        self.throttle = Throttle(0.5)

    def __call__(self, done, total):
        if self.quiet or not self.throttle.ready(force=done == total):
            return
        elapsed = time.perf_counter() - self.started
        eta = elapsed * (total - done) / done if done else 0.0
        tail = f"{elapsed:.1f} s" if done == total else f"about {eta:.0f} s left"
        print(f"{self.prog}: {self.what} {done}/{total} ({100 * done // total}%), {tail}",
              file=self.stream, flush=True)


def _output_format(args):
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    if not suffix or Path(args.output).is_dir() or args.output.endswith(("/", os.sep)):
        return "png"
    raise UsageError(f"argument --output: cannot tell the format from {args.output!r}; "
                      f"use .npz, .npy, .png or a folder, or give --format")


def load_kernel_argument(text, channels):
    """The ``--kernel`` option (a preset or a file) as a bank for ``channels`` channels."""
    from core import kernels as kernel_library

    path = Path(text)
    if path.suffix.lower() in (".json", ".npy") or path.exists():
        try:
            kernel = kernel_library.load_kernel(path)
        except (ValueError, TypeError, OSError) as exc:
            raise UsageError(f"argument --kernel: {exc}") from None
    else:
        try:
            kernel = kernel_library.find_preset(text).kernel
        except ValueError as exc:
            raise UsageError(f"argument --kernel: {exc}; or give a .json/.npy file") from None
    try:
        return kernel_library.as_bank(kernel, channels)
    except ValueError as exc:
        raise UsageError(f"argument --kernel: {exc}") from None


def _check_output(args, fmt):
    output = Path(args.output)
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"argument --output: folder does not exist: {parent}")
    if fmt == "png":
        if output.exists() and not output.is_dir():
            raise UsageError(f"argument --output: {output} is a file, not a folder")
        return
    if output.is_dir():
        raise UsageError(f"argument --output: {output} is a folder; give a file name")
    if output.exists() and not args.overwrite:
        raise UsageError(f"argument --output: {output} exists; add --overwrite to replace it")


def load_layer(args, **spec_options):
    """The dataset and the :class:`~core.pipeline.PipelineSpec` that the layer options (see
    :func:`add_layer_arguments`) describe, with any further ``spec_options``; a bad file, kernel
    or combination raises :class:`UsageError`."""
    from core.datasets import load_dataset
    from core.pipeline import PipelineSpec

    try:
        dataset = load_dataset(args.input, key=args.key)
    except (ValueError, OSError) as exc:
        raise UsageError(f"argument --input: {exc}") from None
    channels = 1 if dataset.images.ndim == 3 else dataset.images.shape[3]
    bank = load_kernel_argument(args.kernel, channels)
    mode, shape, stride = args.pool
    try:
        spec = PipelineSpec(bank, padding=args.padding, stride=args.stride,
                            dilation=args.dilation, flip=args.flip, activation=args.activation,
                            pool_mode=mode, pool_shape=shape, pool_stride=stride, **spec_options)
    except ValueError as exc:
        raise UsageError(f"these settings do not go together: {exc}") from None
    return dataset, spec


def _prepare(args):
    """Everything checked before any work: dataset, spec, range, output."""
    from core.batch import batch_range, output_nbytes

    fmt = _output_format(args)
    _check_output(args, fmt)
    dataset, spec = load_layer(args)
    start, stop = args.range
    try:
        start, stop = batch_range(len(dataset), start, stop)
    except ValueError as exc:
        raise UsageError(f"argument --range: {exc}") from None
    dtype = np.float64 if args.float64 else np.float32
    try:
        nbytes = output_nbytes(dataset.images.shape, spec, start=start, stop=stop, dtype=dtype)
    except ValueError as exc:
        raise UsageError(f"these settings do not fit the images {dataset.images.shape[1:]}: "
                          f"{exc}") from None
    return fmt, dataset, spec, start, stop, dtype, nbytes


def _compute(dataset, spec, start, stop, dtype, nbytes, progress, scratch):
    """The processed range, in memory or (when too big) in a scratch ``.npy`` file."""
    from core import batch

    if batch.fits_in_memory(nbytes):
        return batch.run_batch(dataset.images, spec, start=start, stop=stop, dtype=dtype,
                               progress=progress)
    for done, total in batch.iter_batch_to_npy(scratch, dataset.images, spec, start=start,
                                               stop=stop, dtype=dtype):
        progress(done, total)
    return np.load(scratch, mmap_mode="r")


def _apply(args):
    from core import batch, sheets

    fmt, dataset, spec, start, stop, dtype, nbytes = _prepare(args)
    quiet = args.quiet
    if not quiet:
        print(f"{PROG}: {dataset.name}, images {start}..{stop - 1} → "
              f"{batch.batch_output_shape(dataset.images.shape, spec, start=start, stop=stop)} "
              f"{np.dtype(dtype).name} ({nbytes / 2**20:.1f} MB), format {fmt}",
              file=sys.stderr, flush=True)
    progress = Progress("processed", quiet)
    output = Path(args.output)
    if fmt == "npy":
        for done, total in batch.iter_batch_to_npy(output, dataset.images, spec, start=start,
                                                   stop=stop, dtype=dtype):
            progress(done, total)
        if not quiet:
            print(f"{PROG}: wrote {output}", file=sys.stderr, flush=True)
        return
    scratch = output.with_name(f".{output.name}.scratch.npy")
    try:
        outputs = _compute(dataset, spec, start, stop, dtype, nbytes, progress, scratch)
        labels = None if dataset.labels is None else dataset.labels[start:stop]
        if fmt == "npz":
            batch.save_npz(output, batch.npz_layout(outputs, key=dataset.key, labels=labels,
                                                    class_names=dataset.class_names))
        elif fmt == "sheet":
            rows, columns = args.sheet_grid
            sheets.write_png(output, sheets.contact_sheet(outputs, labels, rows=rows,
                                                          columns=columns))
        else:
            writing = Progress("written", quiet)
            try:
                run = sheets.iter_png_folder(output, outputs, start=start, labels=labels,
                                             class_names=dataset.class_names,
                                             overwrite=args.overwrite)
            except FileExistsError as exc:
                raise UsageError(f"argument --output: {exc}; add --overwrite to replace "
                                  "them") from None
            for done, total in run:
                writing(done, total)
        del outputs
    finally:
        if scratch.exists():
            scratch.unlink()
    if not quiet:
        print(f"{PROG}: wrote {output}", file=sys.stderr, flush=True)


def run_apply(args):
    """Run the ``apply`` command for parsed ``args``; return the process exit code.

    0 on success; 2 for bad arguments or files, including images that hold NaN (message on
    stderr starting with ``main.py apply: error:``); 1 when writing fails (e.g. a full disk or
    no memory); 130 on Ctrl+C. In
    every failure case no partial output is left behind.
    """
    try:
        _apply(args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except ValueError as exc:
        print(f"{PROG}: error: {exc}; nothing was written", file=sys.stderr)
        return 2
    except (OSError, MemoryError) as exc:
        print(f"{PROG}: error: {exc}; nothing was written", file=sys.stderr)
        return 1
    return 0


#: The names :mod:`convgui.app`'s command table looks for.
configure_parser = configure_apply_parser
run = run_apply
