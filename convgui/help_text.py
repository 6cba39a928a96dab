"""The short guide behind F1: the concepts in the app's own words, and the keyboard."""

import html

__all__ = ["CONCEPTS_HTML", "shortcut_rows", "keyboard_html", "help_html"]

CONCEPTS_HTML = """
<h2>Convolution Explorer — the ideas in one page</h2>
<p><b>Kernel (filter).</b> A small grid of weights. To compute one output pixel, lay the kernel
over a patch of the input, multiply each weight by the pixel under it, and add the products up.
Then slide the kernel to the next position and repeat. Blur kernels average neighbours; edge
kernels (Sobel, the assignment's <code>[[1, 0, −1]] × 3</code>) have positive and negative weights
that cancel on flat areas and respond where brightness changes.</p>
<p><b>Correlation or convolution?</b> CNN frameworks slide the kernel as it is
(cross-correlation); the mathematical convolution first rotates it by 180°. The
“True convolution” box switches between the two — for symmetric kernels they agree.</p>
<p><b>Padding.</b> Without padding (“valid”) the kernel must fit inside the image, so the output
shrinks by <i>k − 1</i>. Adding zeros around the image lets the kernel reach the border pixels:
“same” adds just enough to keep the size (at stride 1), “full” adds <i>k − 1</i> on each side, and
custom padding adds <i>ph</i> rows and <i>pw</i> columns on every side. Padding is drawn as a blue
frame around the input.</p>
<p><b>Padding mode.</b> What fills the padding. Zeros darken the border of a bright image; the
other modes borrow real pixels instead: <i>reflect</i> mirrors the image without repeating the
edge pixel (c b | a b c), <i>symmetric</i> mirrors it with the edge pixel (b a | a b c),
<i>replicate</i> repeats the edge pixel (a a | a b c) and <i>circular</i> wraps around to the
opposite side (b c | a b c), as if the image were a tile. They are numpy.pad's
<code>reflect</code>, <code>symmetric</code>, <code>edge</code> and <code>wrap</code>; SciPy's
<code>boundary='symm'</code> is symmetric.</p>
<p><b>Bias.</b> A number added to every output value of a kernel, before the activation — each
kernel of a CNN layer has one. With ReLU, a negative bias is a threshold: only responses larger
than it survive.</p>
<p><b>Transposed convolution.</b> The operation of the same name in CNN decoders and in the
backward pass of a strided convolution. Each input pixel stamps <i>value × kernel</i> into the
output, <i>stride</i> pixels apart, and overlapping stamps add up, so the output is larger than
the input: (i − 1)·s − 2p + d·(k − 1) + a + 1 (the panel shows it with your numbers). The
window draws it the equivalent way: the input stretched with <i>stride − 1</i> zeros between its
pixels, padded by d·(k − 1) − p, and an ordinary stride-1 convolution with the kernel rotated by
180° — hover any output pixel to see the window. Here <i>padding</i> crops the output and
<i>output padding</i> (a) adds rows/columns at the bottom/right, to choose among the input sizes
a strided convolution maps to the same size.<br>It is <b>not an inverse</b>: it restores the
<i>shape</i> a convolution took away, not the values. Convolving and then transposing with the
same kernel does not give the image back (a blur stays blurred, a stride's lost pixels stay
lost); what holds is that it is the convolution's <i>adjoint</i>, ⟨conv(x), y⟩ = ⟨x,
conv<sup>T</sup>(y)⟩, which is why gradients flow through it.</p>
<p><b>Stride.</b> How far the kernel moves between two outputs. Stride 2 skips every other
position and halves the output size. The panel shows the size formula with your numbers:
⌊(input + padding − kernel) / stride⌋ + 1.</p>
<p><b>Dilation.</b> Spreads the kernel's taps apart, so a 3×3 kernel with dilation 2 covers a
5×5 area while still using 9 weights.</p>
<p><b>Channels.</b> A colour image has 3 channels (red, green, blue). A kernel for it has one
grid per channel; the output is the sum of the three per-channel results, so one kernel gives
one feature map. A <i>bank</i> of several kernels gives several feature maps — one per kernel.</p>
<p><b>Activation.</b> A function applied to every output value: ReLU keeps positives and turns
negatives into 0; |x| keeps the strength of an edge whatever its direction.</p>
<p><b>Pooling.</b> Shrinks a feature map by summarising each window: max pooling keeps the
strongest response, average pooling the mean. It has no weights and no padding:
⌊(size − window) / stride⌋ + 1.</p>
<p><b>Layers and receptive field.</b> A CNN stacks layers: each convolution reads the feature
maps of the layer before, with one kernel grid per map. One pixel deep in the stack sees a
growing square of the input, its <i>receptive field</i>: with kernel k, stride s and
the jump j (how many input pixels apart neighbouring pixels of the previous map are),
r<sub>l</sub> = r<sub>l−1</sub> + (k<sub>l</sub> − 1)·j<sub>l−1</sub> and
j<sub>l</sub> = j<sub>l−1</sub>·s<sub>l</sub>, from r = j = 1 at the input (pooling counts as a
layer with its window and stride). The Layers strip adds and selects layers (Alt+1 … Alt+4);
the Layers tab shows them all at one scale and, on hover, the field of any pixel.</p>
"""


def shortcut_rows(actions):
    """``[(keys, what)]`` for every action with a shortcut, sorted by what it does, once each.

    ``keys`` is the shortcut as the platform writes it; ``what`` the action's text without
    mnemonics. Read from the actions themselves, so the list cannot drift from the keys.
    """
    from PyQt5.QtGui import QKeySequence

    rows = {}
    for action in actions:
        keys = [k.toString(QKeySequence.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        what = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        what = what.rstrip("…").strip()
        rows.setdefault((" / ".join(keys), what), None)
    return sorted(rows, key=lambda row: (row[1].lower(), row[0]))


def keyboard_html(window_rows, grid_rows):
    """The keyboard section: the window's keys, then the kernel grid's (with focus on it)."""
    def table(rows):
        cells = "".join(f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td>"
                        "</tr>" for keys, what in rows)
        return f"<table cellspacing='4'>{cells}</table>"

    return ("<h3>Keyboard</h3>" + table(window_rows)
            + "<h4>In the kernel grid</h4><p>Type a number (or a fraction such as 1/9) and "
            "Enter; Tab moves to the next cell, Esc cancels the edit, Delete sets 0; and:</p>"
            + table(grid_rows))


def help_html(window_rows, grid_rows):
    """The whole F1 page: the concepts, then every key."""
    return CONCEPTS_HTML + keyboard_html(window_rows, grid_rows)
