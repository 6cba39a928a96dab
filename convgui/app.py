"""Application start-up: the QApplication, the window, and the command line.

``python main.py`` opens the window; ``python main.py apply …`` processes a whole dataset
without one (see :mod:`convgui.cli`).
"""

import argparse
import importlib
import sys

__all__ = ["main", "build_parser"]


# Sub-commands: (name, module, one-line help). Each module defines
# ``configure_parser(parser)`` and ``run(args) -> int`` and imports no Qt at module level, so
# ``main.py COMMAND`` works on a machine without a display. A new command is one line here.
COMMANDS = (
    ("apply", "convgui.cli", "apply a kernel (and pooling) to a whole dataset and save the result"),
    ("animate", "convgui.animate_command", "save the step-through of one image as a GIF, APNG or PNG frames"),
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Convolution Explorer: see image convolution and pooling on real images. "
                    "With no command, opens the window.")
    parser.add_argument("--sample", help="open this bundled sample instead of the last dataset")
    parser.add_argument("--open", metavar="PATH", help="open this dataset, image or folder")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore the settings remembered from the last run")
    parser.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name, summary in COMMANDS:
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        module.configure_parser(sub)
    return parser


def main(argv=None):
    """Run the command line or start the GUI; return the exit code."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    for name, module_name, _ in COMMANDS:
        if args.command == name:
            return importlib.import_module(module_name).run(args)
    return run_gui(args)


def run_gui(args):
    from PyQt5.QtCore import Qt, QTimer
    from PyQt5.QtWidgets import QApplication

    QApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    QApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Convolution Explorer")
    app.setOrganizationName("ConvolutionExplorer")

    from .main_window import MainWindow

    window = MainWindow(restore=not (args.fresh or args.sample or args.open))
    if args.sample:
        window.open_sample(args.sample)
    if args.open:
        window.open_path(args.open)
    window.resize(1500, 900)
    window.show()
    if args.quit_after is not None:
        QTimer.singleShot(args.quit_after, window.close)
    return app.exec_()
