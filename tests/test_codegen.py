"""Copy as code: the snippets run, reproduce a brute-force computation, and read back exactly."""

import math
import re

import numpy as np
import pytest

import core
from core.codegen import ImageSource, format_number, kernel_literal, python_snippet, seed_equivalent
from core.datasets import Dataset, load_dataset, load_sample
from core.pipeline import PipelineSpec


# -- an independent reference -----------------------------------------------------------------

def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _pads(padding, hw, khw, stride, dilation):
    if padding == "valid":
        return [(0, 0), (0, 0)]
    pads = []
    for size, k, s, d in zip(hw, khw, stride, dilation):
        extent = d * (k - 1) + 1
        if padding == "full":
            pads.append((extent - 1, extent - 1))
        elif padding == "same":
            total = max((math.ceil(size / s) - 1) * s + extent - size, 0)
            pads.append((total // 2, total - total // 2))
    if isinstance(padding, int):
        return [(padding, padding), (padding, padding)]
    if isinstance(padding, tuple) and isinstance(padding[0], tuple):
        return list(padding)
    if isinstance(padding, tuple):
        return [(padding[0], padding[0]), (padding[1], padding[1])]
    return pads


def reference(images, spec):
    """The layer computed from its definition with plain loops; (m, oh, ow, nc)."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 3:
        images = images[..., None]
    m, h, w, c = images.shape
    bank = spec.kernels[::-1, ::-1] if spec.flip else spec.kernels
    kh, kw, _, nc = bank.shape
    (sh, sw), (dh, dw) = pair(spec.stride), pair(spec.dilation)
    (t, b), (l, r) = _pads(spec.padding, (h, w), (kh, kw), (sh, sw), (dh, dw))
    padded = np.zeros((m, h + t + b, w + l + r, c))
    padded[:, t:t + h, l:l + w] = images
    oh = (h + t + b - dh * (kh - 1) - 1) // sh + 1
    ow = (w + l + r - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((m, oh, ow, nc))
    for n in range(m):
        for y in range(oh):
            for x in range(ow):
                for k in range(nc):
                    total = 0.0
                    for i in range(kh):
                        for j in range(kw):
                            for ch in range(c):
                                total += (padded[n, y * sh + i * dh, x * sw + j * dw, ch]
                                          * bank[i, j, ch, k])
                    out[n, y, x, k] = total
    if spec.activation == "relu":
        out = np.where(out > 0, out, 0.0)
    elif spec.activation == "abs":
        out = np.where(out < 0, -out, out)
    if spec.pooled:
        (ph, pw), (psh, psw) = spec.pool_shape, spec.pool_stride
        poh, pow_ = (oh - ph) // psh + 1, (ow - pw) // psw + 1
        pooled = np.zeros((m, poh, pow_, nc))
        for y in range(poh):
            for x in range(pow_):
                window = out[:, y * psh:y * psh + ph, x * psw:x * psw + pw]
                if spec.pool_mode == "max":
                    pooled[:, y, x] = window.max(axis=(1, 2))
                else:
                    pooled[:, y, x] = window.sum(axis=(1, 2)) / (ph * pw)
        out = pooled
    return out


def as_bank_output(output, spec):
    """Snippet outputs drop the kernel axis for a single kernel; put it back."""
    return output[..., None] if spec.kernels.shape[3] == 1 else output


def run(code, **names):
    namespace = dict(names)
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace


def run_seed(call, namespace):
    seed_names = {name: getattr(core, name) for name in (
        "convolve_grayscale_valid", "convolve_grayscale_same", "convolve_grayscale_padding",
        "convolve_grayscale", "convolve_channels", "convolve", "pool")}
    return eval(call, {"np": np, **seed_names}, dict(namespace))


SOBEL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
RNG = np.random.default_rng(7)
GRAY = RNG.normal(size=(2, 7, 8))
RGB = RNG.uniform(0, 255, size=(2, 6, 7, 3)).round()
BANK_RGB = RNG.integers(-2, 3, size=(3, 3, 3, 2)).astype(float)
BANK_RGB[0, 0, 0, 0] = -1 / 9


def bank(kernel):
    kernel = np.asarray(kernel, dtype=float)
    return kernel[:, :, None, None] if kernel.ndim == 2 else kernel[..., None]


CASES = {
    "valid": (GRAY, PipelineSpec(bank(SOBEL)), "convolve_grayscale_valid(images, kernel)"),
    "same box": (GRAY, PipelineSpec(bank(np.full((3, 3), 1 / 9)), padding="same"),
                 "convolve_grayscale_same(images, kernel)"),
    "padding": (GRAY, PipelineSpec(bank(RNG.normal(size=(2, 4))), padding=(1, 2)),
                "convolve_grayscale_padding(images, kernel, (1, 2))"),
    "stride": (GRAY, PipelineSpec(bank(SOBEL), stride=(2, 1)),
               "convolve_grayscale(images, kernel, padding='valid', stride=(2, 1))"),
    "same stride even": (GRAY, PipelineSpec(bank(np.ones((2, 2))), padding="same",
                                            stride=(2, 3)),
                         "convolve_grayscale(images, kernel, padding='same', stride=(2, 3))"),
    "full": (GRAY, PipelineSpec(bank(SOBEL), padding="full"),
             "convolve_grayscale_padding(images, kernel, (2, 2))"),
    "flip": (GRAY, PipelineSpec(bank([[1, 2], [3, 4]]), padding="same", flip=True),
             "convolve_grayscale_same(images, kernel[::-1, ::-1])"),
    "channels": (RGB, PipelineSpec(bank(RNG.normal(size=(3, 3, 3))), padding="same"),
                 "convolve_channels(images, kernel, padding='same', stride=(1, 1))"),
    "bank relu pool": (RGB, PipelineSpec(BANK_RGB, stride=(1, 2), activation="relu",
                                         pool_mode="max", pool_shape=(2, 2), pool_stride=(1, 1)),
                       "pool(np.maximum(convolve(images, kernels, padding='valid', "
                       "stride=(1, 2)), 0), (2, 2), (1, 1), mode='max')"),
    "gray bank abs": (GRAY, PipelineSpec(RNG.normal(size=(3, 3, 1, 3)), activation="abs"),
                      "np.abs(convolve(images[..., np.newaxis], kernels, padding='valid', "
                      "stride=(1, 1)))"),
    "gray pool only": (GRAY, PipelineSpec(np.ones((1, 1, 1, 1)), pool_mode="avg",
                                          pool_shape=(2, 3), pool_stride=(2, 2)),
                       "pool(images[..., np.newaxis], (2, 3), (2, 2), mode='avg')[..., 0]"),
    "rgb pool only": (RGB, PipelineSpec(np.eye(3)[None, None], pool_mode="max"),
                      "pool(images, (2, 2), (2, 2), mode='max')"),
    "conv then pool": (GRAY, PipelineSpec(bank(SOBEL), padding="same", pool_mode="max"),
                       "pool(convolve_grayscale_same(images, kernel)[..., np.newaxis], (2, 2), "
                       "(2, 2), mode='max')[..., 0]"),
    "int padding": (GRAY, PipelineSpec(bank(SOBEL), padding=1),
                    "convolve_grayscale_padding(images, kernel, (1, 1))"),
    "dilation": (GRAY, PipelineSpec(bank(SOBEL), dilation=(2, 1), padding="same"), None),
    "uneven padding": (GRAY, PipelineSpec(bank(SOBEL), padding=((0, 1), (2, 0))), None),
    "rgb dilation bank": (RGB, PipelineSpec(BANK_RGB, dilation=2, flip=True), None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_snippet_reproduces_the_reference(case):
    images, spec, _ = CASES[case]
    code = python_snippet(spec, image_shape=images.shape[1:])
    namespace = run(code, images=images.copy())
    np.testing.assert_allclose(as_bank_output(namespace["output"], spec), reference(images, spec),
                               rtol=1e-12, atol=1e-9)
    comment = re.search(r"# output.shape == \((.*)\)", code).group(1)
    assert comment == "m, " + ", ".join(map(str, namespace["output"].shape[1:]))


@pytest.mark.parametrize("case", list(CASES))
def test_seed_equivalent_runs_and_matches(case):
    images, spec, expected = CASES[case]
    channels = 1 if images.ndim == 3 else images.shape[3]
    call = seed_equivalent(spec, channels)
    assert call == expected
    code = python_snippet(spec, image_shape=images.shape[1:])
    if call is None:
        assert "# No equivalent with the assignment's functions" in code
        return
    assert f"# output = {call}\n" in code
    namespace = run(code, images=images.copy())
    seed_output = run_seed(call, namespace)
    np.testing.assert_allclose(seed_output, namespace["output"], rtol=1e-12, atol=1e-9)
    assert seed_output.shape == namespace["output"].shape


def test_notes_explain_where_semantics_differ():
    assert "rotated by 180 degrees" in python_snippet(CASES["flip"][1])
    assert "TensorFlow's SAME" in python_snippet(CASES["same stride even"][1])
    assert "k - 1 zeros" in python_snippet(CASES["full"][1])
    assert "no dilation" in python_snippet(CASES["dilation"][1])
    assert "differs between opposite sides" in python_snippet(CASES["uneven padding"][1])
    assert seed_equivalent(CASES["valid"][1], 3) is None


def test_single_channel_stack_layout_uses_the_grayscale_functions():
    images = GRAY[..., None]
    spec = PipelineSpec(bank(SOBEL))
    code = python_snippet(spec, image_shape=images.shape[1:])
    assert "# output = convolve_grayscale_valid(images[..., 0], kernel)" in code
    namespace = run(code, images=images)
    np.testing.assert_allclose(run_seed("convolve_grayscale_valid(images[..., 0], kernel)",
                                        namespace), namespace["output"])


def test_snippet_reads_a_dataset_file(tmp_path):
    path = tmp_path / "homework data.npz"
    np.savez(path, X_train=GRAY, other=np.zeros(3))
    spec = PipelineSpec(bank(SOBEL), padding="same", activation="relu")
    code = python_snippet(spec, image_source=ImageSource.file(path, key="X_train"), index=1,
                          image_shape=(7, 8))
    assert "load_dataset(" in code and "key='X_train'" in code and "images[1:2]" in code
    assert "# output.shape == (1, 7, 8)" in code
    namespace = run(code)
    np.testing.assert_allclose(namespace["output"][..., None], reference(GRAY[1:2], spec),
                               atol=1e-9)


def test_snippet_from_a_loaded_dataset_processes_all_images(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, RGB.astype(np.uint8))
    dataset = load_dataset(path)
    source = ImageSource.from_dataset(dataset)
    assert source.kind == "file" and source.path == str(path)
    spec = PipelineSpec(BANK_RGB, padding=(1, 1), stride=2)
    namespace = run(python_snippet(spec, image_source=dataset, index=None))
    np.testing.assert_allclose(namespace["output"], reference(RGB, spec), atol=1e-9)


def test_snippet_opens_a_bundled_sample():
    dataset = load_sample("MNIST digits")
    assert ImageSource.from_dataset(dataset) == ImageSource.sample("MNIST digits")
    spec = PipelineSpec(bank(SOBEL), stride=(2, 2), pool_mode="max")
    code = python_snippet(spec, image_source=dataset, index=5, image_shape=(28, 28))
    assert "core.datasets.load_sample('MNIST digits').images[5:6]" in code
    namespace = run(code)
    np.testing.assert_allclose(namespace["output"][..., None],
                               reference(dataset.images[5:6], spec), atol=1e-9)


def test_data_core_cannot_read_expects_images():
    made = Dataset(np.zeros((1, 4, 4)), name="drawn")
    assert ImageSource.from_dataset(made).kind == "variable"
    folder = Dataset(np.zeros((1, 4, 4)), name="photos", source="/some/folder/cat.png")
    assert ImageSource.from_dataset(folder).kind == "variable"
    code = python_snippet(PipelineSpec(bank(SOBEL)), image_source=folder, image_shape=(4, 4))
    assert "# images: your (m, 4, 4) array of images\n# (the app showed 'photos')" in code
    assert "load_" not in code


def test_kernel_too_large_for_the_image_leaves_out_the_shape_comment():
    code = python_snippet(PipelineSpec(np.ones((5, 5, 1, 1))), image_shape=(3, 3))
    assert "output.shape" not in code


ROUND_TRIP = [1 / 9, -1 / 9, 0.1, -0.3, 1 / 3, 2 / 3, 1 / 16, 1e-20, -123456.789, np.pi,
              1 / 7, 0.30000000000000004, 2.5e300, -2.0, 0.0, 7.0, 1e16, 5e-324]


@pytest.mark.parametrize("value", ROUND_TRIP)
def test_number_text_round_trips_exactly(value):
    text = format_number(value)
    assert float(eval(text)) == value
    assert len(text) <= len(repr(float(value)))


def test_number_text_is_compact():
    assert [format_number(v) for v in (3.0, -2.0, -0.0, 0.5, 1 / 9, -1 / 9, 0.0625, 0.1)] == [
        "3", "-2", "0", "0.5", "1/9", "-1/9", "1/16", "0.1"]
    with pytest.raises(ValueError, match="value must be finite"):
        format_number(float("nan"))


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (3, 2, 2), (2, 3, 3, 4)])
def test_kernel_literal_round_trips_exactly(shape):
    array = np.random.default_rng(len(shape)).normal(size=shape)
    array.flat[0] = -1 / 9
    array.flat[-1] = 2
    text = kernel_literal(array)
    assert np.array_equal(eval(text, {"np": np}).astype(np.float64), array)


def test_snippet_kernel_weights_round_trip_exactly():
    weights = np.array([[1 / 9, -1 / 9, 0.1], [-2, 0, 1 / 3], [np.pi, -1e-7, 3]])
    code = python_snippet(PipelineSpec(bank(weights)))
    namespace = run(code, images=np.ones((1, 3, 3)))
    assert np.array_equal(np.asarray(namespace["kernel"], dtype=np.float64), weights)
    assert "1/9" in code and "-1/9" in code


def test_bad_arguments():
    with pytest.raises(TypeError, match="image_source"):
        python_snippet(PipelineSpec(bank(SOBEL)), image_source=42)
    with pytest.raises(ValueError, match="kind must be"):
        ImageSource("url")
    with pytest.raises(ValueError, match="path is required"):
        ImageSource("file")
    with pytest.raises(ValueError, match="array must be at least 2-D"):
        kernel_literal([1, 2])


def _injected_name(marker):
    return f"cat\nimport pathlib; pathlib.Path({marker.name!r}).touch()\n#"


def test_hostile_file_names_stay_inert_in_a_script_run_from_another_folder(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    marker = elsewhere / "marker"
    hostile = tmp_path / (_injected_name(marker) + ".npz")
    images = np.random.default_rng(1).random((3, 6, 6))
    np.savez(hostile, X_train=images)
    spec = PipelineSpec(bank(SOBEL))
    for source in (ImageSource.file(hostile, key=_injected_name(marker)),
                   Dataset(images, name=_injected_name(marker) + ".png",
                           source=str(tmp_path / (_injected_name(marker) + ".png")))):
        code = python_snippet(spec, image_source=source, index=None, image_shape=(6, 6))
        compile(code, "<snippet>", "exec")
        (elsewhere / "script.py").write_text(code)
        # PYTHONPATH lets even a script without its own path set-up reach the injected line.
        env = dict(os.environ, PYTHONPATH=str(Path(core.__file__).parent.parent))
        subprocess.run([sys.executable, "script.py"], cwd=elsewhere, capture_output=True,
                       timeout=60, env=env)
        assert not marker.exists(), code
    code = python_snippet(spec, image_source=ImageSource.file(hostile), index=None,
                          image_shape=(6, 6))
    (elsewhere / "script.py").write_text(code + "\nnp.save('out.npy', output)\n")
    run = subprocess.run([sys.executable, "script.py"], cwd=elsewhere, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert not marker.exists()
    np.testing.assert_allclose(np.load(elsewhere / "out.npy"), reference(images, spec)[..., 0],
                               atol=1e-9)
