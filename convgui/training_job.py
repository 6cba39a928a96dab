"""One training run of the window's Train panel, as a worker job (no Qt in here).

The job runs on the worker thread; the panel reads what it records (curves, the latest
first-layer kernels) on the GUI thread whenever the worker reports progress. Pausing and
stopping are flags the job looks at between two training steps: a paused job keeps reporting
the same progress (so the worker can still cancel it) until it is resumed; a stopped job ends
training early and still scores the network it has.
"""

import threading
import time
from dataclasses import dataclass

import numpy as np

from core.nn import (build_network, confusion_matrix, make_optimizer, network_for,
                     receptive_fields, train, training_split)

__all__ = ["START_CHOICES", "TrainingSettings", "TrainingResult", "TrainingRun",
           "default_layers", "stack_layers", "stack_summary"]

#: How layer 1 starts: key → label shown in the panel.
START_CHOICES = {
    "random": "Random kernels",
    "handmade": "The current hand-made kernels",
    "frozen": "Hand-made kernels, frozen (learn the rest)",
}


def default_layers(bank, padding="valid", stride=(1, 1), dilation=(1, 1)):
    """The layer text for the window's kernel bank and settings, e.g. ``conv:8x5x5,relu,maxpool:2``.

    Examples
    --------
    >>> import numpy as np
    >>> default_layers(np.zeros((3, 3, 1, 2)), padding="same", stride=(2, 2))
    'conv:2x3x3:padding=same:stride=2,relu,maxpool:2'
    >>> default_layers(np.zeros((5, 3, 1, 1)), padding=(2, 1), dilation=(1, 2))
    'conv:1x5x3:padding=2x1:dilation=1x2,relu,maxpool:2'
    """
    kh, kw, _, nc = np.shape(bank)
    parts = [f"conv:{nc}x{kh}x{kw}"]
    if isinstance(padding, str):
        if padding != "valid":
            parts.append(f"padding={padding}")
    else:
        flat = [int(v) for v in np.ravel(padding)]
        # (ph, pw) or ((top, bottom), (left, right)) with equal sides
        ph, pw = (flat[0], flat[-1]) if len(flat) == 2 else (flat[0], flat[2])
        if (ph, pw) != (0, 0):
            parts.append(f"padding={ph}" if ph == pw else f"padding={ph}x{pw}")
    for name, (a, b) in (("stride", stride), ("dilation", dilation)):
        if (a, b) != (1, 1):
            parts.append(f"{name}={a}" if a == b else f"{name}={a}x{b}")
    return ":".join(parts) + ",relu,maxpool:2"


def stack_layers(specs):
    """The layer text of the window's layer stack (one ``PipelineSpec`` per layer): each
    layer's convolution (padding, stride, dilation, padding mode), its ReLU and its pooling.

    The network knows ReLU only: a layer with |x| gets a ReLU, a layer without activation none.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> stack_layers([PipelineSpec(np.zeros((5, 5, 1, 4)), activation="relu", pool_mode="max"),
    ...               PipelineSpec(np.zeros((3, 3, 4, 8)), padding="same", padding_mode="reflect",
    ...                            pool_mode="avg", pool_shape=(3, 3), pool_stride=(2, 2))])
    'conv:4x5x5,relu,maxpool:2,conv:8x3x3:padding=same:mode=reflect,avgpool:3:stride=2'
    """
    parts = []
    for spec in specs:
        conv = default_layers(spec.kernels, spec.padding, spec.stride, spec.dilation)
        conv = conv.split(",", 1)[0]
        if spec.padding_mode != "zeros":
            conv += f":mode={spec.padding_mode}"
        parts.append(conv)
        if spec.activation != "none":
            parts.append("relu")
        if spec.pooled:
            (ph, pw), (sh, sw) = spec.pool_shape, spec.pool_stride
            pool = f"{spec.pool_mode}pool:{ph}" + (f"x{pw}" if pw != ph else "")
            if (sh, sw) != (ph, pw):
                pool += f":stride={sh}" + (f"x{sw}" if sw != sh else "")
            parts.append(pool)
    return ",".join(parts)


def stack_summary(layers, image_shape, classes):
    """One line of sizes and receptive fields for a layer text, or a ValueError saying why not.

    Examples
    --------
    >>> stack_summary("conv:8x5x5,relu,maxpool:2", (28, 28), 10)
    'sizes 28×28×1 → 24×24×8 → 12×12×8 → 10 classes · receptive field 5 → 6 px (jump 2)'
    """
    network = build_network(layers, image_shape, classes)
    sizes = [network.shapes[0]] + [shape for layer, shape in
                                   zip(network.layers, network.shapes[1:])
                                   if layer.kind in ("conv", "maxpool", "avgpool", "dense")]
    text = " → ".join("×".join(map(str, shape)) for shape in sizes[:-1])
    fields = [field for layer, field in zip(network.layers, receptive_fields(network.layers))
              if layer.kind in ("conv", "maxpool", "avgpool")]
    grow = " → ".join(str(f.size[0]) if f.size[0] == f.size[1] else f"{f.size[0]}×{f.size[1]}"
                      for f in fields)
    jump = fields[-1].jump[0] if fields else 1
    return (f"sizes {text} → {classes} classes · receptive field {grow} px"
            + (f" (jump {jump})" if jump > 1 else ""))


@dataclass
class TrainingSettings:
    """What the panel asks for. ``kernels`` is the hand-made bank ``(kh, kw, c, nc)`` as
    cross-correlation weights (used when ``start`` is ``'handmade'`` or ``'frozen'``);
    ``later_kernels`` the hand-made banks of the next conv layers, used as their start too when
    their shapes match (they always learn)."""

    layers: str
    epochs: int = 3
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float | None = None
    start: str = "random"
    kernels: np.ndarray | None = None
    later_kernels: tuple = ()
    limit: int | None = None
    seed: int = 0


@dataclass
class TrainingResult:
    """The end of a run: the network, its validation accuracy and confusion matrix."""

    network: object
    valid_accuracy: float
    confusion: np.ndarray
    stopped_early: bool
    seconds: float


class TrainingRun:
    """Everything one run records, shared between the worker's job and the panel.

    Lists only grow (appends are atomic), and the kernels are replaced by a fresh copy, so the
    panel can read them at any time without a lock.
    """

    def __init__(self, dataset, settings):
        if settings.start not in START_CHOICES:
            raise ValueError(f"start must be one of {tuple(START_CHOICES)}, got "
                             f"{settings.start!r}")
        self.dataset = dataset
        self.settings = settings
        self.network = None
        self.sizes = None            #: (training images, validation images) once known
        self.steps = []              #: (epoch as a float, batch loss, batch accuracy)
        self.epochs = []             #: (epoch, mean loss, training accuracy, validation accuracy)
        self.kernels = None          #: latest layer-1 kernels (kh, kw, c, nc), a copy
        self.kernel_version = 0
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()

    # -- control, from the GUI thread ------------------------------------------------------

    def pause(self):
        self._running.clear()

    def resume(self):
        self._running.set()

    @property
    def paused(self):
        return not self._running.is_set()

    def request_stop(self):
        """End training after the current step; the result is still computed."""
        self._stop.set()
        self._running.set()

    # -- the job, on the worker thread -------------------------------------------------------

    def _prepare(self):
        s = self.settings
        x, y, xv, yv = training_split(self.dataset, limit=s.limit, seed=s.seed)
        network = network_for(s.layers, x, y, yv, class_names=self.dataset.class_names,
                              seed=s.seed)
        conv = network.first_conv()
        if s.start != "random":
            if conv is None or network.layers[0] is not conv:
                raise ValueError("to start from the hand-made kernels the stack must begin "
                                 "with a conv layer")
            bank = np.asarray(s.kernels)
            if bank.shape != conv.params["W"].shape:
                kh, kw, c, nc = bank.shape
                raise ValueError(
                    f"the hand-made bank holds {nc} kernel(s) of {kh}×{kw} ({c} channel(s)) but "
                    f"layer 1 is {conv.describe()} on {conv.params['W'].shape[2]} channel(s); "
                    f"make them match, or start from random kernels")
            conv.params["W"][...] = bank
            conv.frozen = s.start == "frozen"
            later = [layer for layer in network.layers if layer.kind == "conv"][1:]
            for layer, bank in zip(later, s.later_kernels):
                if np.shape(bank) == layer.params["W"].shape:
                    layer.params["W"][...] = bank
        self.sizes = (len(x), len(xv))
        return network, x, y, xv, yv

    def _snapshot(self, network):
        conv = network.first_conv()
        if conv is not None:
            self.kernels = conv.params["W"].astype(np.float64)
            self.kernel_version += 1

    def job(self):
        """A generator for the worker: yields ``(done, total)`` steps, returns the result."""
        started = time.perf_counter()
        network, x, y, xv, yv = self._prepare()
        self.network = network
        self._snapshot(network)
        s = self.settings
        steps = train(network, make_optimizer(s.optimizer, s.lr), x, y, epochs=s.epochs,
                      batch_size=s.batch_size, valid=(xv, yv), seed=s.seed)
        total = s.epochs * -(-len(x) // s.batch_size)
        done = 0
        stopped = False
        try:
            for step in steps:
                done = (step.epoch - 1) * step.batches + step.batch
                if step.kind == "batch":
                    self.steps.append((done / step.batches, step.loss, step.accuracy))
                    if not network.first_conv() or not network.first_conv().frozen:
                        self._snapshot(network)
                else:
                    self.epochs.append((step.epoch, step.loss, step.accuracy,
                                        step.valid_accuracy))
                yield done, total
                while self.paused and not self._stop.is_set():
                    time.sleep(0.03)
                    yield done, total
                if self._stop.is_set():
                    stopped = done < total
                    break
        finally:
            steps.close()
        predicted = network.predict(xv)
        matrix = confusion_matrix(np.asarray(yv, dtype=np.int64), predicted, network.classes)
        accuracy = float(np.trace(matrix) / max(1, matrix.sum()))
        return TrainingResult(network, accuracy, matrix, stopped, time.perf_counter() - started)
