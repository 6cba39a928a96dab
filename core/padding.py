"""What fills the border of a padded image: zeros, a mirror, the edge pixels or a wrap-around.

The engine pads each block of images inside one reused buffer (see ``_Source`` in
:mod:`core.engine`): the block is copied into the middle and, for every mode but ``'zeros'``,
:func:`fill_border` then fills the border from the pixels already in the buffer. Which pixel
goes where is computed by :func:`border_index`, which asks :func:`numpy.pad` itself on a row of
indices, so each mode is numpy's by construction.
"""

import numpy as np

__all__ = ["PADDING_MODES", "NUMPY_PAD_MODES", "check_padding_mode", "border_index",
           "fill_border"]

#: Border modes understood by :func:`core.engine.conv2d`, in the order the window lists them.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular", "symmetric")

#: The :func:`numpy.pad` mode each border mode equals.
NUMPY_PAD_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
    "symmetric": "symmetric",
}

# How many pixels a mode can borrow from an image of size n without repeating itself
# (numpy would reflect again and again; no image tool or CNN framework does).
_WIDEST = {
    "reflect": lambda n: n - 1,
    "circular": lambda n: n,
    "symmetric": lambda n: n,
}

_MEANING = {
    "reflect": "it mirrors the image without repeating the edge pixel",
    "circular": "it wraps around the image once",
    "symmetric": "it mirrors the image once",
}


def check_padding_mode(mode, pads=((0, 0), (0, 0)), image_hw=None):
    """Return ``mode`` checked: a known name, and ``pads`` no wider than the mode allows.

    Parameters
    ----------
    mode : str
        One of :data:`PADDING_MODES`.
    pads : ((top, bottom), (left, right))
        Resolved padding (see :func:`core.geometry.resolve_padding`).
    image_hw : pair of int, optional
        Image height and width; without it only the name is checked.

    Examples
    --------
    >>> check_padding_mode('reflect', ((1, 1), (1, 1)), (28, 28))
    'reflect'
    >>> check_padding_mode('reflect', ((3, 3), (0, 0)), (3, 3))
    Traceback (most recent call last):
    ...
    ValueError: padding of 3 rows at the top is too wide for padding_mode='reflect' on an image 3 pixels high: it mirrors the image without repeating the edge pixel, so at most 2
    """
    if not isinstance(mode, str) or mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}, "
                         f"got {mode!r}")
    if image_hw is None or mode not in _WIDEST:
        return mode
    (top, bottom), (left, right) = pads
    h, w = image_hw
    for amount, unit, side, size, extent in ((top, "rows", "top", h, "high"),
                                             (bottom, "rows", "bottom", h, "high"),
                                             (left, "columns", "left", w, "wide"),
                                             (right, "columns", "right", w, "wide")):
        widest = _WIDEST[mode](size)
        if amount > widest:
            raise ValueError(
                f"padding of {amount} {unit} at the {side} is too wide for padding_mode="
                f"{mode!r} on an image {size} pixels {extent}: {_MEANING[mode]}, so at most "
                f"{widest}")
    return mode


def border_index(size, before, after, mode):
    """Index into the padded axis of the pixel each padded position copies.

    Positions ``before:before + size`` are the image itself; the others name the image position
    (in padded coordinates) whose value :func:`numpy.pad` puts there.

    Examples
    --------
    >>> border_index(4, 2, 1, 'reflect').tolist()
    [4, 3, 2, 3, 4, 5, 4]
    >>> border_index(4, 1, 1, 'circular').tolist()
    [4, 1, 2, 3, 4, 1]
    """
    return np.pad(np.arange(size), (before, after), mode=NUMPY_PAD_MODES[mode]) + before


def fill_border(buf, pads, mode):
    """Fill the border of ``buf`` (``(..., hp, wp)``) from the image already in its middle.

    ``pads`` is ``((top, bottom), (left, right))``. Rows are filled first (over the image's
    columns), then whole columns, so corners come out as :func:`numpy.pad` makes them.
    ``'zeros'`` writes nothing: the caller's buffer already holds zeros there.

    Examples
    --------
    >>> import numpy as np
    >>> buf = np.zeros((3, 4))
    >>> buf[1:2, 1:3] = [[1, 2]]
    >>> fill_border(buf, ((1, 1), (1, 1)), 'replicate')
    >>> buf
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    if mode == "zeros":
        return
    (top, bottom), (left, right) = pads
    hp, wp = buf.shape[-2:]
    h, w = hp - top - bottom, wp - left - right
    if top or bottom:
        rows = border_index(h, top, bottom, mode)
        middle = buf[..., left:left + w]
        if top:
            middle[..., :top, :] = middle[..., rows[:top], :]
        if bottom:
            middle[..., top + h:, :] = middle[..., rows[top + h:], :]
    if left or right:
        cols = border_index(w, left, right, mode)
        if left:
            buf[..., :left] = buf[..., cols[:left]]
        if right:
            buf[..., left + w:] = buf[..., cols[left + w:]]
