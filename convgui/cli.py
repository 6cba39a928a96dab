"""``python main.py apply``: process a whole dataset from the command line, without a window.

Example::

    python main.py apply --input MNIST.npz --kernel sobel_x --padding same --stride 1 \\
        --activation relu --pool max:2x2:2 --output out.npz
    python main.py apply --input MNIST.npz --kernel box_blur_3 --transposed --stride 2 \\
        --padding 1 --output-padding 1 --bias 0.5 --output up.npz

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

from core.choices import ACTIVATIONS
from core.padding import PADDING_MODES

__all__ = ["configure_parser", "run", "configure_apply_parser", "run_apply", "parse_pair",
           "parse_padding", "parse_pool", "parse_range", "parse_grid", "parse_bias",
           "add_layer_arguments", "layer_spec", "load_layer", "load_kernel_argument", "UsageError", "Progress"]

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
    add("--key", metavar="NAME", action="append",
        help="an image array of an .npz archive to process; repeat it for several (default: "
             "every image array, e.g. X_train, X_valid and X_test, each saved under its own "
             "key with its labels; with --range, or an output holding one array, the first of "
             "X_train, data, ... as the window)")
    add("--kernel", required=True, metavar="NAME_OR_PATH",
        help="a preset id or name (e.g. sobel_x, 'Sobel x') or a kernel .json/.npy file")
    add("--padding", type=parse_padding, default="valid", metavar="valid|same|full|PH,PW",
        help="padding (default: valid); with --transposed, pixels cropped off the output: "
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
    add("--activation", choices=ACTIVATIONS, default="none",
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


def _is_same_or_inside(output, source):
    """True when ``output`` is ``source`` itself, or lies inside it (when it is a folder)."""
    try:
        output, source = Path(output).resolve(), Path(source).resolve()
    except (OSError, RuntimeError):
        return False
    return output == source or source in output.parents


def _check_output(args, fmt):
    output = Path(args.output)
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"argument --output: folder does not exist: {parent}")
    if _is_same_or_inside(output, args.input):
        raise UsageError(f"argument --output: {output} is the input file {args.input}; "
                          "writing there would destroy the source (even with --overwrite); "
                          "choose another name")
    if fmt == "png":
        if output.exists() and not output.is_dir():
            raise UsageError(f"argument --output: {output} is a file, not a folder")
        return
    if output.is_dir():
        raise UsageError(f"argument --output: {output} is a folder; give a file name")
    if output.exists() and not args.overwrite:
        raise UsageError(f"argument --output: {output} exists; add --overwrite to replace it")


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
    dataset = _load_input(args.input, args.key[0] if args.key else None)
    return dataset, layer_spec(args, _channels(dataset))


def _channels(dataset):
    return 1 if dataset.images.ndim == 3 else dataset.images.shape[3]


def _load_input(path, key):
    from core.datasets import load_dataset

    try:
        return load_dataset(path, key=key)
    except (ValueError, OSError) as exc:
        raise UsageError(f"argument --input: {exc}") from None
    except Exception as exc:  # a decoder failing in a way not foreseen: still the file's fault
        raise UsageError(f"argument --input: {path}: cannot be read "
                          f"({type(exc).__name__}: {exc})") from None


def _chosen_keys(args, first, fmt):
    """The image arrays to process: the ``--key`` ones, else every one (see ``--key``)."""
    if args.key:
        keys = list(dict.fromkeys(args.key))
        if len(keys) > 1 and fmt != "npz":
            raise UsageError(f"argument --key: format {fmt} holds one array, but {len(keys)} "
                              "were given; use an .npz output or one --key")
        return keys, []
    if first.key is None:
        return [None], []
    if fmt != "npz" or args.range != (0, None):
        return [first.key], list(first.alternatives)
    return [first.key] + list(first.alternatives), []


class _Part:
    """One image array to process: its dataset, range and output size."""

    def __init__(self, dataset, start, stop, nbytes):
        self.dataset, self.start, self.stop, self.nbytes = dataset, start, stop, nbytes


def _prepare(args):
    """Everything checked before any work: datasets, spec, range, output."""
    from core.batch import batch_range, output_nbytes

    fmt = _output_format(args)
    _check_output(args, fmt)
    first = _load_input(args.input, args.key[0] if args.key else None)
    keys, skipped = _chosen_keys(args, first, fmt)
    datasets = [first] + [_load_input(args.input, key) for key in keys[1:]]
    spec = layer_spec(args, _channels(first))
    dtype = np.float64 if args.float64 else np.float32
    parts = []
    for dataset in datasets:
        where = f" ({dataset.key})" if len(datasets) > 1 else ""
        try:
            start, stop = batch_range(len(dataset), *args.range)
        except ValueError as exc:
            raise UsageError(f"argument --range: {exc}{where}") from None
        try:
            nbytes = output_nbytes(dataset.images.shape, spec, start=start, stop=stop,
                                   dtype=dtype)
        except ValueError as exc:
            raise UsageError(f"these settings do not fit the images "
                              f"{dataset.images.shape[1:]}{where}: {exc}") from None
        parts.append(_Part(dataset, start, stop, nbytes))
    return fmt, parts, spec, dtype, skipped


def _compute(part, spec, dtype, held, progress, scratch):
    """The processed range, in memory or (when too big) in a scratch ``.npy`` file."""
    from core import batch

    dataset = part.dataset
    if batch.fits_in_memory(part.nbytes + held):
        return batch.run_batch(dataset.images, spec, start=part.start, stop=part.stop,
                               dtype=dtype, progress=progress)
    for done, total in batch.iter_batch_to_npy(scratch, dataset.images, spec, start=part.start,
                                               stop=part.stop, dtype=dtype):
        progress(done, total)
    return np.load(scratch, mmap_mode="r")


def _describe(parts, spec, dtype, fmt, skipped):
    from core import batch

    for part in parts:
        shape = batch.batch_output_shape(part.dataset.images.shape, spec, start=part.start,
                                         stop=part.stop)
        print(f"{PROG}: {part.dataset.name}, images {part.start}..{part.stop - 1} → {shape} "
              f"{np.dtype(dtype).name} ({part.nbytes / 2**20:.1f} MB), format {fmt}",
              file=sys.stderr, flush=True)
    if skipped:
        print(f"{PROG}: not processed: {', '.join(skipped)} (give --key to choose, or an .npz "
              "output without --range for every array)", file=sys.stderr, flush=True)


def _apply(args):
    from core import atomic, batch, sheets

    fmt, parts, spec, dtype, skipped = _prepare(args)
    quiet = args.quiet
    if not quiet:
        _describe(parts, spec, dtype, fmt, skipped)
    output = Path(args.output)
    if fmt == "npy":
        part = parts[0]
        progress = Progress("processed", quiet)
        for done, total in batch.iter_batch_to_npy(output, part.dataset.images, spec,
                                                   start=part.start, stop=part.stop,
                                                   dtype=dtype):
            progress(done, total)
        if not quiet:
            print(f"{PROG}: wrote {output}", file=sys.stderr, flush=True)
        return
    scratches = []
    try:
        results = []
        held = 0
        for part in parts:
            label = f"processed {part.dataset.key}" if len(parts) > 1 else "processed"
            scratch = atomic.temp_path_for(output, ".scratch.npy")
            scratches.append(scratch)
            outputs = _compute(part, spec, dtype, held, Progress(label, quiet), scratch)
            held += 0 if isinstance(outputs, np.memmap) else part.nbytes
            labels = (None if part.dataset.labels is None
                      else part.dataset.labels[part.start:part.stop])
            results.append((part.dataset.key, outputs, labels))
        class_names = parts[0].dataset.class_names
        if fmt == "npz":
            batch.save_npz(output, batch.npz_layout_many(results, class_names=class_names))
        elif fmt == "sheet":
            _, outputs, labels = results[0]
            rows, columns = args.sheet_grid
            sheets.write_png(output, sheets.contact_sheet(outputs, labels, rows=rows,
                                                          columns=columns))
        else:
            _, outputs, labels = results[0]
            writing = Progress("written", quiet)
            try:
                run = sheets.iter_png_folder(output, outputs, start=parts[0].start,
                                             labels=labels, class_names=class_names,
                                             overwrite=args.overwrite)
            except FileExistsError as exc:
                raise UsageError(f"argument --output: {exc}; add --overwrite to replace "
                                  "them") from None
            for done, total in run:
                writing(done, total)
        del results
    finally:
        for scratch in scratches:
            if os.path.lexists(scratch):
                os.unlink(scratch)
    if not quiet:
        print(f"{PROG}: wrote {output}", file=sys.stderr, flush=True)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (deleting temporary files) and exit 128 + signal."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise _Terminated(signum)


def _install_signal_handlers():
    """SIGTERM/SIGHUP unwind like Ctrl+C, so temporary files are removed; returns the old ones."""
    import signal

    old = {}
    if threading_is_main():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                old[number] = signal.signal(number, _raise_terminated)
    return old


def threading_is_main():
    import threading

    return threading.current_thread() is threading.main_thread()


def run_apply(args):
    """Run the ``apply`` command for parsed ``args``; return the process exit code.

    0 on success; 2 for bad arguments or files, including images that hold NaN (message on
    stderr starting with ``main.py apply: error:``); 1 when writing fails (e.g. a full disk or
    no memory); 130 on Ctrl+C. In
    every failure case no partial output is left behind.
    """
    import signal

    from core.atomic import PartialWriteError, remove_live_temp_files

    old_handlers = _install_signal_handlers()
    try:
        _apply(args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except _Terminated as exc:
        name = signal.Signals(exc.signum).name
        print(f"{PROG}: stopped by {name}; nothing was written", file=sys.stderr)
        return 128 + exc.signum
    except ValueError as exc:
        print(f"{PROG}: error: {exc}; nothing was written", file=sys.stderr)
        return 2
    except PartialWriteError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except (OSError, MemoryError) as exc:
        print(f"{PROG}: error: {exc}; nothing was written", file=sys.stderr)
        return 1
    finally:
        remove_live_temp_files()
        for number, handler in old_handlers.items():
            signal.signal(number, handler)
    return 0


#: The names :mod:`convgui.app`'s command table looks for.
configure_parser = configure_apply_parser
run = run_apply
