"""``python main.py animate``: the step-through of one image as an animated GIF, PNG or frames.

Example::

    python main.py animate --input MNIST.npz --index 7 --kernel sobel_x --padding same \\
        --crop 8 --fps 4 --size 1280x720 --output sobel.gif

The layer options are ``apply``'s (:func:`convgui.cli.add_layer_arguments`). The output's name
picks the format: ``*.gif``, ``*.png`` (animated PNG) or a folder (``frames/``: numbered PNGs).
Exit codes: 0 written, 2 bad arguments or files, 1 writing failed, 130 interrupted; a failed
or interrupted run leaves no partial output. Qt is imported inside :func:`run` only, and runs
offscreen when there is no display.
"""

import argparse
import sys
import time
from pathlib import Path

from .cli_common import EXIT_CODES, Progress, UsageError, number_option, run_command
from .cli_layer import add_layer_arguments, load_layer, parse_pair

__all__ = ["configure_parser", "run", "parse_size", "parse_crop", "parse_fps"]

PROG = "main.py animate"
#: Smallest and largest frame sizes accepted.
MIN_SIZE, MAX_SIZE = (320, 180), (7680, 4320)


def parse_size(text):
    """``WIDTHxHEIGHT`` → ``(width, height)``.

    Examples
    --------
    >>> parse_size("1280x720")
    (1280, 720)
    """
    try:
        width, height = parse_pair(text.lower().replace("x", ","), "size")
        if text.lower().count("x") != 1:
            raise argparse.ArgumentTypeError("")
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"size must be WIDTHxHEIGHT like 1280x720, got {text!r}") from None
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(
            f"size must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} and {MAX_SIZE[0]}x{MAX_SIZE[1]}, "
            f"got {text!r}")
    return width, height


def parse_crop(text):
    """``N`` (an N×N crop) or ``none`` (the whole image) → ``N`` or ``None``.

    Examples
    --------
    >>> parse_crop("8"), parse_crop("none")
    (8, None)
    """
    if text.lower() in ("none", "off", "whole"):
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"crop must be a size of at least 2 or 'none' for the whole image, got {text!r}")
    return value


def parse_fps(text):
    """Frames per second: a number in (0, 50].

    Examples
    --------
    >>> parse_fps("2.5")
    2.5
    """
    from core.animation_files import MAX_FPS

    return number_option("fps", above=0, maximum=MAX_FPS)(text)


def configure_parser(parser):
    """Add the ``animate`` command's options to ``parser``."""
    from core.frames import COLORMAPS, MAPPINGS

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "examples:\n"
        "  main.py animate --input MNIST.npz --kernel sobel_x --padding same --output a.gif\n"
        "  main.py animate --input photos.npz --index 2 --kernel blur_3 --crop 12 \\\n"
        "      --size 1920x1080 --fps 8 --output blur.png\n"
        "  main.py animate --input MNIST.npz --kernel edge --crop none --every 4 "
        "--output frames/\n\n"
        + EXIT_CODES)
    add_layer_arguments(parser)
    add = parser.add_argument
    add("--index", type=number_option("index", int, minimum=0), default=0, metavar="N",
        help="which image of the dataset (default: 0, the first)")
    add("--map", type=number_option("map", int, minimum=1), default=1, metavar="K",
        help="which kernel of a multi-kernel file to animate (default: 1, the first)")
    add("--crop", type=parse_crop, default=8, metavar="N|none",
        help="animate an N×N piece of the image (default: 8) or 'none' for the whole image")
    add("--centre", type=lambda t: parse_pair(t, "centre", minimum=0), metavar="ROW,COL",
        help="centre of the crop in the image (default: the middle)")
    add("--every", type=number_option("every", int, minimum=1), default=1, metavar="K",
        help="show every K-th step only, for large images (the last step is always shown)")
    add("--fps", type=parse_fps, default=4.0, metavar="F", help="frames per second (default: 4)")
    add("--size", type=parse_size, default=(1280, 720), metavar="WxH",
        help="frame size in pixels (default: 1280x720; 1920x1080 for full HD)")
    add("--loop", type=number_option("loop", int, minimum=0), default=0, metavar="N",
        help="how often the animation plays: 0 forever (default), 1 once, ...")
    add("--hold", type=number_option("hold", minimum=0, maximum=60), default=1.5, metavar="SECONDS",
        help="how long the last frame stays (default: 1.5)")
    add("--colormap", choices=("auto",) + COLORMAPS, default="auto",
        help="output colours; auto: diverging for signed outputs, else gray")
    add("--mapping", choices=("auto",) + MAPPINGS, default="auto",
        help="output levels as in the window; auto: symmetric for signed outputs, else min-max")
    add("--output", required=True, metavar="x.gif|x.png|folder/",
        help="animated GIF, animated PNG or a folder of numbered PNG frames")
    add("--overwrite", action="store_true", help="replace an existing output")
    add("--quiet", action="store_true", help="no progress on stderr")


def _check_output(args):
    from core.animation_files import animation_format

    try:
        fmt = animation_format(args.output)
    except ValueError as exc:
        raise UsageError(f"argument --output: {exc}") from None
    output = Path(args.output)
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"argument --output: folder does not exist: {parent}")
    if fmt != "frames" and output.exists() and not args.overwrite:
        raise UsageError(f"argument --output: {output} exists; add --overwrite to replace it")
    return fmt


def _animation(args):
    from core.frames import Animation
    from core.kernels import find_preset
    from core.sheets import image_range

    if args.transposed and isinstance(args.padding, str) and args.padding != "valid":
        raise UsageError(f"argument --padding: a transposed convolution's padding is a number "
                         f"of pixels (P or PH,PW), got {args.padding!r}")
    padding = (0, 0) if args.transposed and args.padding == "valid" else args.padding
    args.padding = padding
    dataset, spec = load_layer(args)
    if args.index >= len(dataset):
        raise UsageError(f"argument --index: the dataset has {len(dataset)} images "
                         f"(0..{len(dataset) - 1}), got {args.index}")
    maps = spec.kernels.shape[3]
    if args.map > maps:
        raise UsageError(f"argument --map: the kernel file holds {maps} kernel(s), "
                         f"got {args.map}")
    image = dataset.images[args.index]
    if args.centre is not None and not (args.centre[0] < image.shape[0]
                                        and args.centre[1] < image.shape[1]):
        raise UsageError(f"argument --centre: {args.centre} is outside the "
                         f"{image.shape[0]}×{image.shape[1]} image")
    try:
        name = find_preset(args.kernel).name
    except ValueError:
        name = Path(args.kernel).stem
    try:
        return dataset, Animation(image, spec, args.map - 1, crop=args.crop, centre=args.centre,
                                  every=args.every, colormap=args.colormap,
                                  mapping=args.mapping, kernel_name=name,
                                  value_range=image_range(dataset.images))
    except ValueError as exc:
        raise UsageError(f"these settings do not fit the image: {exc}") from None


def _animate(args):
    from core.animation_files import estimate_bytes, iter_write_animation

    fmt = _check_output(args)
    dataset, animation = _animation(args)
    from .frame_painter import RenderedFrames, ensure_gui_application

    app = ensure_gui_application()  # noqa: F841  (kept alive while painting)
    frames = RenderedFrames(animation, args.size)
    quiet = args.quiet
    if not quiet:
        size_mb = estimate_bytes(frames, fmt) / 2**20
        print(f"{PROG}: {dataset.name} #{args.index}: {len(frames)} frames at "
              f"{args.size[0]}×{args.size[1]}, about {size_mb:.1f} MB as {fmt}",
              file=sys.stderr, flush=True)
    started = time.perf_counter()
    progress = Progress("frames", quiet, prog=PROG)
    try:
        run = iter_write_animation(args.output, frames, fmt=fmt, fps=args.fps, plays=args.loop,
                                   hold=args.hold, overwrite=args.overwrite)
    except FileExistsError as exc:
        raise UsageError(f"argument --output: {exc}; add --overwrite to replace it") from None
    for done, total in run:
        progress(done, total)
    if not quiet:
        print(f"{PROG}: wrote {args.output} in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)


def run(args):
    """Run ``animate`` for parsed ``args``; return the exit code (0, 1, 2, 130, or 128 + the
    signal on SIGTERM/SIGHUP; see :func:`convgui.cli_common.run_command`)."""
    return run_command(PROG, lambda: _animate(args))
