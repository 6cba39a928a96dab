"""The short guide behind F1: the concepts in the app's own words, and the keyboard."""

__all__ = ["CONCEPTS_HTML"]

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
<h3>Keyboard</h3>
<table>
<tr><td><b>← / →</b></td><td>previous / next image</td></tr>
<tr><td><b>Ctrl+R</b></td><td>random image</td></tr>
<tr><td><b>Ctrl+O</b></td><td>open a dataset or image</td></tr>
<tr><td><b>Ctrl+E</b></td><td>export the feature maps as PNG</td></tr>
<tr><td><b>Ctrl+Z / Ctrl+Shift+Z</b></td><td>undo / redo a kernel or setting change</td></tr>
<tr><td><b>F1</b></td><td>this guide</td></tr>
</table>
"""
