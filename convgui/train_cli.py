"""``python main.py train``: train a small CNN on a labelled dataset, without a window.

Example::

    python main.py train --input MNIST.npz --layers "conv:8x5x5,relu,maxpool:2" --epochs 3 \\
        --optimizer adam --output model.npz

The stack is written as in :mod:`core.nn.network`; a flatten and a dense layer with one unit per
class are added. Validation data is the archive's ``X_valid`` (or ``X_test``) when training on
``X_train``, otherwise a held-out part of the training images (``--valid-fraction``).

Progress goes to stderr, the final accuracy to stdout. Exit codes: 0 done, 2 bad arguments or
files, 1 writing failed, 130 interrupted (Ctrl+C); a failed or interrupted run writes nothing.
Nothing here imports Qt.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from core.choices import OPTIMIZER_CHOICES, keys
from core.nn.network import DEFAULT_LAYERS
from core.nn.optim import OPTIMIZERS

from .cli_common import EXIT_CODES, UsageError, number_option, run_command
from .cli_layer import load_input

__all__ = ["configure_parser", "run"]

PROG = "main.py train"


def configure_parser(parser):
    """Add the ``train`` command's options to ``parser``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "layers: comma-separated, e.g. conv:8x5x5,relu,maxpool:2 or\n"
        "  conv:16x3x3:padding=same:stride=2,relu,avgpool:2,dense:64,relu\n"
        "  (conv:NxKHxKW with padding=, stride=, dilation=, bias=no; maxpool:K / avgpool:K with\n"
        "  stride=; dense:N; the final dense layer with one unit per class is added)\n\n"
        + EXIT_CODES)
    add = parser.add_argument
    add("--input", required=True, metavar="PATH",
        help="labelled dataset (.npz like MNIST.npz, MNIST IDX, CIFAR batch)")
    add("--key", metavar="NAME", help="training array of an .npz archive (default: X_train, ...)")
    add("--valid-key", metavar="NAME",
        help="validation array of the same archive (default: X_valid, else X_test, else a "
             "held-out part of the training images)")
    add("--valid-fraction", type=number_option("valid fraction", above=0, below=1), default=0.1, metavar="F",
        help="part of the training images held out when there is no validation array "
             "(default: 0.1)")
    add("--layers", default=DEFAULT_LAYERS, metavar="STACK",
        help=f"the layer stack (default: {DEFAULT_LAYERS})")
    add("--epochs", type=number_option("epochs", int, minimum=1), default=3, help="passes over the training images "
        "(default: 3)")
    add("--batch-size", type=number_option("batch size", int, minimum=1), default=64, metavar="N",
        help="images per step (default: 64)")
    add("--optimizer", choices=keys(OPTIMIZER_CHOICES), default=OPTIMIZER_CHOICES[0][0],
        help=" or ".join(f"{key}: {text} (lr {OPTIMIZERS[key]:g})"
                         for key, text in OPTIMIZER_CHOICES) + " (default: the first)")
    add("--lr", type=number_option("learning rate", above=0), metavar="RATE", help="learning rate")
    add("--limit", type=number_option("limit", int, minimum=1), metavar="N", help="train on the first N images only")
    add("--seed", type=int, default=0, help="seed of the initial weights and shuffling")
    add("--output", required=True, metavar="MODEL.npz", help="model file to write")
    add("--kernels-out", metavar="BANK.json",
        help="also save the learned first-layer kernels as a kernel file (.json or .npy)")
    add("--overwrite", action="store_true", help="replace existing output files")
    add("--quiet", action="store_true", help="no progress on stderr")


def _check_output(path, suffixes, option, overwrite):
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"argument {option}: must end in {' or '.join(suffixes)}, got "
                          f"{path.name!r}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"argument {option}: folder does not exist: {parent}")
    if path.exists() and not overwrite:
        raise UsageError(f"argument {option}: {path} exists; add --overwrite to replace it")
    return path


def _load_data(args):
    """``(train_images, train_labels, valid_images, valid_labels, dataset)``."""
    from core.nn import training_split

    dataset = load_input(args.input, args.key)
    try:
        parts = training_split(dataset, valid_key=args.valid_key,
                               valid_fraction=args.valid_fraction, limit=args.limit,
                               seed=args.seed)
    except (ValueError, OSError) as exc:
        option = "--valid-key" if args.valid_key else "--input"
        raise UsageError(f"argument {option}: {exc}") from None
    return parts + (dataset,)


def _build(args, images, labels, valid_labels, dataset):
    from core.nn import network_for

    try:
        return network_for(args.layers, images, labels, valid_labels,
                           class_names=dataset.class_names, seed=args.seed)
    except ValueError as exc:
        message = str(exc)
        raise UsageError(message if message.startswith("layers")
                          else f"argument --input: {message}") from None


def _train(args):
    from core.batch import Throttle
    from core.nn import accuracy, confusion_matrix, export_kernels, make_optimizer, save_model
    from core.nn import train as train_steps

    output = _check_output(args.output, (".npz",), "--output", args.overwrite)
    kernels_out = None
    if args.kernels_out:
        kernels_out = _check_output(args.kernels_out, (".json", ".npy"), "--kernels-out",
                                    args.overwrite)
    images, labels, valid_images, valid_labels, dataset = _load_data(args)
    network = _build(args, images, labels, valid_labels, dataset)
    optimizer = make_optimizer(args.optimizer, args.lr)
    say = (lambda text: None) if args.quiet else (
        lambda text: print(f"{PROG}: {text}", file=sys.stderr, flush=True))
    say(f"{dataset.name}: {len(images)} training and {len(valid_images)} validation images "
        f"{images.shape[1:]}, {network.classes} classes")
    say(f"network: {network.describe()}; {args.optimizer}, lr {optimizer.lr:g}, batch "
        f"{args.batch_size}, {args.epochs} epoch(s)")
    throttle = Throttle(1.0)
    last = None
    try:
        steps = train_steps(network, optimizer, images, labels, epochs=args.epochs,
                            batch_size=args.batch_size, valid=(valid_images, valid_labels),
                            seed=args.seed)
        for last in steps:
            if last.kind == "epoch":
                say(f"epoch {last.epoch}/{last.epochs}: loss {last.loss:.4f}, training accuracy "
                    f"{100 * last.accuracy:.2f}%, validation accuracy "
                    f"{100 * last.valid_accuracy:.2f}% ({last.seconds:.1f} s)")
            elif throttle.ready():
                say(f"epoch {last.epoch}/{last.epochs}, batch {last.batch}/{last.batches}: "
                    f"loss {last.loss:.4f} ({100 * last.fraction:.0f}%)")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    predicted = network.predict(valid_images)
    matrix = confusion_matrix(valid_labels.astype(np.int64), predicted, network.classes)
    final = accuracy(network, valid_images, valid_labels)
    save_model(output, network)
    if kernels_out is not None:
        export_kernels(kernels_out, network, name=f"learned: {network.layers[0].describe()}")
    say(f"wrote {output}" + (f" and {kernels_out}" if kernels_out else ""))
    if not args.quiet:
        print("confusion matrix (rows: true class, columns: predicted):", file=sys.stderr)
        print(np.array2string(matrix, max_line_width=120), file=sys.stderr)
    print(f"validation accuracy {100 * final:.2f}% ({int(round(final * len(valid_labels)))}/"
          f"{len(valid_labels)}) after {args.epochs} epoch(s), {last.seconds:.1f} s")


def run(args):
    """Run the ``train`` command for parsed ``args``; return the exit code."""
    return run_command(PROG, lambda: _train(args))
