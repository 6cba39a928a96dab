"""The seed's file layout for processed arrays: names, labels carried over, one atomic ``.npz``.

:func:`npz_layout` names processed arrays like the file they came from: processing ``X_train``
of ``MNIST.npz`` gives an archive with ``X_train`` (the feature maps, ``(m, oh, ow, nc)``) and
``Y_train`` (the labels, unchanged); processing the ``data`` array of ``animals_1.npz`` gives
``data``. Code written for the original file therefore reads the processed one unchanged.
"""

from __future__ import annotations

import numpy as np

from .atomic import atomic_path

__all__ = ["label_key_for", "npz_layout", "npz_layout_many", "save_npz"]


def label_key_for(key):
    """The label array's name that goes with image array ``key`` in the seed's files.

    ``X_train`` → ``Y_train``, ``x_test`` → ``y_test``, anything else → ``labels``.

    Examples
    --------
    >>> label_key_for("X_valid"), label_key_for("data")
    ('Y_valid', 'labels')
    """
    if key and key[0] in "Xx" and len(key) > 1:
        return ("Y" if key[0] == "X" else "y") + key[1:]
    return "labels"


def npz_layout(outputs, *, key=None, labels=None, class_names=None):
    """The arrays of an ``.npz`` in the source file's layout, as a dict.

    Parameters
    ----------
    outputs : ndarray, shape (n, oh, ow, nc)
        The processed images, stored under ``key`` (``"data"`` when the source had no keys,
        e.g. a ``.npy`` or IDX file).
    labels : ndarray, shape (n,), optional
        Stored under :func:`label_key_for` ``(key)``.
    class_names : list of str, optional
        Stored as ``class_names`` (a string array).

    Examples
    --------
    >>> import numpy as np
    >>> sorted(npz_layout(np.zeros((2, 3, 3, 1)), key="X_train", labels=np.array([4, 2])))
    ['X_train', 'Y_train']
    """
    key = key or "data"
    arrays = {key: outputs}
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(outputs),):
            raise ValueError(f"labels must have shape ({len(outputs)},), got {labels.shape}")
        label_key = label_key_for(key)
        if label_key == key:
            raise ValueError(f"key {key!r} collides with its label array's name")
        arrays[label_key] = labels
    if class_names:
        arrays["class_names"] = np.array([str(n) for n in class_names])
    return arrays


def npz_layout_many(parts, *, class_names=None):
    """Several processed arrays of one source in its layout: each under its key, with its labels.

    Parameters
    ----------
    parts : list of (key, outputs, labels)
        One entry per processed image array of the source (``labels`` may be None). Processing
        ``X_train``, ``X_valid`` and ``X_test`` of ``MNIST.npz`` gives all six arrays back.
    class_names : list of str, optional
        Stored once as ``class_names``.

    Examples
    --------
    >>> import numpy as np
    >>> parts = [("X_train", np.zeros((2, 3, 3, 1)), np.array([4, 2])),
    ...          ("X_test", np.zeros((1, 3, 3, 1)), np.array([7]))]
    >>> sorted(npz_layout_many(parts))
    ['X_test', 'X_train', 'Y_test', 'Y_train']
    """
    if not parts:
        raise ValueError("parts must hold at least one (key, outputs, labels)")
    arrays = {}
    for key, outputs, labels in parts:
        layout = npz_layout(outputs, key=key, labels=labels)
        if key in arrays:
            raise ValueError(f"key {key!r} is given twice")
        for name, value in layout.items():
            if name in arrays:
                name = f"{key}_labels"
            arrays[name] = value
    if class_names:
        arrays["class_names"] = np.array([str(n) for n in class_names])
    return arrays


def save_npz(path, arrays, *, compress=False):
    """Write ``arrays`` (a dict name → array) to an ``.npz`` file, atomically.

    Memory-mapped arrays are streamed from disk, not copied into memory first.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "out.npz")
    >>> save_npz(target, {"data": np.zeros((2, 3, 3, 1))})
    >>> np.load(target)["data"].shape
    (2, 3, 3, 1)
    """
    if not arrays:
        raise ValueError("arrays must name at least one array")
    with atomic_path(path, suffix=".npz") as tmp:
        (np.savez_compressed if compress else np.savez)(tmp, **arrays)
