"""The cases a student's functions are run on: the assignment's main-file calls and edge cases.

Each :class:`Case` holds the arrays and options of one call, spells the call out as text, and
computes the reference result with the core's own implementation of the task
(:mod:`core.seed`). :func:`build_cases` makes the standard set from the bundled samples (or from
images given to it) in the assignment's layout: grayscale ``(m, h, w)`` like ``MNIST.npz``'s
``X_train``, colour ``(m, h, w, 3)`` uint8 like ``animals_1.npz``'s ``data``.
"""

from dataclasses import dataclass, field

import numpy as np

from .. import seed
from ..datasets import load_sample, to_grayscale
from ..kernels import as_bank, find_preset
from ..pipeline import PipelineSpec
from .tasks import task

__all__ = ["Case", "build_cases", "format_value"]

_REFERENCE = {
    0: seed.convolve_grayscale_valid,
    1: seed.convolve_grayscale_same,
    2: seed.convolve_grayscale_padding,
    3: seed.convolve_grayscale,
    4: seed.convolve_channels,
    5: seed.convolve,
    6: seed.pool,
}


def format_value(value):
    """A short text for an argument value: repr for plain values, shape for arrays.

    Examples
    --------
    >>> format_value((2, 4)), format_value('same')
    ('(2, 4)', "'same'")
    """
    if isinstance(value, np.ndarray):
        return "×".join(map(str, value.shape)) + f" {value.dtype}"
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    return repr(value)


@dataclass(eq=False)
class Case:
    """One call of a student's function.

    Attributes
    ----------
    task : int
        The assignment's task number (0-6), which fixes the function and how it is called.
    label : str
        What the case is about, e.g. ``"main file"`` or ``"even 2×2 kernel"``.
    images : ndarray
        ``(m, h, w)`` for tasks 0-3, ``(m, h, w, c)`` for tasks 4-6.
    images_label : str
        How the call names the images, e.g. ``"X_train[:8]"``.
    kernel : ndarray or None
        The kernel (tasks 0-4), kernel bank (task 5) or None (task 6, pooling).
    options : dict
        The remaining arguments: ``padding``/``stride`` (tasks 2-5) or
        ``kernel_shape``/``stride``/``mode`` (task 6).

    Examples
    --------
    >>> import numpy as np
    >>> case = Case(0, "tiny", np.ones((1, 4, 4)), "images", np.ones((3, 3)))
    >>> case.call
    'convolve_grayscale_valid(images, kernel 3×3)'
    >>> case.reference().tolist()
    [[[9.0, 9.0], [9.0, 9.0]]]
    """

    task: int
    label: str
    images: np.ndarray
    images_label: str
    kernel: np.ndarray = None
    options: dict = field(default_factory=dict)

    @property
    def function(self):
        return task(self.task).function

    def arguments(self):
        """``(args, kwargs)`` as the assignment's main files pass them."""
        o = self.options
        if self.task in (0, 1):
            return (self.images, self.kernel), {}
        if self.task == 2:
            return (self.images, self.kernel, o["padding"]), {}
        if self.task in (3, 4, 5):
            return (self.images, self.kernel), {"padding": o["padding"], "stride": o["stride"]}
        return (self.images, o["kernel_shape"], o["stride"]), {"mode": o["mode"]}

    @property
    def call(self):
        """The call as text, e.g. ``convolve_grayscale(X_train, kernel, padding='valid', …)``."""
        args, kwargs = self.arguments()
        names = [self.images_label]
        if self.kernel is not None:
            word = "kernels" if self.task == 5 else "kernel"
            names.append(f"{word} {'×'.join(map(str, self.kernel.shape))}")
        names += [format_value(a) for a in args[len(names):]]
        names += [f"{k}={format_value(v)}" for k, v in kwargs.items()]
        return f"{self.function}({', '.join(names)})"

    @property
    def description(self):
        """The case's label with the kernel's shape, e.g. ``"even 2×2 kernel — kernel 2×2"``."""
        if self.kernel is None:
            return f"{self.label}: images {format_value(self.images)}"
        return (f"{self.label}: images {format_value(self.images)}, "
                f"kernel {'×'.join(map(str, self.kernel.shape))}")

    @property
    def padding(self):
        """The padding the task means: 'valid' (task 0), 'same' (task 1) or the option given."""
        return {0: "valid", 1: "same"}.get(self.task, self.options.get("padding", "valid"))

    @property
    def stride(self):
        return tuple(self.options.get("stride", (1, 1)))

    def reference(self):
        """The expected output, from the core's implementation of the task (float64)."""
        args, kwargs = self.arguments()
        return _REFERENCE[self.task](*args, **kwargs)

    def spec(self):
        """The case as a :class:`core.pipeline.PipelineSpec`, for the inspector.

        Convolution tasks: the kernel as a bank with the case's padding and stride. Pooling:
        an identity 1×1 kernel per channel followed by the case's pooling.
        """
        channels = 1 if self.images.ndim == 3 else self.images.shape[3]
        if self.task == 6:
            o = self.options
            return PipelineSpec(np.eye(channels).reshape(1, 1, channels, channels),
                                pool_mode=o["mode"], pool_shape=tuple(o["kernel_shape"]),
                                pool_stride=tuple(o["stride"]))
        return PipelineSpec(as_bank(self.kernel, channels), padding=self.padding,
                            stride=self.stride)


def _small_kernel(rng, shape):
    """Small non-zero integers, so every sum is exact in float32 and no case is symmetric."""
    values = rng.integers(-3, 4, size=shape).astype(np.float64)
    values[values == 0] = 1.0
    return values


def _default_images():
    gray = load_sample("MNIST digits").images
    color = load_sample("Tiny photos 32x32").images
    return gray, color


def build_cases(gray=None, color=None, *, gray_name="X_train", color_name="data",
                seed_value=12):
    """The standard cases, grouped by task: ``{task_number: [Case, ...]}``.

    Parameters
    ----------
    gray : ndarray (m, h, w), optional
        Grayscale images (default: the bundled MNIST ``X_train``, 1000 digits in [0, 1]).
    color : ndarray (m, h, w, 3), optional
        Colour images (default: the bundled 32×32 photos, uint8, ``animals_1.npz`` layout).
    gray_name, color_name : str
        How the calls name the two image arrays (the assignment's main files say ``X_train``
        and ``data``).
    seed_value : int
        Seed of the random edge-case kernels.

    Examples
    --------
    >>> import numpy as np
    >>> cases = build_cases(np.zeros((4, 12, 12), np.float32), np.zeros((4, 12, 12, 3), np.uint8))
    >>> sorted(cases), cases[0][0].call
    ([0, 1, 2, 3, 4, 5, 6], 'convolve_grayscale_valid(X_train, kernel 3×3)')
    """
    if gray is None or color is None:
        default_gray, default_color = _default_images()
        gray = default_gray if gray is None else gray
        color = default_color if color is None else color
    gray = np.asarray(gray)
    color = np.asarray(color)
    if gray.ndim == 4:
        gray = to_grayscale(gray)
    if gray.ndim != 3:
        raise ValueError(f"gray must be (m, h, w) images, got shape {gray.shape}")
    if color.ndim != 4:
        raise ValueError(f"color must be (m, h, w, c) images, got shape {color.shape}")
    gn, cn = gray_name, color_name
    rng = np.random.default_rng(seed_value)
    edges = find_preset("assignment_vertical_edges").kernel
    channel_kernel = find_preset("assignment_channels").kernel
    bank = find_preset("assignment_bank").kernel
    c = color.shape[3]
    if channel_kernel.shape[2] != c:
        channel_kernel = _small_kernel(rng, (3, 3, c))
        bank = _small_kernel(rng, (3, 3, c, 3))
    k = {shape: _small_kernel(rng, shape) for shape in ((2, 2), (2, 3), (4, 4), (3, 5), (5, 5))}

    g8, g1 = gray[:8], gray[:1]
    g_rect = gray[:8, :, 2:-3]
    g_uint8 = _as_uint8(gray[:8])
    c8, c1 = color[:8], color[:1]
    c_float = (color[:8] / 255.0).astype(np.float32) if color.dtype == np.uint8 else \
        color[:8].astype(np.float32)
    bank_nc2 = _small_kernel(rng, (3, 3, c, 2))
    bank_nc4 = _small_kernel(rng, (3, 3, c, 4))
    bank_even = _small_kernel(rng, (2, 2, c, 4))
    kc_even = _small_kernel(rng, (2, 2, c))

    def G(number, label, images, images_label, kernel, **options):
        return Case(number, label, images, images_label, kernel, options)

    rect = f"{gn}[:8, :, 2:-3]"
    u8 = f"uint8({gn}[:8] · 255)"
    cases = {
        0: [G(0, "main file", gray, f"{gn}", edges),
            G(0, "even 2×2 kernel", g8, f"{gn}[:8]", k[2, 2]),
            G(0, "rectangular 2×3 kernel, rectangular images", g_rect, rect, k[2, 3]),
            G(0, "one image, 3×5 kernel", g1, f"{gn}[:1]", k[3, 5]),
            G(0, "uint8 input", g_uint8, u8, edges)],
        1: [G(1, "main file", gray, f"{gn}", edges),
            G(1, "even 2×2 kernel", g8, f"{gn}[:8]", k[2, 2]),
            G(1, "even 4×4 kernel", g8, f"{gn}[:8]", k[4, 4]),
            G(1, "rectangular 2×3 kernel, rectangular images", g_rect, rect, k[2, 3]),
            G(1, "one image, 5×5 kernel", g1, f"{gn}[:1]", k[5, 5]),
            G(1, "uint8 input", g_uint8, u8, edges)],
        2: [G(2, "main file", gray, f"{gn}", edges, padding=(2, 4)),
            G(2, "even 2×2 kernel", g8, f"{gn}[:8]", k[2, 2], padding=(2, 4)),
            G(2, "rectangular kernel and images", g_rect, rect, k[3, 5], padding=(1, 3)),
            G(2, "no padding, one image", g1, f"{gn}[:1]", edges, padding=(0, 0)),
            G(2, "uint8 input", g_uint8, u8, edges, padding=(2, 4))],
        3: [G(3, "main file", gray, f"{gn}", edges, padding="valid", stride=(2, 2)),
            G(3, "same, stride 1", g8, f"{gn}[:8]", edges, padding="same", stride=(1, 1)),
            G(3, "same, stride 2", g8, f"{gn}[:8]", edges, padding="same", stride=(2, 2)),
            G(3, "same, stride 3", g8, f"{gn}[:8]", edges, padding="same", stride=(3, 3)),
            G(3, "same, even 2×2 kernel", g8, f"{gn}[:8]", k[2, 2], padding="same",
              stride=(1, 1)),
            G(3, "stride (3, 2) not dividing the size", g8, f"{gn}[:8]", k[3, 5],
              padding="valid", stride=(3, 2)),
            G(3, "(2, 4) padding, stride (2, 3)", g_rect, rect, k[2, 3], padding=(2, 4),
              stride=(2, 3)),
            G(3, "uint8 input, one image", _as_uint8(g1), f"uint8({gn}[:1] · 255)", edges,
              padding="same", stride=(1, 2))],
        4: [G(4, "main file", color, f"{cn}", channel_kernel, padding="valid", stride=(1, 1)),
            G(4, "same", c8, f"{cn}[:8]", channel_kernel, padding="same", stride=(1, 1)),
            G(4, "same, stride 2", c8, f"{cn}[:8]", channel_kernel, padding="same",
              stride=(2, 2)),
            G(4, "(1, 2) padding, stride (2, 1)", c8, f"{cn}[:8]", channel_kernel,
              padding=(1, 2), stride=(2, 1)),
            G(4, "float32 input, even 2×2 kernel, same", c_float, f"float32({cn}[:8] / 255)",
              kc_even, padding="same", stride=(1, 1)),
            G(4, "one image", c1, f"{cn}[:1]", channel_kernel, padding="valid", stride=(1, 1))],
        5: [G(5, "main file", color, f"{cn}", bank, padding="valid", stride=(1, 1)),
            G(5, "2 kernels for 3 channels (nc ≠ c), same", c8, f"{cn}[:8]", bank_nc2,
              padding="same", stride=(1, 1)),
            G(5, "4 kernels, same, stride 2", c8, f"{cn}[:8]", bank_nc4, padding="same",
              stride=(2, 2)),
            G(5, "even 2×2 kernels, same", c8, f"{cn}[:8]", bank_even, padding="same",
              stride=(1, 1)),
            G(5, "float32, (1, 2) padding, stride (1, 2)", c_float, f"float32({cn}[:8] / 255)",
              bank_nc2, padding=(1, 2), stride=(1, 2))],
        6: [G(6, "main file", color, f"{cn}", None, kernel_shape=(2, 2), stride=(2, 2),
              mode="avg"),
            G(6, "max", c8, f"{cn}[:8]", None, kernel_shape=(2, 2), stride=(2, 2), mode="max"),
            G(6, "max 3×3, stride 2: windows that do not fit", c8, f"{cn}[:8]", None,
              kernel_shape=(3, 3), stride=(2, 2), mode="max"),
            G(6, "avg, (3, 2) window, stride (2, 3)", c8, f"{cn}[:8]", None,
              kernel_shape=(3, 2), stride=(2, 3), mode="avg"),
            G(6, "max, (2, 3) window, stride (3, 1), one image", c1, f"{cn}[:1]", None,
              kernel_shape=(2, 3), stride=(3, 1), mode="max"),
            G(6, "avg float32, 3×3 stride 3", c_float, f"float32({cn}[:8] / 255)", None,
              kernel_shape=(3, 3), stride=(3, 3), mode="avg")],
    }
    return cases


def _as_uint8(images):
    """Images as uint8 0-255 (float images in [0, 1] are scaled first)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    scale = 255.0 if images.size and float(np.max(images)) <= 1.0 else 1.0
    return np.clip(np.round(images * scale), 0, 255).astype(np.uint8)
