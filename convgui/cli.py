"""``python main.py apply``: process a whole dataset from the command line."""

__all__ = ["configure_apply_parser", "run_apply"]


def configure_apply_parser(parser):
    """Add the ``apply`` command's options to ``parser``."""
    parser.add_argument("--input", required=True, help="dataset file (.npz, .npy, IDX, CIFAR)")


def run_apply(args):
    """Run the ``apply`` command; return the process exit code."""
    raise SystemExit("main.py apply: not available yet")
