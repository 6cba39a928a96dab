"""Application start-up: the QApplication, the window, and command-line options."""

import argparse
import sys

__all__ = ["main", "build_parser"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Convolution Explorer: see image convolution and pooling on real images. "
                    "With no arguments, opens the window.")
    parser.add_argument("--sample", help="open this bundled sample instead of the last dataset")
    parser.add_argument("--open", metavar="PATH", help="open this dataset, image or folder")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore the settings remembered from the last run")
    parser.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)
    return parser


def main(argv=None):
    """Start the GUI and return its exit code."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from PyQt5.QtCore import Qt
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
        from PyQt5.QtCore import QTimer

        QTimer.singleShot(args.quit_after, window.close)
    return app.exec_()
