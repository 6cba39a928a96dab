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
from pathlib import Path

import numpy as np

from .cli_common import EXIT_CODES, Progress, UsageError, run_command
from .cli_layer import add_layer_arguments, layer_spec, load_input, parse_pair

__all__ = ["configure_parser", "run", "configure_apply_parser", "run_apply", "parse_range",
           "parse_grid"]

PROG = "main.py apply"
FORMATS = ("npz", "npy", "png", "sheet")
_SUFFIX_FORMATS = {".npz": "npz", ".npy": "npy", ".png": "sheet"}


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


def configure_apply_parser(parser):
    """Add the ``apply`` command's options to ``parser`` (an ``argparse`` (sub)parser)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "examples:\n"
        "  main.py apply --input MNIST.npz --kernel sobel_x --pool max:2x2:2 --output out.npz\n"
        "  main.py apply --input MNIST.npz --key X_test --kernel my_kernel.json \\\n"
        "      --activation relu --range 0:100 --output sheet.png\n"
        "  main.py apply --input animals_1.npz --kernel edge --format png --output maps/\n\n"
        + EXIT_CODES)
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
    first = load_input(args.input, args.key[0] if args.key else None)
    keys, skipped = _chosen_keys(args, first, fmt)
    datasets = [first] + [load_input(args.input, key) for key in keys[1:]]
    spec = layer_spec(args, first.channels)
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
        progress = Progress("processed", quiet, prog=PROG)
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
            outputs = _compute(part, spec, dtype, held, Progress(label, quiet, prog=PROG), scratch)
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
            writing = Progress("written", quiet, prog=PROG)
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


def run_apply(args):
    """Run the ``apply`` command for parsed ``args``; return the process exit code.

    0 on success; 2 for bad arguments or files, including images that hold NaN (message on
    stderr starting with ``main.py apply: error:``); 1 when writing fails (e.g. a full disk or
    no memory); 130 on Ctrl+C, 128 + the signal on SIGTERM/SIGHUP (see
    :func:`convgui.cli_common.run_command`). In every failure case no partial output is left
    behind.
    """
    return run_command(PROG, lambda: _apply(args))


#: The names :mod:`convgui.app`'s command table looks for.
configure_parser = configure_apply_parser
run = run_apply
