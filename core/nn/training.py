"""Mini-batch training as a generator, and the numbers that judge a classifier.

:func:`train` yields a :class:`Progress` after every batch and at the end of every epoch, so a
caller (the command line, a GUI worker thread) can show progress, pause or stop between two
yields simply by not asking for the next one.
"""

import time
from dataclasses import dataclass

import numpy as np

__all__ = ["Progress", "train", "accuracy", "confusion_matrix", "check_labels"]


@dataclass(frozen=True)
class Progress:
    """Where training is. ``kind`` is ``'batch'`` (after one optimiser step) or ``'epoch'``.

    Attributes
    ----------
    kind : {'batch', 'epoch'}
    epoch, epochs : int
        The current epoch (from 1) and how many there are.
    batch, batches : int
        Batches done in this epoch, and per epoch.
    loss, accuracy : float
        Of the last batch (``'batch'``) or the mean over the epoch (``'epoch'``).
    valid_accuracy : float or None
        At the end of an epoch, when validation data was given.
    seconds : float
        Time since training started.
    """

    kind: str
    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    accuracy: float
    valid_accuracy: float | None = None
    seconds: float = 0.0

    @property
    def fraction(self):
        """How much of the whole run is done, 0 to 1."""
        return ((self.epoch - 1) * self.batches + self.batch) / (self.epochs * self.batches)


def check_labels(labels, count, classes, name="labels"):
    """``labels`` as an int64 array of ``count`` values in ``0 .. classes-1``, or a ValueError.

    Examples
    --------
    >>> check_labels([0, 2, 1], 3, 3).tolist()
    [0, 2, 1]
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != count:
        raise ValueError(f"{name} must hold one label per image ({count}), got shape "
                         f"{labels.shape}")
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.all(labels == np.round(labels)):
            raise ValueError(f"{name} must be whole numbers, got dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    if count and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{name} must be in 0..{classes - 1}, found {labels.min()}.."
                         f"{labels.max()}")
    return labels


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def accuracy(network, images, labels, chunk=1000):
    """Fraction of ``images`` the network classifies as ``labels``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.nn import build_network
    >>> net = build_network("conv:2x3x3", (5, 5), 2)
    >>> 0 <= accuracy(net, np.zeros((4, 5, 5)), np.array([0, 1, 0, 1])) <= 1
    True
    """
    predicted = network.predict(images, chunk=chunk)
    return float(np.mean(predicted == np.asarray(labels)))


def confusion_matrix(true, predicted, classes):
    """``matrix[t, p]`` = how many images of class ``t`` were predicted as ``p``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    true = np.asarray(true, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if true.shape != predicted.shape:
        raise ValueError(f"true and predicted differ in shape: {true.shape} vs {predicted.shape}")
    counts = np.bincount(true * classes + predicted, minlength=classes * classes)
    return counts.reshape(classes, classes)


def train(network, optimizer, images, labels, *, epochs=3, batch_size=64, valid=None, seed=0):
    """Train ``network`` with mini-batches; a generator of :class:`Progress`.

    Parameters
    ----------
    network : Network
    optimizer : SGD or Adam
    images : ndarray, shape (m, h, w) or (m, h, w, c)
        Raw images (any real dtype; the network scales them).
    labels : array_like of int, shape (m,)
    epochs, batch_size : int
    valid : (images, labels), optional
        Validation data, scored at the end of every epoch.
    seed : int
        Seeds the shuffling, so a run can be repeated.

    Yields
    ------
    Progress
        One ``'batch'`` per optimiser step, one ``'epoch'`` at the end of each epoch.

    Raises
    ------
    ValueError
        Bad arguments (before anything is trained), or a loss that became NaN/infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from core.nn import build_network, Adam
    >>> x = np.zeros((8, 6, 6)); x[4:, 2:4, 2:4] = 1; y = np.array([0] * 4 + [1] * 4)
    >>> net = build_network("conv:2x3x3,relu", (6, 6), 2)
    >>> steps = list(train(net, Adam(lr=0.05), x, y, epochs=20, batch_size=4, valid=(x, y)))
    >>> steps[-1].kind, steps[-1].valid_accuracy
    ('epoch', 1.0)
    """
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    m = len(images)
    if m == 0:
        raise ValueError("images is empty")
    if tuple(images.shape[1:]) != network.input_shape:
        raise ValueError(f"images have shape {tuple(images.shape[1:])} but the network was "
                         f"built for {network.input_shape}")
    labels = check_labels(labels, m, network.classes)
    if valid is not None:
        valid_images, valid_labels = valid
        if tuple(valid_images.shape[1:]) != network.input_shape:
            raise ValueError(f"valid images have shape {tuple(valid_images.shape[1:])} but the "
                             f"network was built for {network.input_shape}")
        valid_labels = check_labels(valid_labels, len(valid_images), network.classes,
                                    "valid labels")
    rng = np.random.default_rng(seed)
    batches = -(-m // batch_size)
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(m)
        loss_sum = correct = 0.0
        for batch in range(batches):
            # sorted indices read a memory-mapped file front to back
            chosen = np.sort(order[batch * batch_size:(batch + 1) * batch_size])
            target = labels[chosen]
            loss, logits = network.loss_and_gradients(images[chosen], target)
            if not np.isfinite(loss):
                raise ValueError(f"training diverged in epoch {epoch} (the loss is {loss}); "
                                 "try a smaller learning rate")
            pairs = network.trainable()
            with np.errstate(over="ignore", invalid="ignore"):
                optimizer.step(pairs)
            if not all(np.isfinite(param).all() for param, _ in pairs):
                raise ValueError(f"training diverged in epoch {epoch} (a weight became NaN or "
                                 "infinite); try a smaller learning rate")
            hits = int(np.sum(logits.argmax(axis=1) == target))
            loss_sum += loss * len(chosen)
            correct += hits
            yield Progress("batch", epoch, epochs, batch + 1, batches, loss, hits / len(chosen),
                           seconds=time.perf_counter() - started)
        valid_accuracy = None
        if valid is not None:
            valid_accuracy = accuracy(network, valid_images, valid_labels)
        yield Progress("epoch", epoch, epochs, batches, batches, loss_sum / m, correct / m,
                       valid_accuracy, seconds=time.perf_counter() - started)
