"""Which images a network trains and validates on, and the network that fits them.

Shared by the command line and the window, so both split a dataset and size a network alike.
"""

import numpy as np

from .network import build_network

__all__ = ["VALID_KEYS", "training_split", "network_for"]

#: Arrays of the same ``.npz`` archive used for validation when training on ``X_train``.
VALID_KEYS = ("X_valid", "X_test")


def training_split(dataset, *, valid_key=None, valid_fraction=0.1, limit=None, seed=0):
    """``(x_train, y_train, x_valid, y_valid)`` from a labelled :class:`core.datasets.Dataset`.

    Validation data is the archive's ``valid_key`` array; by default ``X_valid`` (else
    ``X_test``) when ``dataset`` is an archive's ``X_train``. Otherwise a random
    ``valid_fraction`` of the images (fixed by ``seed``) is held out. ``limit`` keeps only the
    first that many training images.

    Raises
    ------
    ValueError
        No labels, a validation array that cannot be read or has none, or too few images.

    Examples
    --------
    >>> import numpy as np
    >>> from core.datasets import Dataset
    >>> data = Dataset(np.zeros((50, 8, 8)), labels=np.arange(50) % 2)
    >>> [len(part) for part in training_split(data, valid_fraction=0.2)]
    [40, 40, 10, 10]
    """
    if dataset.labels is None:
        raise ValueError(f"{dataset.name or 'the dataset'} has no labels to learn from (an .npz "
                         "needs Y_train next to X_train, or a 'labels' array)")
    images, labels = dataset.images, np.asarray(dataset.labels)
    if valid_key is None and dataset.key == "X_train":
        valid_key = next((k for k in VALID_KEYS if k in dataset.alternatives), None)
    if valid_key is not None:
        valid = dataset.load_alternative(valid_key)
        if valid.labels is None:
            raise ValueError(f"{valid.name} has no labels to validate with")
        valid_images, valid_labels = valid.images, np.asarray(valid.labels)
    else:
        if not 0 < valid_fraction < 1:
            raise ValueError(f"valid_fraction must be between 0 and 1, got {valid_fraction!r}")
        held = max(1, int(round(len(images) * valid_fraction)))
        if held >= len(images):
            raise ValueError(f"{len(images)} image(s) are too few to hold some out for "
                             "validation")
        order = np.random.default_rng(seed).permutation(len(images))
        chosen_valid, chosen_train = np.sort(order[:held]), np.sort(order[held:])
        valid_images, valid_labels = images[chosen_valid], labels[chosen_valid]
        images, labels = images[chosen_train], labels[chosen_train]
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels, valid_images, valid_labels


def network_for(layers, images, labels, valid_labels, *, class_names=None, seed=0):
    """A network for these images: one output per class, uint8 pixels scaled by 1/255.

    Examples
    --------
    >>> import numpy as np
    >>> net = network_for("conv:4x3x3", np.zeros((5, 8, 8), np.uint8), np.array([0, 1, 2, 0, 1]),
    ...                   np.array([0, 1]))
    >>> net.classes, round(net.input_scale * 255, 6)
    (3, 1.0)
    """
    labels, valid_labels = np.asarray(labels), np.asarray(valid_labels)
    if labels.dtype.kind not in "iuf" or valid_labels.dtype.kind not in "iuf":
        raise ValueError("labels must be whole numbers (class indices)")
    classes = int(max(labels.max(), valid_labels.max())) + 1
    if class_names:
        classes = max(classes, len(class_names))
    if classes < 2:
        raise ValueError("the labels name a single class; a classifier needs at least two")
    scale = 1 / 255 if images.dtype == np.uint8 else 1.0
    return build_network(layers, images.shape[1:], classes, input_scale=scale, seed=seed,
                         class_names=class_names)
