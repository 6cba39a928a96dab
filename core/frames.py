"""What each frame of an exported step-through animation shows, as plain data.

An :class:`Animation` walks the kernel over the (optionally cropped) image exactly like the
window's step-through: one output pixel per step, in raster order. Each :class:`Frame` lists the
panels to draw (the padded input with the kernel's window outlined, the kernel as applied, the
output filled in up to this step) and the captions (the step, the sum written out for this
position, the output-size formula). When pooling is on, the pooling steps follow: the pooling
window slides over the activated map and the pooled map fills in.

Nothing here draws: :mod:`convgui.frame_painter` turns a frame into pixels. The window positions
come from :mod:`core.geometry` and the arithmetic from :mod:`core.explain`, so the frames always
agree with the hover inspector and the step-through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import as_pair
from .explain import explain_pool_pixel, format_number, sum_expression
from .geometry import (input_window, resolve_padding, resolve_transposed_padding, size_formula,
                       stretched_padding, transposed_size_formula)
from .choices import (ACTIVATION_SHORT_LABELS, ACTIVATIONS, COLORMAPS, MAPPINGS, channel_names,
                      label)
from .padding import fill_border
from .pipeline import activate, run_pipeline
from .transpose import insert_zeros
from .sheets import image_range, levels_for, mapped_values

__all__ = ["COLORMAPS", "MAPPINGS", "Panel", "Frame", "Animation", "crop_box", "busiest_centre", "step_indices",
           "display_choice"]


@dataclass(frozen=True)
class Panel:
    """One grid of cells in a frame.

    Attributes
    ----------
    title : str
    values : ndarray
        ``(h, w)`` numbers, or ``(h, w, 3)`` colour pixels (``colormap='rgb'``). NaN marks a
        cell not computed yet (drawn empty).
    shown : ndarray
        What the colours are made of (``|values|`` under the ``'abs'`` mapping).
    levels : (low, high)
        The values that get the first and last colour of ``colormap``.
    colormap : str
        One of :data:`COLORMAPS`, ``'rgb'`` or ``'weights'`` (white at 0, red positive, blue
        negative, as the kernel editor).
    numbers : bool
        Write each cell's value into it (when the cells are big enough).
    padding : ndarray of bool or None
        ``(h, w)`` mask of zero-padding cells.
    window : (top, left, bottom, right) or None
        Inclusive cell range to outline (the kernel's or pooling window).
    taps : ndarray of bool or None
        ``(h, w)`` mask of the cells the window reads (differs from the box under dilation).
    current : (row, col) or None
        The cell being computed at this step.
    """

    title: str
    values: np.ndarray
    shown: np.ndarray
    levels: tuple
    colormap: str
    numbers: bool = True
    padding: np.ndarray = None
    window: tuple = None
    taps: np.ndarray = None
    current: tuple = None


@dataclass(frozen=True)
class Frame:
    """Everything one animation frame shows: panels left to right and the captions."""

    index: int
    count: int
    stage: str
    step: int
    steps: int
    title: str
    subtitle: str
    panels: tuple
    lines: tuple = field(default=())


def crop_box(image_hw, size, centre=None):
    """``(top, left, height, width)`` of a ``size``×``size`` crop around ``centre``.

    The crop is shifted to stay inside the image and shrinks to the image when it is smaller.
    ``centre`` defaults to the middle of the image.

    Examples
    --------
    >>> crop_box((28, 28), 8)
    (10, 10, 8, 8)
    >>> crop_box((28, 28), 8, centre=(0, 27))
    (0, 20, 8, 8)
    """
    h, w = as_pair(image_hw, "image_hw")
    size = as_pair(size, "crop")
    row, col = (h // 2, w // 2) if centre is None else (int(centre[0]), int(centre[1]))
    ch, cw = min(size[0], h), min(size[1], w)
    top = int(min(max(row - ch // 2, 0), h - ch))
    left = int(min(max(col - cw // 2, 0), w - cw))
    return top, left, ch, cw


def busiest_centre(image, size):
    """The centre ``(row, col)`` of the ``size``×``size`` window of ``image`` whose pixels
    differ most from the image's median (summed over channels): where a lesson crop shows
    something, not a blank corner.

    Large images are judged on every ``s``-th pixel (about a million pixels in all).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((28, 28)); image[20:24, 3:7] = 1.0
    >>> busiest_centre(image, 8)
    (22, 5)
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (h, w) or (h, w, c), got shape {image.shape}")
    h, w = image.shape[:2]
    step = max(1, int(np.ceil(np.sqrt(h * w / 1e6))))
    sample = image[::step, ::step]
    finite = np.where(np.isfinite(sample), sample, np.nan)
    centre = np.nanmedian(finite, axis=(0, 1)) if np.isfinite(finite).any() else 0.0
    weight = np.abs(np.nan_to_num(finite - centre))
    if weight.ndim == 3:
        weight = weight.sum(axis=2)
    k = max(1, min(int(size) // step, *weight.shape))
    table = np.zeros((weight.shape[0] + 1, weight.shape[1] + 1))
    table[1:, 1:] = weight.cumsum(axis=0).cumsum(axis=1)
    sums = table[k:, k:] - table[:-k, k:] - table[k:, :-k] + table[:-k, :-k]
    top, left = (int(v) for v in np.unravel_index(int(np.argmax(sums)), sums.shape))
    window = weight[top:top + k, left:left + k]
    total = window.sum()
    if total > 0:  # the window's centre of mass: ties between windows resolve onto the content
        rows, cols = np.indices(window.shape) + 0.5
        row, col = (window * rows).sum() / total, (window * cols).sum() / total
    else:
        row, col = k / 2, k / 2
    return (min(h - 1, int((top + row) * step)), min(w - 1, int((left + col) * step)))


def step_indices(count, every=1):
    """The steps an animation shows: every ``every``-th of ``count``, always ending on the last.

    Examples
    --------
    >>> step_indices(10, 4)
    [0, 4, 8, 9]
    >>> step_indices(3)
    [0, 1, 2]
    """
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be a positive int, got {every!r}")
    if count < 1:
        return []
    steps = list(range(0, count, int(every)))
    if steps[-1] != count - 1:
        steps.append(count - 1)
    return steps


def display_choice(values, colormap="auto", mapping="auto"):
    """Resolve ``'auto'``: diverging colours, symmetric around 0, for signed values; else gray.

    Examples
    --------
    >>> import numpy as np
    >>> display_choice(np.array([-1.0, 2.0]))
    ('diverging', 'symmetric')
    >>> display_choice(np.array([0.0, 2.0]), mapping='clip')
    ('gray', 'clip')
    """
    signed = bool(np.nanmin(values) < 0)
    if colormap == "auto":
        colormap = "diverging" if signed else "gray"
    if mapping == "auto":
        mapping = "symmetric" if signed and colormap == "diverging" else "minmax"
    if colormap not in COLORMAPS:
        raise ValueError(f"colormap must be 'auto' or one of {COLORMAPS}, got {colormap!r}")
    if mapping not in MAPPINGS:
        raise ValueError(f"mapping must be 'auto' or one of {MAPPINGS}, got {mapping!r}")
    return colormap, mapping


def _pad_or_crop(array, pads):
    """Zero-pad ``array``'s first two axes by ``((top, bottom), (left, right))``; negative
    counts crop instead."""
    (t, b), (l, r) = pads
    grown = np.pad(array, ((max(t, 0), max(b, 0)), (max(l, 0), max(r, 0)))
                   + ((0, 0),) * (array.ndim - 2))
    h, w = grown.shape[:2]
    return grown[max(-t, 0):h - max(-b, 0), max(-l, 0):w - max(-r, 0)]


def _ordinal(n):
    """``'2nd '``, ``'21st '``, ``'12th '`` ... (empty for 1: "every step")."""
    if n == 1:
        return ""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} "


class Animation:
    """The frames of one step-through: ``len(animation)`` frames, ``animation[i]`` each.

    Parameters
    ----------
    image : ndarray, (h, w) or (h, w, c)
        The whole image; ``crop`` cuts the piece to animate.
    spec : core.pipeline.PipelineSpec
    kernel_index : int
        Which kernel of the bank to animate.
    crop : int or None
        Animate a ``crop``×``crop`` piece (see :func:`crop_box`); None for the whole image.
    centre : (row, col), optional
        Centre of the crop in the image (default: the middle).
    every : int
        Show every ``every``-th step (the last step is always shown).
    colormap, mapping : str
        How output values become colours, as in the window; ``'auto'`` picks by the sign of the
        output (:func:`display_choice`).
    value_range : (low, high), optional
        The range the input's values are meant in (default: :func:`core.sheets.image_range`).
    pooling : bool
        Add the pooling steps after the convolution steps when the spec pools.
    kernel_name : str
        Named in the subtitle.

    Examples
    --------
    >>> import numpy as np
    >>> from core.pipeline import PipelineSpec
    >>> spec = PipelineSpec(np.ones((3, 3, 1, 1)), padding='same')
    >>> animation = Animation(np.arange(64.0).reshape(8, 8), spec, crop=None)
    >>> len(animation), animation[0].title
    (64, 'Convolution · step 1 of 64 · output [0, 0]')
    >>> animation[0].lines[0]
    'output[0, 0] = 0·1 + 0·1 + 0·1 + 0·1 + 0·1 + 1·1 + 0·1 + 8·1 + 9·1 = 18'
    """

    def __init__(self, image, spec, kernel_index=0, *, crop=8, centre=None, every=1,
                 colormap="auto", mapping="auto", value_range=None, pooling=True,
                 kernel_name=""):
        image = np.asarray(image)
        if image.ndim not in (2, 3):
            raise ValueError(f"image must be (h, w) or (h, w, c), got shape {image.shape}")
        nc = spec.kernels.shape[3]
        if isinstance(kernel_index, bool) or not 0 <= int(kernel_index) < nc:
            raise ValueError(f"kernel_index must be in 0..{nc - 1}, got {kernel_index!r}")
        self.value_range = (image_range(image[None]) if value_range is None
                            else (float(value_range[0]), float(value_range[1])))
        h, w = image.shape[:2]
        self.source_hw = (h, w)
        self.crop_origin = None
        if crop is not None:
            top, left, ch, cw = crop_box((h, w), crop, centre)
            image = image[top:top + ch, left:left + cw]
            self.crop_origin = (top, left)
        self.image = np.asarray(image, dtype=np.float64)
        self.spec = spec
        self.kernel_index = int(kernel_index)
        self.kernel_name = kernel_name
        self._build_grid()
        result = run_pipeline(self.image[None], spec)
        self.conv = result.conv[0, :, :, self.kernel_index]
        self.activated = result.activated[0, :, :, self.kernel_index]
        self.pooled = None if result.pooled is None else result.pooled[0, :, :, self.kernel_index]
        self.colormap, self.mapping = display_choice(self.activated, colormap, mapping)
        self.every = every
        self._stages = [("conv", s, self.activated.size)
                        for s in step_indices(self.activated.size, every)]
        if pooling and self.pooled is not None:
            self._stages += [("pool", s, self.pooled.size)
                             for s in step_indices(self.pooled.size, every)]
        self._conv_levels = levels_for(self.activated, self.mapping, self.value_range)
        self._pool_levels = (None if self.pooled is None
                             else levels_for(self.pooled, self.mapping, self.value_range))

    def _build_grid(self):
        """The array the window slides over (``self.grid``), where the image sits in it, and
        which of its cells are real pixels.

        Plain convolution: the image with its padding (zeros or the padding mode's pixels),
        windows ``stride`` apart. Transposed convolution: the image stretched with ``stride - 1``
        zeros between pixels, padded (or cropped) by :func:`core.geometry.stretched_padding`,
        windows one cell apart; the kernel is applied rotated by 180°.
        """
        s = self.spec
        kh, kw = s.kernels.shape[:2]
        kernel = s.kernels[:, :, :, self.kernel_index]
        image = self.image if self.image.ndim == 3 else self.image[:, :, None]
        if s.transposed:
            self.pads = resolve_transposed_padding(s.padding)
            grid_pads = stretched_padding((kh, kw), self.pads, s.dilation, s.output_padding)
            stretched = insert_zeros(image[None], s.stride)[0]
            real = np.zeros(stretched.shape[:2], bool)
            real[::s.stride[0], ::s.stride[1]] = True
            grid = _pad_or_crop(stretched, grid_pads)
            self._real = _pad_or_crop(real, grid_pads)
            self.applied = kernel if s.flip else kernel[::-1, ::-1]
        else:
            self.pads = resolve_padding(s.padding, image.shape[:2], (kh, kw), s.stride,
                                        s.dilation)
            grid_pads = self.pads
            (t, b), (l, r) = grid_pads
            buf = np.zeros((image.shape[2], image.shape[0] + t + b, image.shape[1] + l + r))
            buf[:, t:t + image.shape[0], l:l + image.shape[1]] = image.transpose(2, 0, 1)
            fill_border(buf, grid_pads, s.padding_mode)
            grid = buf.transpose(1, 2, 0)
            self._real = np.zeros(grid.shape[:2], bool)
            self._real[t:t + image.shape[0], l:l + image.shape[1]] = True
            self.applied = kernel[::-1, ::-1] if s.flip else kernel
        self._grid_top_left = (grid_pads[0][0], grid_pads[1][0])
        self.grid = grid
        bias = np.asarray(s.bias, dtype=np.float64)
        self.bias = float(bias if bias.ndim == 0 else bias[self.kernel_index])

    def window_cells(self, row, col):
        """Grid rows and columns under the kernel for output ``(row, col)``."""
        s = self.spec
        window = input_window((row, col), s.kernels.shape[:2], self.pads, s.stride, s.dilation,
                              transposed=s.transposed)
        top, left = self._grid_top_left
        return window.rows + top, window.cols + left

    def __len__(self):
        return len(self._stages)

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an int, got {index!r}")
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index must be in 0..{len(self) - 1}, got {index}")
        stage, step, steps = self._stages[index]
        if stage == "conv":
            return self._conv_frame(index, step, steps)
        return self._pool_frame(index, step, steps)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # -- text ---------------------------------------------------------------------------------

    @property
    def subtitle(self):
        s = self.spec
        kh, kw = s.kernels.shape[:2]
        h, w = self.image.shape[:2]
        parts = []
        if self.crop_origin is not None:
            parts.append(f"{h}×{w} crop at [{self.crop_origin[0]}, {self.crop_origin[1]}]")
        else:
            parts.append(f"{h}×{w} image")
        name = f" {self.kernel_name}" if self.kernel_name else ""
        parts.append(f"{kh}×{kw} kernel{name}")
        (t, b), (l, r) = self.pads
        if s.transposed:
            parts.append(f"transposed convolution, padding ({t},{b})({l},{r})")
            if any(s.output_padding):
                parts.append(f"output padding {s.output_padding[0]},{s.output_padding[1]}")
        else:
            pad_word = s.padding if isinstance(s.padding, str) else "custom"
            mode = "" if s.padding_mode == "zeros" else f" {s.padding_mode}"
            parts.append(f"padding {pad_word}{mode} ({t},{b})({l},{r})")
        parts.append("stride " + (str(s.stride[0]) if s.stride[0] == s.stride[1]
                                  else f"{s.stride[0]},{s.stride[1]}"))
        if tuple(s.dilation) != (1, 1):
            parts.append(f"dilation {s.dilation[0]},{s.dilation[1]}")
        if not s.transposed:
            parts.append("convolution (kernel rotated 180°)" if s.flip else "cross-correlation")
        if self.bias:
            parts.append(f"bias {format_number(self.bias)}")
        if s.activation != ACTIVATIONS[0]:
            parts.append(label(ACTIVATION_SHORT_LABELS, s.activation))
        if s.pooled:
            parts.append(f"{s.pool_mode} pooling {s.pool_shape[0]}×{s.pool_shape[1]}, stride "
                         f"{s.pool_stride[0]}")
        if self.every > 1:
            parts.append(f"every {_ordinal(self.every)}step")
        return " · ".join(parts)

    def formula_lines(self, stage):
        s = self.spec
        if stage == "conv" and s.transposed:
            h, w = self.image.shape[:2]
            kh, kw = s.kernels.shape[:2]
            (t, b), (l, r) = self.pads
            ah, aw = s.output_padding
            return (f"Output height: "
                    f"{transposed_size_formula(h, kh, (t, b), s.stride[0], s.dilation[0], ah)}"
                    f"     Output width: "
                    f"{transposed_size_formula(w, kw, (l, r), s.stride[1], s.dilation[1], aw)}",)
        if stage == "conv":
            h, w = self.image.shape[:2]
            kh, kw = s.kernels.shape[:2]
            (t, b), (l, r) = self.pads
            return (f"Output height: {size_formula(h, kh, (t, b), s.stride[0], s.dilation[0])}"
                    f"     Output width: "
                    f"{size_formula(w, kw, (l, r), s.stride[1], s.dilation[1])}",)
        oh, ow = self.activated.shape
        return (f"Pooled height: {size_formula(oh, s.pool_shape[0], (), s.pool_stride[0], 1)}"
                f"     Pooled width: {size_formula(ow, s.pool_shape[1], (), s.pool_stride[1], 1)}",)

    # -- frames -------------------------------------------------------------------------------

    def _partial(self, full, upto):
        partial = np.full(full.shape, np.nan)
        partial.reshape(-1)[:upto + 1] = full.reshape(-1)[:upto + 1]
        return partial

    def _conv_frame(self, index, step, steps):
        s = self.spec
        row, col = divmod(step, self.activated.shape[1])
        rows, cols = self.window_cells(row, col)
        patch = self.grid[rows[:, None], cols[None, :]]
        weighted = float((patch * self.applied).sum())
        total = weighted + self.bias
        taps = np.zeros(self.grid.shape[:2], bool)
        taps[rows[:, None], cols[None, :]] = True
        box = (int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1]))
        channels = self.grid.shape[2]
        colour = channels in (3, 4)
        source_values = self.grid[:, :, :3] if colour else self.grid[:, :, 0]
        shape = "×".join(str(n) for n in self.image.shape)
        if s.transposed:
            title = f"Input {shape} stretched" + (" + padding" if (~self._real).any() else "")
        else:
            title = f"Input {shape}" + (" + padding" if (~self._real).any() else "")
        panels = [Panel(title, source_values, source_values, self.value_range,
                        "rgb" if colour else "gray", numbers=not colour, padding=~self._real,
                        window=box, taps=taps)]
        bound = float(np.max(np.abs(self.applied))) or 1.0
        names = channel_names(channels)
        rotated = s.flip != s.transposed
        heading = "Kernel (rotated 180°)" if rotated else "Kernel"
        for ch in range(channels):
            name = heading if channels == 1 else f"{heading} {names[ch]}"
            panels.append(Panel(name, self.applied[:, :, ch], self.applied[:, :, ch],
                                (-bound, bound), "weights"))
        partial = self._partial(self.activated, step)
        oh, ow = self.activated.shape
        activation = label(ACTIVATION_SHORT_LABELS, s.activation)
        out_title = f"Output {oh}×{ow}" + (
            f" after {activation}" if s.activation != ACTIVATIONS[0] else "")
        panels.append(Panel(out_title, partial, mapped_values(partial, self.mapping),
                            self._conv_levels, self.colormap, current=(row, col)))
        lines = [f"output[{row}, {col}] = {sum_expression(patch, self.applied, weighted)}"]
        if self.bias:
            lines.append(f"{format_number(weighted)} + bias {format_number(self.bias)} = "
                         f"{format_number(total)}")
        if activation:
            lines.append(f"{activation}({format_number(total)}) = "
                         f"{format_number(float(activate(np.array(total), s.activation)))}")
        lines.extend(self.formula_lines("conv"))
        kind = "Transposed convolution" if s.transposed else "Convolution"
        title = f"{kind} · step {step + 1} of {steps} · output [{row}, {col}]"
        return Frame(index, len(self), "conv", step, steps, title, self.subtitle, tuple(panels),
                     tuple(lines))

    def _pool_frame(self, index, step, steps):
        row, col = divmod(step, self.pooled.shape[1])
        pixel = explain_pool_pixel(self.activated, self.spec, row, col)
        taps = np.zeros(self.activated.shape, bool)
        taps[pixel.window.rows[:, None], pixel.window.cols[None, :]] = True
        box = (pixel.window.top, pixel.window.left, pixel.window.bottom, pixel.window.right)
        oh, ow = self.activated.shape
        ph, pw = self.pooled.shape
        source = Panel(f"Feature map {oh}×{ow}", self.activated,
                       mapped_values(self.activated, self.mapping), self._conv_levels,
                       self.colormap, window=box, taps=taps)
        partial = self._partial(self.pooled, step)
        target = Panel(f"{self.spec.pool_mode.capitalize()}-pooled {ph}×{pw}", partial,
                       mapped_values(partial, self.mapping), self._pool_levels, self.colormap,
                       current=(row, col))
        values = ", ".join(format_number(v) for v in pixel.values.ravel())
        if pixel.mode == "max":
            line = f"pooled[{row}, {col}] = max({values}) = {format_number(pixel.result)}"
        else:
            line = (f"pooled[{row}, {col}] = ({values.replace(', ', ' + ')}) / "
                    f"{pixel.values.size} = {format_number(pixel.result)}")
        title = f"Pooling · step {step + 1} of {steps} · pooled [{row}, {col}]"
        return Frame(index, len(self), "pool", step, steps, title, self.subtitle,
                     (source, target), (line,) + self.formula_lines("pool"))
