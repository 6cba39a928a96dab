"""Padding modes, bias and transposed convolution against independent references.

References: ``numpy.pad`` plus a brute-force loop over output pixels (padding modes), a
brute-force scatter-add loop (every input pixel adds ``value * kernel`` into the output) for the
transposed convolution, hand-computed arrays and the sizes of Dumoulin & Visin's figures.
"""

import numpy as np
import pytest

from core import (conv2d, conv_transpose2d, input_window, insert_zeros, output_shape,
                  outputs_reading)
from core.pipeline import PipelineSpec, run_pipeline
from test_core_reference import pair, ref_pads

# The border modes and the numpy.pad mode each one must equal (written out here, not imported).
NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap", "symmetric": "symmetric"}
PADDINGS = ["same", "full", 2, (1, 3), ((0, 2), (3, 1))]


def rng_for(*key):
    seed = sum((i + 1) * ord(ch) for i, ch in enumerate(repr(key))) % (2**32)
    return np.random.default_rng(seed)


def as_bank(images, kernels):
    """``(x (m, h, w, c), k (kh, kw, c, nc), squeeze)`` in float64."""
    x = np.asarray(images, dtype=np.float64)
    x = x[..., None] if x.ndim == 3 else x
    k = np.asarray(kernels, dtype=np.float64)
    squeeze = k.ndim < 4
    k = k.reshape(k.shape[:2] + (x.shape[3], -1))
    return x, k, squeeze


def brute_conv(images, kernels, padding, stride, dilation, mode):
    """numpy.pad with ``mode``, then one loop iteration per output pixel and kernel tap."""
    x, k, squeeze = as_bank(images, kernels)
    kh, kw = k.shape[:2]
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    (t, b), (l, r) = ref_pads(padding, x.shape[1:3], (kh, kw), stride, dilation)
    padded = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), mode=NUMPY_MODE[mode])
    oh = (padded.shape[1] - dh * (kh - 1) - 1) // sh + 1
    ow = (padded.shape[2] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]))
    for row in range(oh):
        for col in range(ow):
            for i in range(kh):
                for j in range(kw):
                    out[:, row, col] += padded[:, row * sh + i * dh, col * sw + j * dw] @ k[i, j]
    return out[..., 0] if squeeze else out


def brute_transpose(images, kernels, stride, padding, output_padding, dilation):
    """Scatter-add: input pixel (y, x) adds value * kernel at (y*s + i*d, x*s + j*d), then the
    padding is cropped off and output padding adds zero rows/columns at the bottom/right."""
    x, k, squeeze = as_bank(images, kernels)
    m, h, w, _ = x.shape
    kh, kw, _, nc = k.shape
    (sh, sw), (dh, dw), (ah, aw) = pair(stride), pair(dilation), pair(output_padding)
    (t, b), (l, r) = ref_pads(padding, (h, w), (kh, kw))
    full = np.zeros((m, (h - 1) * sh + dh * (kh - 1) + 1 + ah,
                     (w - 1) * sw + dw * (kw - 1) + 1 + aw, nc))
    for y in range(h):
        for xx in range(w):
            for i in range(kh):
                for j in range(kw):
                    full[:, y * sh + i * dh, xx * sw + j * dw] += x[:, y, xx] @ k[i, j]
    out = full[:, t:full.shape[1] - b, l:full.shape[2] - r]
    return out[..., 0] if squeeze else out


def assert_close(got, expected):
    assert got.shape == expected.shape
    scale = max(float(np.abs(expected).max()), 1.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * scale)


# --------------------------------------------------------------------------------------------
# Padding modes
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("stride", [1, 2, (1, 3)], ids=repr)
@pytest.mark.parametrize("padding", PADDINGS, ids=repr)
@pytest.mark.parametrize("mode", list(NUMPY_MODE))
def test_padding_mode_matches_numpy_pad_and_brute_force(mode, padding, stride, dilation):
    rng = rng_for("mode", mode, padding, stride, dilation)
    gray = rng.normal(size=(2, 7, 8))
    kernel = rng.normal(size=(3, 2))
    got = conv2d(gray, kernel, padding=padding, stride=stride, dilation=dilation,
                 padding_mode=mode)
    assert_close(got, brute_conv(gray, kernel, padding, stride, dilation, mode))
    rgb = rng.integers(0, 256, size=(2, 6, 7, 3), dtype=np.uint8)
    bank = rng.normal(size=(2, 3, 3, 2))
    got = conv2d(rgb, bank, padding=padding, stride=stride, dilation=dilation,
                 padding_mode=mode)
    assert_close(got, brute_conv(rgb, bank, padding, stride, dilation, mode))


@pytest.mark.parametrize("mode", list(NUMPY_MODE))
def test_padding_mode_float32_and_large_single_image_bands(mode):
    # A photo-sized image is worked on in bands of rows; every band must see the same border.
    rng = rng_for("photo", mode)
    photo = rng.integers(0, 256, size=(1, 300, 260, 3), dtype=np.uint8)
    kernel = rng.normal(size=(5, 5, 3))
    got = conv2d(photo, kernel, padding="same", padding_mode=mode, dtype=np.float32)
    padded = np.pad(photo.astype(np.float64), ((0, 0), (2, 2), (2, 2), (0, 0)),
                    mode=NUMPY_MODE[mode])
    expected = conv2d(padded, kernel)  # valid convolution of the numpy-padded photo
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * scale)


def test_padding_modes_by_hand():
    row = np.array([[[1.0, 2.0, 3.0]]])
    pick_left = np.array([[1.0, 0.0, 0.0]])  # output x = padded pixel x
    expected = {"zeros": [0, 0, 1, 2, 3], "reflect": [3, 2, 1, 2, 3],
                "replicate": [1, 1, 1, 2, 3], "circular": [2, 3, 1, 2, 3],
                "symmetric": [2, 1, 1, 2, 3]}
    for mode, values in expected.items():
        got = conv2d(row, pick_left, padding=((0, 0), (2, 2)), padding_mode=mode)
        assert got[0, 0].tolist() == values, mode


def test_zeros_mode_is_the_default_bit_for_bit():
    rng = rng_for("zeros")
    images = rng.normal(size=(4, 9, 9, 2))
    bank = rng.normal(size=(3, 3, 2, 3))
    assert np.array_equal(conv2d(images, bank, padding="same"),
                          conv2d(images, bank, padding="same", padding_mode="zeros"))


def test_padding_mode_errors_name_the_argument():
    image = np.ones((1, 3, 4))
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        conv2d(image, np.ones((3, 3)), padding="same", padding_mode="mirror")
    with pytest.raises(ValueError, match=r"padding of 3 rows at the top .*'reflect'.* at most 2"):
        conv2d(image, np.ones((3, 3)), padding=3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"5 columns at the left .*'circular'.* at most 4"):
        conv2d(image, np.ones((1, 1)), padding=((0, 0), (5, 0)), padding_mode="circular")
    # As wide as the image is fine for circular and symmetric, and any width for replicate.
    assert conv2d(image, np.ones((1, 1)), padding=((3, 3), (4, 4)),
                  padding_mode="symmetric").shape == (1, 9, 12)
    assert conv2d(image, np.ones((1, 1)), padding=9, padding_mode="replicate").shape == (1, 21, 22)


# --------------------------------------------------------------------------------------------
# Bias
# --------------------------------------------------------------------------------------------

def test_bias_scalar_and_per_kernel():
    rng = rng_for("bias")
    images = rng.normal(size=(3, 6, 6, 2))
    bank = rng.normal(size=(3, 3, 2, 3))
    plain = brute_conv(images, bank, "same", 1, 1, "zeros")
    assert_close(conv2d(images, bank, padding="same", bias=0.5), plain + 0.5)
    assert_close(conv2d(images, bank, padding="same", bias=[1, -2, 3]),
                 plain + np.array([1, -2, 3]))
    single = rng.normal(size=(3, 3, 2))
    assert_close(conv2d(images, single, bias=[-1.5]), brute_conv(images, single, "valid", 1, 1,
                                                                 "zeros") - 1.5)


def test_bias_comes_before_activation_in_the_pipeline():
    images = np.array([[[1.0, -4.0], [2.0, 0.0]]])
    spec = PipelineSpec(np.ones((1, 1, 1, 2)), activation="relu", bias=(1.0, -1.5))
    result = run_pipeline(images, spec)
    # relu(x + 1) and relu(x - 1.5), by hand
    assert result.final[0, :, :, 0].tolist() == [[2.0, 0.0], [3.0, 1.0]]
    assert result.final[0, :, :, 1].tolist() == [[0.0, 0.0], [0.5, 0.0]]


def test_bias_errors_name_the_argument():
    with pytest.raises(ValueError, match="bias must be a number or 2 values"):
        conv2d(np.ones((1, 4, 4)), np.ones((2, 2, 1, 2)), bias=[1, 2, 3])
    with pytest.raises(ValueError, match="bias must be a single number"):
        conv2d(np.ones((1, 4, 4)), np.ones((2, 2)), bias=[1, 2])
    with pytest.raises(ValueError, match="bias must hold finite"):
        conv2d(np.ones((1, 4, 4)), np.ones((2, 2)), bias=np.nan)
    with pytest.raises(TypeError, match="bias must"):
        conv2d(np.ones((1, 4, 4)), np.ones((2, 2)), bias="one")
    with pytest.raises(ValueError, match="bias must be a number or 2 values"):
        PipelineSpec(np.ones((2, 2, 1, 2)), bias=(1, 2, 3))


# --------------------------------------------------------------------------------------------
# Transposed convolution
# --------------------------------------------------------------------------------------------

TRANSPOSE_CASES = [
    # stride, padding, output_padding, dilation
    (1, 0, 0, 1), (2, 0, 0, 1), (2, 1, 1, 1), (3, 1, 2, 1), ((2, 3), (1, 2), (1, 0), 1),
    (1, 2, 1, 2), (2, ((0, 2), (1, 0)), 0, 2), (3, 0, 1, (2, 1)),
]


@pytest.mark.parametrize("stride, padding, output_padding, dilation", TRANSPOSE_CASES, ids=repr)
def test_transposed_matches_brute_force_scatter(stride, padding, output_padding, dilation):
    rng = rng_for("transpose", stride, padding, output_padding, dilation)
    images = rng.normal(size=(2, 4, 5, 3))
    bank = rng.normal(size=(3, 2, 3, 2))
    args = dict(stride=stride, padding=padding, output_padding=output_padding,
                dilation=dilation)
    assert_close(conv_transpose2d(images, bank, **args),
                 brute_transpose(images, bank, stride, padding, output_padding, dilation))
    gray = rng.integers(0, 9, size=(3, 5, 4), dtype=np.uint8)
    kernel = rng.normal(size=(2, 3))
    assert_close(conv_transpose2d(gray, kernel, **args),
                 brute_transpose(gray, kernel, stride, padding, output_padding, dilation))
    got32 = conv_transpose2d(images, bank, dtype=np.float32, **args)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, conv_transpose2d(images, bank, **args), atol=1e-4)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (3, 2, 2),
                                                       ((2, 1), ((1, 0), (2, 1)), (1, 2))],
                         ids=repr)
def test_transposed_is_the_adjoint_of_conv2d(stride, padding, dilation):
    rng = rng_for("adjoint", stride, padding, dilation)
    x = rng.normal(size=(2, 9, 8, 3))
    k = rng.normal(size=(3, 3, 3, 4))
    forward = conv2d(x, k, padding=padding, stride=stride, dilation=dilation)
    y = rng.normal(size=forward.shape)
    # conv2d's output padding: the rows/columns its stride skipped at the bottom/right.
    oh, ow = output_shape(forward.shape[1:3], (3, 3), padding, stride, dilation,
                          transposed=True)
    extra = (x.shape[1] - oh, x.shape[2] - ow)
    back = conv_transpose2d(y, k.swapaxes(2, 3), stride=stride, padding=padding,
                            output_padding=extra, dilation=dilation)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(forward, y), np.vdot(x, back), rtol=1e-10)


@pytest.mark.parametrize("i, k, s, p, a, o", [
    (2, 3, 1, 0, 0, 4),   # relationship 8  (figure 4.1): no padding, unit strides
    (6, 4, 1, 2, 0, 5),   # relationship 10 (figure 4.3): padding, unit strides
    (3, 3, 2, 1, 0, 5),   # relationship 13 (figure 4.6): padding, strides
    (3, 3, 2, 1, 1, 6),   # relationship 14 (figure 4.7): padding, strides, odd
    (5, 3, 1, 1, 0, 5),   # relationship 9  (figure 4.2): half padding
    (7, 3, 1, 2, 0, 5),   # relationship 10 (figure 4.3): full padding
    (2, 3, 2, 0, 0, 5),   # relationship 11 (figure 4.5): no padding, strides
])
def test_paper_relationships_input_to_output(i, k, s, p, a, o):
    assert output_shape((i, i), (k, k), p, s, transposed=True, output_padding=a) == (o, o)
    out = conv_transpose2d(np.ones((1, i, i)), np.ones((k, k)), stride=s, padding=p,
                           output_padding=a)
    assert out.shape == (1, o, o)
    # The transposed convolution's output size is an input size of the direct convolution
    # that maps back to i.
    assert output_shape((o, o), (k, k), p, s) == (i, i)


def test_transposed_by_hand():
    # Each input pixel stamps value * kernel at stride 2; overlaps add.
    got = conv_transpose2d(np.array([[[1.0, 2.0]]]), np.array([[1.0, 10.0, 100.0]]), stride=2)
    assert got[0].tolist() == [[1.0, 10.0, 102.0, 20.0, 200.0]]
    cropped = conv_transpose2d(np.array([[[1.0, 2.0]]]), np.array([[1.0, 10.0, 100.0]]),
                               stride=2, padding=((0, 0), (1, 1)), bias=0.5)
    assert cropped[0].tolist() == [[10.5, 102.5, 20.5]]


def test_transposed_equals_a_convolution_of_the_stretched_input():
    # The drawing the window shows: zeros inserted, padded by d*(k-1)-p, kernel rotated.
    rng = rng_for("stretched")
    x = rng.normal(size=(2, 4, 5))
    k = rng.normal(size=(3, 4))
    got = conv_transpose2d(x, k, stride=(2, 3), padding=(1, 2), output_padding=(1, 0))
    stretched = insert_zeros(x, (2, 3))
    padded = np.pad(stretched, ((0, 0), (1, 1 + 1), (1, 1)))
    assert_close(got, brute_conv(padded, k[::-1, ::-1], "valid", 1, 1, "zeros"))


def test_insert_zeros_by_hand():
    got = insert_zeros(np.array([[[1, 2], [3, 4]]]), (2, 3))
    assert got[0].tolist() == [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]]


def test_transposed_errors_name_the_argument():
    x = np.ones((1, 3, 3))
    with pytest.raises(ValueError, match=r"output_padding \(2\) must be smaller than the stride "
                                         r"\(2\) or the dilation \(1\)"):
        conv_transpose2d(x, np.ones((3, 3)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, np.ones((3, 3)), output_padding=1)
    # Smaller than the dilation is allowed (as in PyTorch).
    assert conv_transpose2d(x, np.ones((3, 3)), dilation=2, output_padding=1).shape == (1, 8, 8)
    with pytest.raises(ValueError, match="padding .* removes the whole output"):
        conv_transpose2d(x, np.ones((2, 2)), padding=2)
    with pytest.raises(ValueError, match="padding of a transposed convolution must be"):
        conv_transpose2d(x, np.ones((2, 2)), padding="same")
    with pytest.raises(ValueError, match="stride values must be >= 1"):
        conv_transpose2d(x, np.ones((2, 2)), stride=0)
    with pytest.raises(ValueError, match="kernels has 2 channel"):
        conv_transpose2d(x, np.ones((2, 2, 2, 1)))
    with pytest.raises(ValueError, match="images must hold finite"):
        conv_transpose2d(np.full((1, 2, 2), np.nan), np.ones((2, 2)))
    with pytest.raises(ValueError, match="padding_mode must be 'zeros'"):
        PipelineSpec(np.ones((2, 2, 1, 1)), transposed=True, padding_mode="reflect")


def test_transposed_pipeline_with_bias_and_flip():
    rng = rng_for("pipe")
    x = rng.normal(size=(2, 4, 4))
    k = rng.normal(size=(3, 3, 1, 2))
    spec = PipelineSpec(k, stride=(2, 2), padding=(1, 1), transposed=True,
                        output_padding=(1, 1), bias=(0.5, -1.0), flip=True)
    result = run_pipeline(x, spec)
    expected = brute_transpose(x, k[::-1, ::-1], 2, 1, 1, 1) + np.array([0.5, -1.0])
    assert_close(result.conv, expected)
    assert spec.shapes((4, 4)) == ((8, 8), None)


def test_transposed_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    rng = rng_for("torch")
    x = rng.normal(size=(2, 5, 6, 3))
    k = rng.normal(size=(4, 3, 3, 2))
    for stride, padding, output_padding, dilation in [(2, 1, 1, 1), ((3, 2), (0, 1), (2, 1),
                                                                      (1, 2))]:
        expected = torch.nn.functional.conv_transpose2d(
            torch.from_numpy(x.transpose(0, 3, 1, 2)),
            torch.from_numpy(k.transpose(2, 3, 0, 1).copy()), stride=stride, padding=padding,
            output_padding=output_padding, dilation=dilation).numpy().transpose(0, 2, 3, 1)
        got = conv_transpose2d(x, k, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation)
        assert_close(got, expected)


# --------------------------------------------------------------------------------------------
# Geometry of the transposed case
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stride, padding, dilation", [(2, 1, 1), (3, (0, 2), 2), (1, 1, 1)],
                         ids=repr)
def test_transposed_windows_and_readers_agree_with_the_scatter(stride, padding, dilation):
    rng = rng_for("windows", stride, padding, dilation)
    x = rng.normal(size=(1, 4, 3))
    k = rng.normal(size=(3, 2))
    (sh, sw), (t, b), (l, r) = pair(stride), *ref_pads(padding, (4, 3), (3, 2))
    out = conv_transpose2d(x, k, stride=stride, padding=padding, dilation=dilation)
    oh, ow = out.shape[1:]
    stretched = insert_zeros(x, stride)[0]
    pads = ((t, b), (l, r))
    for row in range(oh):
        for col in range(ow):
            win = input_window((row, col), (3, 2), pads, stride, dilation, transposed=True)
            patch = win.patch(stretched)
            assert np.isclose((patch * k[::-1, ::-1]).sum(), out[0, row, col])
    for y in range(4):
        for xx in range(3):
            poked = np.zeros((1, 4, 3))
            poked[0, y, xx] = 1.0
            touched = conv_transpose2d(poked, np.ones((3, 2)), stride=stride, padding=padding,
                                       dilation=dilation)[0]
            expected = [tuple(map(int, rc)) for rc in np.argwhere(touched != 0)]
            assert outputs_reading((y * sh, xx * sw), (3, 2), (oh, ow), pads, stride, dilation,
                                   transposed=True) == expected


# --------------------------------------------------------------------------------------------
# Copy as code
# --------------------------------------------------------------------------------------------

def run_snippet(spec, images):
    from core.codegen import python_snippet

    namespace = {"images": images}
    exec(python_snippet(spec, image_shape=images.shape[1:]), namespace)
    return namespace


def test_copied_code_carries_padding_mode_and_bias():
    rng = rng_for("codegen mode")
    images = rng.normal(size=(2, 6, 7))
    kernel = rng.normal(size=(3, 3))
    spec = PipelineSpec(kernel[:, :, None, None], padding="same", padding_mode="symmetric",
                        bias=0.25, activation="relu")
    namespace = run_snippet(spec, images)
    expected = np.maximum(brute_conv(images, kernel, "same", 1, 1, "symmetric") + 0.25, 0)
    assert_close(namespace["output"], expected)


def test_copied_code_runs_a_transposed_convolution():
    rng = rng_for("codegen transposed")
    images = rng.normal(size=(2, 4, 5))
    bank = rng.normal(size=(3, 3, 1, 2))
    spec = PipelineSpec(bank, stride=(2, 2), padding=(1, 1), transposed=True,
                        output_padding=(1, 1), bias=(0.5, -1.0), flip=True)
    namespace = run_snippet(spec, images)
    expected = brute_transpose(images, bank[::-1, ::-1], 2, 1, 1, 1) + np.array([0.5, -1.0])
    assert_close(namespace["output"], expected)
    from core.codegen import python_snippet

    assert "no transposed convolution" in python_snippet(spec)


# --------------------------------------------------------------------------------------------
# The inspector's arithmetic and the batch runner
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings", [
    dict(padding="same", padding_mode="reflect", bias=(0.5, -2.0)),
    dict(padding=(2, 1), padding_mode="circular", stride=(2, 1)),
    dict(transposed=True, stride=(2, 3), padding=(1, 0), output_padding=(1, 2), bias=(1.0, 2.0)),
    dict(transposed=True, stride=(2, 2), dilation=(2, 1), flip=True),
], ids=lambda s: ",".join(s))
def test_explained_pixels_add_up_to_the_brute_force_output(settings):
    from core.explain import explain_conv_pixel

    rng = rng_for("explain", sorted(settings))
    image = rng.normal(size=(5, 4, 2))
    bank = rng.normal(size=(3, 2, 2, 2))
    spec = PipelineSpec(bank, **settings)
    kernels = bank[::-1, ::-1] if spec.flip else bank
    if spec.transposed:
        expected = brute_transpose(image[None], kernels, spec.stride, spec.padding,
                                   spec.output_padding, spec.dilation)[0]
    else:
        expected = brute_conv(image[None], kernels, spec.padding, spec.stride, spec.dilation,
                              spec.padding_mode)[0]
    expected = expected + np.asarray(spec.bias)
    for row in range(expected.shape[0]):
        for col in range(expected.shape[1]):
            for index in range(2):
                pixel = explain_conv_pixel(image, spec, index, row, col)
                assert np.isclose(pixel.total, expected[row, col, index])


def test_batch_runner_carries_the_new_settings():
    from core.batch import run_batch

    rng = rng_for("batch")
    images = rng.normal(size=(7, 5, 6))
    bank = rng.normal(size=(3, 3, 1, 2))
    spec = PipelineSpec(bank, transposed=True, stride=(2, 2), bias=(1.0, -1.0),
                        activation="relu")
    got = run_batch(images, spec, chunk=3, dtype=np.float64)
    expected = np.maximum(brute_transpose(images, bank, 2, 0, 0, 1) + np.array([1.0, -1.0]), 0)
    assert_close(got, expected)
    spec = PipelineSpec(bank, padding="same", padding_mode="replicate", bias=(0.0, 3.0))
    got = run_batch(images, spec, chunk=4, dtype=np.float64)
    assert_close(got, brute_conv(images, bank, "same", 1, 1, "replicate") + np.array([0.0, 3.0]))
