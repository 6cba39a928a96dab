#!/usr/bin/env python3
"""Take the README's screenshots of the real window.

Run under a virtual display: ``xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python
scripts/take_screenshots.py``. Writes PNGs into ``resources/screenshots/``.
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PyQt5.QtCore import QSettings, QStandardPaths  # noqa: E402
from PyQt5.QtWidgets import QApplication  # noqa: E402

OUT = ROOT / "resources" / "screenshots"


def pump(app, seconds=0.3):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def isolated_app():
    """The QApplication, with settings in a fresh temporary folder (the user's stay untouched)."""
    app = QApplication(sys.argv)
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
    QSettings.setDefaultFormat(QSettings.IniFormat)
    return app


def main():
    app = isolated_app()
    from convgui.main_window import MainWindow

    OUT.mkdir(parents=True, exist_ok=True)
    window = MainWindow(restore=False)
    window.resize(1366, 768)  # the most common laptop and projector size
    window.show()
    state = window.state
    if sys.argv[1:] == ["layers"]:  # only the layer-stack picture
        shoot_layers(app, window)
        window.close()
        return

    def shoot(name):
        window.computation.compute_now()
        window.computation.wait_idle()
        pump(app)
        window.grab().save(str(OUT / name))
        print("wrote", OUT / name)

    shoot("first_screen.png")  # a fresh start, untouched

    state.index = 7
    state.kernels = np.array([[1.0, 0.0, -1.0]] * 3)
    state.padding = "same"
    state.activation = "relu"
    state.pool_mode = "max"
    pump(app)
    window.inspector.pinned = True
    window.inspector.inspect("conv", 0, 12, 14)
    shoot("mnist_inspector.png")

    window.toggle_presentation(True)
    pump(app, 1.0)
    window.inspector.pinned = True
    window.inspector.inspect("conv", 0, 12, 14)
    shoot("presentation.png")
    window.toggle_presentation(False)
    pump(app)

    window.inspector.clear()
    window.open_sample("Chelsea the cat")
    edges = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    bank = np.stack([np.repeat(edges[:, :, None], 3, 2), np.repeat(edges.T[:, :, None], 3, 2),
                     np.full((3, 3, 3), 1 / 27)], axis=3)
    state.kernels = bank
    state.activation = "abs"
    state.colormap = "viridis"
    shoot("photo_bank.png")

    state.colormap = "gray"
    state.activation = "relu"
    state.kernels = edges
    window.tabs.setCurrentWidget(window.pipeline_tab)
    shoot("pipeline.png")

    window.tabs.setCurrentWidget(window.canvas)
    window.open_sample("MNIST digits")
    state.index = 3
    state.kernels = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    state.padding = (1, 1)
    state.stride = (2, 2)
    state.activation = "none"
    state.pool_mode = "off"
    state.colormap = "diverging"
    state.mapping = "symmetric"
    window.computation.compute_now()
    pump(app)
    window.stepper.set_active(True)
    window.stepper.seek(60)
    shoot("step_through.png")
    shoot_training(app, window)

    # Transposed convolution with the bilinear kernel: upsampling x2 of a photo's detail.
    window.stepper.seek(0)
    window.stepper.set_active(False)
    window.open_sample("Tiny photos 32x32")
    state.index = 8
    bilinear = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 4
    state.kernels = np.repeat(bilinear[:, :, None], 3, 2) / 3
    state.transposed = True
    state.stride = (2, 2)
    state.padding = (1, 1)
    state.output_padding = (1, 1)
    state.colormap = "gray"
    state.mapping = "minmax"
    window.computation.compute_now()
    pump(app)
    window.inspector.pinned = True
    window.inspector.inspect("conv", 0, 30, 21)
    shoot("transposed.png")
    window.close()


def shoot_layers(app, window):
    """Three layers on an MNIST digit at 1366×768, a layer-3 pixel pinned on the Layers tab."""
    from convgui.pixel_ref import Spot

    window.resize(1366, 768)
    state = window.state
    window.open_sample("MNIST digits")
    state.index = 7
    sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    state.kernels = np.stack([sobel, sobel.T, -sobel, -sobel.T], axis=2)[:, :, None, :]
    state.activation = "relu"
    state.pool_mode = "max"
    window.layer_strip.add_layer()
    window.layer_strip.add_layer()
    window.computation.compute_now()
    pump(app)
    tab = window.layers_tab
    spot = Spot(2, "conv", 1, 2, 3)
    tab.pinned = spot
    tab.inspect(spot)
    window.inspector_panel.channel_combo.setCurrentIndex(1)  # the map this kernel reads
    pump(app)
    window.grab().save(str(OUT / "layers.png"))
    print("wrote", OUT / "layers.png")


def shoot_training(app, window):
    """The Train panel after a few epochs on the bundled MNIST digits."""
    from convgui.training_panel import open_training_panel

    window.stepper.set_active(False)
    window.open_sample("MNIST digits")
    panel = open_training_panel(window)
    panel.resize(1100, 940)
    panel.epochs.setValue(8)
    panel.start()
    while panel.is_running():
        pump(app, 0.1)
    pump(app)
    panel.grab().save(str(OUT / "training_mnist.png"))
    print("wrote", OUT / "training_mnist.png")


if __name__ == "__main__":
    main()
