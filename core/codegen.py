"""Turn the explorer's current settings into a short Python snippet that reproduces its output.

:func:`python_snippet` writes code that loads the images, builds the kernel (or kernel bank) as a
literal ``np.array``, and runs :func:`core.conv2d`, the activation and :func:`core.pool2d`, leaving
the result in a variable named ``output``. When the settings match one of the assignment's seven
functions, the snippet also shows that call, commented out (:func:`seed_equivalent`).

Numbers are written so that they evaluate to exactly the same float64: integers as integers,
simple fractions as ``p/q`` when that is shorter (``1/9``), everything else with :func:`repr`.
"""

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ._checks import as_pair
from .choices import channel_long_names
from .geometry import resolve_padding
from .pipeline import PipelineSpec

__all__ = ["ImageSource", "format_number", "kernel_literal", "python_snippet", "seed_equivalent"]

#: The folder holding the ``core`` package, so that generated scripts run from anywhere.
APP_FOLDER = Path(__file__).resolve().parent.parent

@dataclass(frozen=True)
class ImageSource:
    """Where the snippet's ``images`` come from.

    Attributes
    ----------
    kind : {'sample', 'file', 'variable'}
        A bundled sample (:func:`core.datasets.load_sample`), a dataset file
        (:func:`core.datasets.load_dataset`), or an existing variable ``images``.
    name : str
        The sample's name, or a description of the data for ``'variable'``.
    path : str or None
        The dataset file, for ``'file'``.
    key : str or None
        The array inside an ``.npz`` archive, for ``'file'``.

    Examples
    --------
    >>> ImageSource.sample("MNIST digits").kind
    'sample'
    """

    kind: str
    name: str = ""
    path: str = None
    key: str = None

    def __post_init__(self):
        if self.kind not in ("sample", "file", "variable"):
            raise ValueError(f"kind must be 'sample', 'file' or 'variable', got {self.kind!r}")
        if self.kind == "file" and not self.path:
            raise ValueError("path is required for an image source of kind 'file'")

    @classmethod
    def sample(cls, name):
        """A bundled sample, opened by name."""
        return cls("sample", name=name)

    @classmethod
    def file(cls, path, key=None):
        """A dataset file (``.npz``, ``.npy``, IDX, CIFAR batch); ``key`` picks an npz array."""
        return cls("file", path=str(path), key=key)

    @classmethod
    def from_dataset(cls, dataset):
        """Describe a :class:`core.datasets.Dataset`: its sample name, its file, or neither.

        Image files and folders are decoded by the app's Qt loader, which ``core`` cannot call,
        so they become ``'variable'``.
        """
        from .datasets import SAMPLES, SAMPLES_DIR

        source = getattr(dataset, "source", None)
        name = getattr(dataset, "name", "") or ""
        if source is None:
            return cls("variable", name=name)
        path = Path(source)
        for sample in SAMPLES:
            if sample.name == name and path.resolve() == (SAMPLES_DIR / sample.filename).resolve():
                return cls.sample(name)
        if path.is_file() and path.suffix.lower() not in _IMAGE_SUFFIXES:
            return cls.file(path, key=getattr(dataset, "key", None))
        return cls("variable", name=name or path.name)


_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                   ".pgm"}


def format_number(value):
    """Python text for ``value`` that evaluates to exactly the same float64.

    Integers are written without a decimal point; a fraction ``p/q`` (``q <= 1000``) is used when
    it is exact and shorter than :func:`repr`.

    Examples
    --------
    >>> format_number(2.0), format_number(-0.5), format_number(1 / 9), format_number(0.1)
    ('2', '-0.5', '1/9', '0.1')
    """
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"value must be finite, got {value!r}")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    fraction = Fraction(value).limit_denominator(1000)
    if fraction.numerator / fraction.denominator == value:
        short = f"{fraction.numerator}/{fraction.denominator}"
        if len(short) < len(text):
            return short
    return text


def _nested(texts, widths):
    """Lines of a nested list literal; innermost rows on one line, columns right-aligned."""
    if texts.ndim == 1:
        return ["[" + ", ".join(t.rjust(w) for t, w in zip(texts, widths)) + "]"]
    blocks = [_nested(sub, widths) for sub in texts]
    lines = []
    for b, block in enumerate(blocks):
        for i, line in enumerate(block):
            tail = "," if i == len(block) - 1 and b < len(blocks) - 1 else ""
            lines.append(line + tail)
    lines = ["[" + lines[0]] + [" " + line for line in lines[1:]]
    lines[-1] += "]"
    return lines


def kernel_literal(array, comments=None):
    """``np.array([...])`` text for a 2-D or higher array, one row per line.

    Parameters
    ----------
    array : array_like, at least 2-D
    comments : list of str, optional
        One comment per top-level element (e.g. ``"channel 0"``), written above it.

    Examples
    --------
    >>> print(kernel_literal([[1, 0], [0, -1]]))
    np.array([
        [1,  0],
        [0, -1],
    ])
    """
    array = np.asarray(array, dtype=np.float64)
    if array.ndim < 2:
        raise ValueError(f"array must be at least 2-D, got shape {array.shape}")
    texts = np.vectorize(format_number, otypes=[object])(array)
    widths = [max(len(t) for t in texts[..., j].ravel()) for j in range(array.shape[-1])]
    lines = ["np.array(["]
    for i, sub in enumerate(texts):
        if comments is not None:
            lines.append(f"    # {comments[i]}")
        block = _nested(sub, widths)
        block[-1] += ","
        lines.extend("    " + line for line in block)
    lines.append("])")
    return "\n".join(lines)


def _channel_label(c, ch):
    names = channel_long_names(c)
    return f"channel {ch} ({names[ch]})" if names else f"channel {ch}"


def _kernel_code(kernels):
    """``(variable name, assignment text)`` for the bank, shaped the way conv2d's output is wanted."""
    kh, kw, c, nc = kernels.shape
    if nc == 1 and c == 1:
        return "kernel", "kernel = " + kernel_literal(kernels[:, :, 0, 0])
    if nc == 1:
        body = kernel_literal(kernels[:, :, :, 0].transpose(2, 0, 1),
                              [_channel_label(c, ch) for ch in range(c)])
        return "kernel", (f"kernel = {body}.transpose(1, 2, 0)"
                          f"  # [channel][row][col] -> (kh, kw, c) = {(kh, kw, c)}")
    body = kernel_literal(kernels.transpose(3, 2, 0, 1), [f"kernel {n}" for n in range(nc)])
    return "kernels", (f"kernels = {body}.transpose(2, 3, 1, 0)"
                       f"  # [kernel][channel][row][col] -> (kh, kw, c, nc) = {(kh, kw, c, nc)}")


def _padding_code(padding):
    if isinstance(padding, str):
        return repr(padding)
    if np.ndim(padding) == 0:
        return repr(int(padding))
    return repr(tuple(tuple(int(v) for v in p) if np.ndim(p) else int(p) for p in padding))


def _seed_padding(padding, kernel_hw):
    """The seed functions' padding argument for ``padding`` (or None) and a note."""
    kh, kw = kernel_hw
    if isinstance(padding, str):
        if padding in ("valid", "same"):
            return padding, None
        if padding == "full":
            return (kh - 1, kw - 1), "'full' padding is k - 1 zeros on each side, written (ph, pw)"
    (top, bottom), (left, right) = resolve_padding(padding, kernel_hw, kernel_hw)
    if top != bottom or left != right:
        return None, (f"they pad (ph, pw) zeros on each side, but padding {padding!r} differs "
                      "between opposite sides")
    return (top, left), None


def _is_identity(spec):
    kh, kw, c, nc = spec.kernels.shape
    return (kh == kw == 1 and nc == c and np.array_equal(spec.kernels[0, 0], np.eye(c))
            and as_pair(spec.stride, 'stride') == (1, 1)
            and resolve_padding(spec.padding, (2, 2), (1, 1)) == ((0, 0), (0, 0)))


def _bias_code(bias, nc):
    """Python text for a spec's bias (a number, or a list with one value per kernel)."""
    values = np.ravel(bias)
    if values.size == 1 and nc == 1 or np.ndim(bias) == 0:
        return format_number(values[0])
    return "[" + ", ".join(format_number(v) for v in values) + "]"


def _has_bias(spec):
    return bool(np.any(np.asarray(spec.bias) != 0))


def _seed(spec, channels, images="images"):
    """``(call or None, notes, function names)`` for the assignment's functions."""
    kh, kw, c, nc = spec.kernels.shape
    if c != channels:
        return None, [f"the kernel has {c} channel(s) but the images have {channels}"], []
    if spec.transposed:
        return None, ["they have no transposed convolution"], []
    if spec.padding_mode != "zeros" and resolve_padding(
            spec.padding, (kh, kw), (kh, kw), spec.stride, spec.dilation) != ((0, 0), (0, 0)):
        return None, [f"they pad with zeros only, not {spec.padding_mode!r}"], []
    if _has_bias(spec):
        return None, ["they add no bias"], []
    gray = channels == 1
    notes, names = [], []
    out3d = nc == 1
    if spec.pooled and _is_identity(spec):
        expr, out3d = images, gray
        four_d = f"{images}[..., np.newaxis]" if gray else images
    else:
        if as_pair(spec.dilation, 'dilation') != (1, 1):
            return None, ["they take no dilation"], []
        padding, note = _seed_padding(spec.padding, (kh, kw))
        if padding is None:
            return None, [note], []
        if note:
            notes.append(note)
        if padding == "same" and as_pair(spec.stride, 'stride') != (1, 1):
            notes.append("'same' is TensorFlow's SAME (output ceil(h / stride)); homework "
                         "solutions often pad differently when the stride is above 1")
        kernel = "kernels" if nc > 1 else "kernel"
        if spec.flip:
            kernel += "[::-1, ::-1]"
            notes.append("the assignment's functions never flip the kernel, so true convolution "
                         "passes it rotated by 180 degrees")
        stride = as_pair(spec.stride, 'stride')
        if nc > 1:
            name = "convolve"
            source = f"{images}[..., np.newaxis]" if gray else images
            expr = f"convolve({source}, {kernel}, padding={padding!r}, stride={stride})"
        elif not gray:
            name = "convolve_channels"
            expr = f"convolve_channels({images}, {kernel}, padding={padding!r}, stride={stride})"
        elif stride != (1, 1):
            name = "convolve_grayscale"
            expr = f"convolve_grayscale({images}, {kernel}, padding={padding!r}, stride={stride})"
        elif padding == "valid":
            name = "convolve_grayscale_valid"
            expr = f"{name}({images}, {kernel})"
        elif padding == "same":
            name = "convolve_grayscale_same"
            expr = f"{name}({images}, {kernel})"
        else:
            name = "convolve_grayscale_padding"
            expr = f"{name}({images}, {kernel}, {padding!r})"
        names.append(name)
        four_d = f"{expr}[..., np.newaxis]" if out3d else expr
    if spec.activation == "relu":
        expr = f"np.maximum({expr}, 0)"
        four_d = f"{expr}[..., np.newaxis]" if out3d else expr
    elif spec.activation == "abs":
        expr = f"np.abs({expr})"
        four_d = f"{expr}[..., np.newaxis]" if out3d else expr
    if spec.pooled:
        names.append("pool")
        pool_shape = as_pair(spec.pool_shape, 'pool_shape')
        pool_stride = as_pair(spec.pool_stride, 'pool_stride')
        expr = f"pool({four_d}, {pool_shape}, {pool_stride}, mode={spec.pool_mode!r})"
        if out3d:
            expr += "[..., 0]"
            notes.append("pool wants (m, h, w, c) images, hence [..., np.newaxis] and [..., 0]")
    return expr, notes, names


def seed_equivalent(spec, channels):
    """The same computation as a call of the assignment's functions, or None.

    The text uses the names :func:`python_snippet` defines: ``images``, and ``kernel`` (one
    kernel) or ``kernels`` (a bank of several); the functions are those of :mod:`core.seed`.
    There is no equivalent with dilation, unequal padding on opposite sides, or kernels whose
    channels do not match the images. True convolution (``flip``) passes the kernel rotated.

    Parameters
    ----------
    spec : core.pipeline.PipelineSpec
    channels : int
        Channels of the images; 1 means grayscale ``(m, h, w)`` images.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> seed_equivalent(PipelineSpec(np.ones((3, 3, 1, 1))), 1)
    'convolve_grayscale_valid(images, kernel)'
    >>> seed_equivalent(PipelineSpec(np.ones((3, 3, 1, 1)), dilation=(2, 2)), 1) is None
    True
    """
    return _seed(spec, int(channels))[0]


def source_lines(source, index, image_shape):
    """``(lines, loads)``: the script lines that make ``images`` from ``source`` (an
    :class:`ImageSource`, a Dataset or None for a variable), and whether they load a file.

    Examples
    --------
    >>> source_lines(None, 0, (28, 28))[0][-1]
    '# images: your (m, 28, 28) array of images'
    """
    if isinstance(source, ImageSource):
        pass
    elif source is None:
        source = ImageSource("variable")
    elif hasattr(source, "images"):
        source = ImageSource.from_dataset(source)
    else:
        raise TypeError(f"image_source must be None, an ImageSource or a Dataset, got {source!r}")
    if source.kind == "variable":
        layout = "(m, h, w) or (m, h, w, c)"
        if image_shape is not None:
            layout = "(m, " + ", ".join(str(int(v)) for v in image_shape) + ")"
        lines = ["", f"# images: your {layout} array of images"]
        if source.name:
            # The name comes from the user's files: only ever written as an escaped literal.
            lines.append(f"# (the app showed {source.name!r})")
        return lines, False
    if source.kind == "sample":
        load = f"core.datasets.load_sample({source.name!r})"
    else:
        key = f", key={source.key!r}" if source.key else ""
        load = f"core.datasets.load_dataset({str(source.path)!r}{key})"
    if index is None:
        return ["import core.datasets", "", f"images = {load}.images"], True
    i = int(index)
    return ["import core.datasets", "",
            f"images = {load}.images[{i}:{i + 1}]  # image {i} only; remove [{i}:{i + 1}] "
            "for all of them"], True


def _call(name, first, args):
    return f"{name}({first}, " + ", ".join(args) + ")"


def script_header():
    """The first lines of every generated script: how to run it, and where ``core`` is.

    Examples
    --------
    >>> script_header()[-2:]
    ['import numpy as np', 'import core']
    """
    return ["# Convolution Explorer: the current output, computed with the app's core.",
            "# Save it as e.g. convolution.py and run `python convolution.py` from any folder",
            "# (with the app's Python): the next lines find the app's `core` package.",
            "import sys",
            f"sys.path.insert(0, {str(APP_FOLDER)!r})",
            "import numpy as np", "import core"]


def python_snippet(spec, *, image_source=None, index=0, image_shape=None):
    """Runnable Python that reproduces ``spec``'s output with ``core``, ending in ``output``.

    Parameters
    ----------
    spec : core.pipeline.PipelineSpec, or a list of them
        The kernel bank and the layer's settings; a list of several is a layer stack, run
        with :func:`core.stack.run_stack` (see :func:`core.stack_code.stack_snippet`).
    image_source : ImageSource, core.datasets.Dataset or None
        Where the images come from. None (or data that ``core`` cannot read, such as image
        files) means the snippet expects a variable ``images`` to exist already.
    index : int or None
        With a sample or file, process only this image (kept as a stack of one); None processes
        all of them. Ignored when the snippet expects ``images``.
    image_shape : tuple, optional
        ``(h, w)`` or ``(h, w, c)`` of one image: adds the output's shape as a comment and sets
        the channel count (by default the kernel bank's).

    Returns
    -------
    str
        The code. One kernel gives ``output`` of shape ``(m, oh, ow)``, a bank of ``nc``
        kernels ``(m, oh, ow, nc)``.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> code = python_snippet(PipelineSpec(np.full((3, 3, 1, 1), 1 / 9)))
    >>> namespace = {"images": np.ones((1, 5, 5))}
    >>> exec(code, namespace)
    >>> namespace["output"].shape
    (1, 3, 3)
    """
    if not isinstance(spec, PipelineSpec):  # a layer stack: one spec per layer
        specs = list(spec)
        if len(specs) > 1:
            from .stack_code import stack_snippet
            return stack_snippet(specs, image_source=image_source, index=index,
                                 image_shape=image_shape)
        spec = specs[0]
    kernels = spec.kernels
    kh, kw, c, nc = kernels.shape
    channels = c
    if image_shape is not None:
        image_shape = tuple(int(v) for v in image_shape)
        channels = image_shape[2] if len(image_shape) == 3 else 1
    lines_in, loads = source_lines(image_source, index, image_shape)
    lines = script_header() + lines_in
    kernel_name, kernel_code = _kernel_code(kernels)
    lines += ["", kernel_code, ""]

    args = [f"padding={_padding_code(spec.padding)}",
            f"stride={as_pair(spec.stride, 'stride')}"]
    if as_pair(spec.dilation, 'dilation') != (1, 1):
        args.append(f"dilation={as_pair(spec.dilation, 'dilation')}")
    if spec.transposed:
        if as_pair(spec.output_padding, "output_padding", minimum=0) != (0, 0):
            args.append("output_padding="
                        f"{as_pair(spec.output_padding, 'output_padding', minimum=0)}")
    elif spec.padding_mode != "zeros":
        args.append(f"padding_mode={spec.padding_mode!r}")
    if _has_bias(spec):
        args.append(f"bias={_bias_code(spec.bias, nc)}")
    if spec.transposed:
        kernel_arg = f"{kernel_name}[::-1, ::-1]" if spec.flip else kernel_name
        comment = "  # true convolution: the kernel rotated by 180 degrees" if spec.flip else ""
        lines.append("output = " + _call("core.conv_transpose2d", f"images, {kernel_arg}", args)
                     + comment)
    else:
        if spec.flip:
            args.append("flip=True")
        lines.append("output = " + _call("core.conv2d", f"images, {kernel_name}", args))
    if spec.activation == "relu":
        lines.append("output = np.maximum(output, 0)  # ReLU")
    elif spec.activation == "abs":
        lines.append("output = np.abs(output)")
    if spec.pooled:
        pool_args = [f"stride={as_pair(spec.pool_stride, 'pool_stride')}",
                     f"mode={spec.pool_mode!r}"]
        lines.append("output = " + _call("core.pool2d", f"output, "
                                         f"{as_pair(spec.pool_shape, 'pool_shape')}", pool_args))
    shape = _output_shape(spec, image_shape, 1 if loads and index is not None else "m")
    if shape:
        lines.append(f"# output.shape == {shape}")

    images_expr = "images"
    if image_shape is not None and len(image_shape) == 3 and channels == 1:
        images_expr = "images[..., 0]"
    call, notes, names = _seed(spec, channels, images_expr)
    lines.append("")
    if call is None:
        lines.append(f"# No equivalent with the assignment's functions: {notes[0]}.")
    else:
        lines.append("# The same with the assignment's functions:")
        lines.append(f"# from core import {', '.join(names)}")
        lines.append(f"# output = {call}")
        lines += [f"# ({note})" for note in notes]
    return "\n".join(lines) + "\n"


def _output_shape(spec, image_shape, count):
    if image_shape is None:
        return None
    try:
        conv_hw, pooled_hw = spec.shapes(image_shape[:2])
    except ValueError:
        return None
    hw = pooled_hw or conv_hw
    nc = spec.kernels.shape[3]
    dims = (count,) + tuple(hw) + ((nc,) if nc > 1 else ())
    return "(" + ", ".join(str(d) for d in dims) + ")"
