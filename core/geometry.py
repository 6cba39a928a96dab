"""Sizes and positions of a sliding window: padding, output shape, receptive fields.

Everything here is arithmetic on shapes; nothing touches pixel values. The GUI's size formula,
hover inspector and step-through animation are built on these functions, so they are the single
place where "where does the kernel sit for output pixel (r, c)?" is answered.
"""

from dataclasses import dataclass

import numpy as np

from ._checks import as_pair

__all__ = [
    "PADDING_WORDS",
    "resolve_padding",
    "output_size",
    "output_shape",
    "size_formula",
    "transposed_size_formula",
    "transposed_output_size",
    "resolve_transposed_padding",
    "stretched_padding",
    "Window",
    "input_window",
    "outputs_reading",
]

#: The padding words the engine understands.
PADDING_WORDS = ("valid", "same", "full")


def _effective(k, d):
    """Extent of a kernel of size ``k`` with dilation ``d``."""
    return d * (k - 1) + 1


def resolve_padding(padding, image_hw, kernel_hw, stride=(1, 1), dilation=(1, 1)):
    """Turn any padding spec into explicit ``((top, bottom), (left, right))`` zero counts.

    Parameters
    ----------
    padding : {'valid', 'same', 'full'}, int, (ph, pw) or ((top, bottom), (left, right))
        ``'valid'``: no padding. ``'same'``: TensorFlow's SAME, output ``ceil(h / sh)``, the odd
        pixel at the bottom/right. ``'full'``: ``k - 1`` (dilated extent) on each side.
        ``(ph, pw)``: that many zeros on each side.
    image_hw, kernel_hw, stride, dilation : pair of int
        Image height/width, kernel height/width, stride and dilation.

    Returns
    -------
    tuple of tuple of int
        ``((top, bottom), (left, right))``.

    Examples
    --------
    >>> resolve_padding('same', (28, 28), (3, 3))
    ((1, 1), (1, 1))
    >>> resolve_padding('same', (5, 5), (2, 2))
    ((0, 1), (0, 1))
    >>> resolve_padding((2, 4), (28, 28), (3, 3))
    ((2, 2), (4, 4))
    """
    h, w = as_pair(image_hw, "image_hw")
    kh, kw = as_pair(kernel_hw, "kernel_hw")
    sh, sw = as_pair(stride, "stride")
    dh, dw = as_pair(dilation, "dilation")
    ekh, ekw = _effective(kh, dh), _effective(kw, dw)
    if isinstance(padding, str):
        word = padding.lower()
        if word == "valid":
            return ((0, 0), (0, 0))
        if word == "full":
            return ((ekh - 1, ekh - 1), (ekw - 1, ekw - 1))
        if word == "same":
            pads = []
            for size, ek, s in ((h, ekh, sh), (w, ekw, sw)):
                out = -(-size // s)
                total = max((out - 1) * s + ek - size, 0)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(
            f"padding must be one of {', '.join(map(repr, PADDING_WORDS))}, "
            f"(ph, pw) or ((top, bottom), (left, right)); got {padding!r}"
        )
    try:
        items = tuple(padding) if not np.isscalar(padding) else None
    except TypeError:
        items = None
    if items is not None and len(items) == 2 and all(np.ndim(p) == 1 for p in items):
        (t, b), (l, r) = (as_pair(p, "padding", minimum=0) for p in items)
        return ((t, b), (l, r))
    try:
        ph, pw = as_pair(padding, "padding", minimum=0)
    except TypeError:
        raise TypeError(
            "padding must be 'valid', 'same', 'full', (ph, pw) or ((top, bottom), (left, right)); "
            f"got {padding!r}"
        ) from None
    return ((ph, ph), (pw, pw))


def output_size(size, kernel, pad_total, stride=1, dilation=1):
    """Length of the output along one axis: ``floor((size + pad - d*(k-1) - 1) / s) + 1``.

    Raises ``ValueError`` when the (dilated) kernel is larger than the padded input.

    Examples
    --------
    >>> output_size(28, 3, 2, stride=2)
    14
    """
    ek = _effective(kernel, dilation)
    padded = size + pad_total
    if ek > padded:
        raise ValueError(
            f"kernel extent {ek} is larger than the padded image ({size} + {pad_total} = {padded})"
        )
    return (padded - ek) // stride + 1


def transposed_output_size(size, kernel, pad_total, stride=1, dilation=1, output_padding=0):
    """Length of a transposed convolution's output along one axis.

    ``(i - 1) * s - pad + d * (k - 1) + a + 1`` (Dumoulin & Visin's relationship 14, with the
    padding of both sides in ``pad``). Raises ``ValueError`` when the output padding is not
    smaller than the stride or the dilation, or when the padding leaves nothing.

    Examples
    --------
    >>> transposed_output_size(3, 3, 2, stride=2, output_padding=1)
    6
    """
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding ({output_padding}) must be smaller than the stride ({stride}) or the "
            f"dilation ({dilation})")
    full = (size - 1) * stride + _effective(kernel, dilation) + output_padding
    if pad_total >= full:
        raise ValueError(
            f"padding ({pad_total} in all) removes the whole output: at most {full - 1} for an "
            f"input of {size} with kernel {kernel}, stride {stride}, dilation {dilation}")
    return full - pad_total


def resolve_transposed_padding(padding):
    """A transposed convolution's padding as ``((top, bottom), (left, right))``.

    It is the padding of the convolution it transposes, so only pixel counts make sense
    (``'valid'`` is 0; ``'same'`` and ``'full'`` depend on that convolution's input size).

    Examples
    --------
    >>> resolve_transposed_padding(1)
    ((1, 1), (1, 1))
    """
    if isinstance(padding, str):
        if padding.lower() == "valid":
            return ((0, 0), (0, 0))
        raise ValueError(
            "padding of a transposed convolution must be a number of pixels: an int, (ph, pw) or "
            f"((top, bottom), (left, right)); got {padding!r}")
    return resolve_padding(padding, (1, 1), (1, 1))


def stretched_padding(kernel_hw, pads, dilation=(1, 1), output_padding=(0, 0)):
    """The padding that turns a transposed convolution into a plain one.

    A transposed convolution equals a stride-1 convolution (same dilation, kernel rotated by
    180 degrees) over the *stretched* input, ``stride - 1`` zeros inserted between its pixels,
    padded by ``d * (k - 1) - p`` on each side plus the output padding at the bottom/right.
    Negative values mean rows or columns cropped off instead.

    Examples
    --------
    >>> stretched_padding((3, 3), ((1, 1), (1, 1)), output_padding=(1, 1))
    ((1, 2), (1, 2))
    """
    kh, kw = as_pair(kernel_hw, "kernel_hw")
    dh, dw = as_pair(dilation, "dilation")
    ah, aw = as_pair(output_padding, "output_padding", minimum=0)
    (t, b), (l, r) = pads
    eh, ew = dh * (kh - 1), dw * (kw - 1)
    return ((eh - t, eh - b + ah), (ew - l, ew - r + aw))


def output_shape(image_hw, kernel_hw, padding="valid", stride=(1, 1), dilation=(1, 1), *,
                 transposed=False, output_padding=(0, 0)):
    """Output ``(oh, ow)`` of a convolution (or, with ``padding='valid'``, a pooling).

    With ``transposed=True``, of the transposed convolution with these settings (see
    :func:`transposed_output_size`).

    Examples
    --------
    >>> output_shape((28, 28), (3, 3), 'valid', stride=(2, 2))
    (13, 13)
    >>> output_shape((28, 28), (3, 3), (2, 4))
    (30, 34)
    >>> output_shape((3, 3), (3, 3), 1, stride=2, transposed=True, output_padding=1)
    (6, 6)
    """
    h, w = as_pair(image_hw, "image_hw")
    kh, kw = as_pair(kernel_hw, "kernel_hw")
    sh, sw = as_pair(stride, "stride")
    dh, dw = as_pair(dilation, "dilation")
    if transposed:
        (t, b), (l, r) = resolve_transposed_padding(padding)
        ah, aw = as_pair(output_padding, "output_padding", minimum=0)
        try:
            return (transposed_output_size(h, kh, t + b, sh, dh, ah),
                    transposed_output_size(w, kw, l + r, sw, dw, aw))
        except ValueError as exc:
            raise ValueError(f"kernel: {exc}") from None
    (t, b), (l, r) = resolve_padding(padding, image_hw, kernel_hw, stride, dilation)
    try:
        return (output_size(h, kh, t + b, sh, dh), output_size(w, kw, l + r, sw, dw))
    except ValueError as exc:
        raise ValueError(f"kernel: {exc}") from None


def size_formula(size, kernel, pads, stride, dilation):
    """The output-size arithmetic along one axis as text, e.g. ``⌊(28 + 1 + 1 − 3) / 2⌋ + 1 = 14``.

    Examples
    --------
    >>> size_formula(28, 3, (1, 1), 2, 1)
    '⌊(28 + 1 + 1 − 3) / 2⌋ + 1 = 14'
    """
    extent = dilation * (kernel - 1) + 1
    k_text = str(kernel) if dilation == 1 else f"({dilation}·({kernel} − 1) + 1)"
    pad_text = "".join(f" + {p}" for p in pads)
    try:
        result = output_size(size, kernel, sum(pads), stride, dilation)
    except ValueError:
        return f"{size}{pad_text} < {extent}: the kernel does not fit"
    inner = f"{size}{pad_text} − {k_text}"
    if stride == 1:
        return f"{inner} + 1 = {result}"
    return f"⌊({inner}) / {stride}⌋ + 1 = {result}"


def transposed_size_formula(size, kernel, pads, stride, dilation, output_padding=0):
    """A transposed convolution's output size along one axis as text.

    Examples
    --------
    >>> transposed_size_formula(3, 3, (1, 1), 2, 1, 1)
    '(3 − 1)·2 − 1 − 1 + (3 − 1) + 1 + 1 = 6'
    """
    k_text = f"({kernel} − 1)" if dilation == 1 else f"{dilation}·({kernel} − 1)"
    pad_text = "".join(f" − {p}" for p in pads if p)
    extra = f" + {output_padding}" if output_padding else ""
    try:
        result = transposed_output_size(size, kernel, sum(pads), stride, dilation,
                                        output_padding)
    except ValueError as exc:
        return str(exc)
    return f"({size} − 1)·{stride}{pad_text} + {k_text}{extra} + 1 = {result}"


@dataclass(frozen=True)
class Window:
    """Where a kernel sits in the input for one output pixel.

    ``rows``/``cols`` are the input coordinates of the kernel taps (dilation spacing included);
    they can be negative or past the edge, where the tap falls on padding.
    """

    rows: np.ndarray
    cols: np.ndarray

    @property
    def top(self):
        return int(self.rows[0])

    @property
    def left(self):
        return int(self.cols[0])

    @property
    def bottom(self):
        return int(self.rows[-1])

    @property
    def right(self):
        return int(self.cols[-1])

    def inside(self, image_hw):
        """Boolean ``(kh, kw)`` mask of taps that fall on real pixels, not padding."""
        h, w = image_hw
        r_ok = (self.rows >= 0) & (self.rows < h)
        c_ok = (self.cols >= 0) & (self.cols < w)
        return r_ok[:, None] & c_ok[None, :]

    def patch(self, image, fill=0):
        """The ``(kh, kw[, c])`` input values under the kernel, ``fill`` on padding."""
        image = np.asarray(image)
        h, w = image.shape[:2]
        rr = np.clip(self.rows, 0, h - 1)
        cc = np.clip(self.cols, 0, w - 1)
        values = image[rr[:, None], cc[None, :]].astype(np.float64)
        mask = self.inside((h, w))
        values[~mask] = fill
        return values


def input_window(out_rc, kernel_hw, pads=((0, 0), (0, 0)), stride=(1, 1), dilation=(1, 1), *,
                 transposed=False):
    """The input window that produces output pixel ``out_rc``.

    With ``transposed=True`` the window is over the *stretched* input of a transposed
    convolution (its pixel ``(y, x)`` sits at ``(y * sh, x * sw)``, inserted zeros between; see
    :func:`stretched_padding`), and tap ``(i, j)`` of the window multiplies kernel tap
    ``(kh - 1 - i, kw - 1 - j)``. ``pads`` is then the transposed convolution's padding.

    Parameters
    ----------
    out_rc : pair of int
        Output row and column.
    kernel_hw : pair of int
        Kernel height and width.
    pads : ((top, bottom), (left, right))
        Resolved padding (see :func:`resolve_padding`).
    stride, dilation : pair of int
    transposed : bool

    Examples
    --------
    >>> win = input_window((0, 0), (3, 3), ((1, 1), (1, 1)))
    >>> win.rows.tolist(), win.cols.tolist()
    ([-1, 0, 1], [-1, 0, 1])
    >>> input_window((0, 0), (3, 3), ((1, 1), (1, 1)), stride=2, transposed=True).rows.tolist()
    [-1, 0, 1]
    """
    if transposed:
        pads = stretched_padding(kernel_hw, pads, dilation)
        stride = (1, 1)
    r, c = as_pair(out_rc, "out_rc", minimum=0)
    kh, kw = as_pair(kernel_hw, "kernel_hw")
    sh, sw = as_pair(stride, "stride")
    dh, dw = as_pair(dilation, "dilation")
    (t, _), (l, _) = pads
    rows = r * sh - t + dh * np.arange(kh)
    cols = c * sw - l + dw * np.arange(kw)
    return Window(rows=rows, cols=cols)


def outputs_reading(in_rc, kernel_hw, out_hw, pads=((0, 0), (0, 0)), stride=(1, 1),
                    dilation=(1, 1), *, transposed=False):
    """All output pixels whose window reads input pixel ``in_rc``.

    With ``transposed=True``, ``in_rc`` is a position of the stretched input (input pixel
    ``(y, x)`` is at ``(y * sh, x * sw)``; see :func:`input_window`) and ``pads`` the transposed
    convolution's padding: the result is every output pixel that pixel adds into.

    Returns
    -------
    list of (row, col)
        Sorted output coordinates (may be empty, e.g. for pixels a stride skips).

    Examples
    --------
    >>> outputs_reading((0, 0), (3, 3), (26, 26))
    [(0, 0)]
    >>> outputs_reading((2, 0), (3, 3), (5, 5), ((1, 1), (1, 1)), stride=2, transposed=True)
    [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
    """
    if transposed:
        pads = stretched_padding(kernel_hw, pads, dilation)
        stride = (1, 1)
    y, x = in_rc
    kh, kw = as_pair(kernel_hw, "kernel_hw")
    oh, ow = out_hw
    sh, sw = as_pair(stride, "stride")
    dh, dw = as_pair(dilation, "dilation")
    (t, _), (l, _) = pads

    def along(pos, pad, k, s, d, n):
        hits = set()
        for i in range(k):
            num = pos + pad - d * i
            if num >= 0 and num % s == 0 and num // s < n:
                hits.add(num // s)
        return sorted(hits)

    rows = along(y, t, kh, sh, dh, oh)
    cols = along(x, l, kw, sw, dw, ow)
    return [(r, c) for r in rows for c in cols]
