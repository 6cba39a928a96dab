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
    ("check", "convgui.cli_check", "run a student's seven assignment files against the reference"),
    ("train", "convgui.train_cli", "train a small CNN (your layer stack + a dense softmax) on labelled data"),
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
    from .preflight import startup_problem

    problem = startup_problem()
    if problem is not None:          # before Qt: its own abort gives no useful advice
        print(problem, file=sys.stderr)
        return 2
    from PyQt5.QtCore import Qt, QTimer
    from PyQt5.QtWidgets import QApplication

    QApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    QApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Convolution Explorer")
    app.setOrganizationName("ConvolutionExplorer")

    from . import errors
    from .main_window import MainWindow

    restore = not (args.fresh or args.sample or args.open)
    try:
        window = MainWindow(restore=restore, load_in_background=True)
    except Exception as exc:  # noqa: BLE001 - whatever was remembered, the app must start
        if not restore:
            raise
        print(f"Convolution Explorer: the last session could not be restored "
              f"({type(exc).__name__}: {exc}); starting fresh", file=sys.stderr)
        window = MainWindow(restore=False, load_in_background=True)
    errors.install(lambda: window)   # after pyqtgraph's import: replaces its hook too
    _stop_cleanly_on_signals(app, window)
    if args.sample:
        window.open_sample(args.sample)
    if args.open:
        window.open_path(args.open)
    from .window_layout import fit_to_screen

    fit_to_screen(window, restored=window.geometry_restored)
    window.show()
    if args.quit_after is not None:
        QTimer.singleShot(args.quit_after, window.close)
    return app.exec_()


def _stop_cleanly_on_signals(app, window):
    """SIGTERM / SIGHUP close the window normally and delete any half-written temporary file."""
    import signal

    from PyQt5.QtCore import QTimer

    from core.atomic import remove_live_temp_files

    def stop(signum, frame):
        remove_live_temp_files()
        window.close()
        app.quit()

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    # Python runs signal handlers only between its own instructions: wake it up regularly.
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(300)
