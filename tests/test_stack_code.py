"""Copy as code for a layer stack: the script runs and reproduces the stack, checked against
conv2d/pool2d composed by hand."""

import numpy as np

from core import conv2d, pool2d
from core.codegen import ImageSource, python_snippet
from core.pipeline import PipelineSpec
from core.stack_code import stack_snippet


def test_the_script_reproduces_every_setting_of_every_layer():
    rng = np.random.default_rng(3)
    specs = [PipelineSpec(rng.normal(size=(3, 2, 3, 2)), padding=((1, 0), (2, 1)),
                          stride=(2, 1), flip=True, activation="abs", bias=[0.5, -0.25],
                          padding_mode="reflect", pool_mode="avg", pool_shape=(2, 3),
                          pool_stride=(1, 2)),
             PipelineSpec(rng.normal(size=(2, 2, 2, 3)), dilation=(2, 1), activation="relu",
                          pool_mode="max")]
    images = rng.normal(size=(2, 17, 19, 3))
    namespace = {"images": images}
    exec(stack_snippet(specs, image_shape=images.shape[1:]), namespace)
    x = np.abs(conv2d(images, specs[0].kernels[::-1, ::-1], padding=((1, 0), (2, 1)),
                      stride=(2, 1), padding_mode="reflect") + np.array([0.5, -0.25]))
    x = pool2d(x, (2, 3), stride=(1, 2), mode="avg")
    x = pool2d(np.maximum(conv2d(x, specs[1].kernels, dilation=(2, 1)), 0), (2, 2),
               stride=(2, 2), mode="max")
    np.testing.assert_allclose(namespace["output"], x, atol=1e-9)


def test_a_sample_source_and_the_shape_comment():
    specs = [PipelineSpec(np.ones((3, 3, 1, 4)) / 9, activation="relu", pool_mode="max"),
             PipelineSpec(np.ones((3, 3, 4, 2)), padding="same")]
    code = python_snippet(specs, image_source=ImageSource.sample("MNIST digits"), index=5,
                          image_shape=(28, 28))
    assert "core.datasets.load_sample('MNIST digits').images[5:6]" in code
    assert "# output.shape == (1, 13, 13, 2)" in code
    namespace = {}
    exec(code, namespace)
    assert namespace["output"].shape == (1, 13, 13, 2)
    assert len(namespace["results"]) == 2
    # A list of one layer is the single-layer script (with the assignment's equivalent).
    single = python_snippet(specs[:1], image_shape=(28, 28))
    assert "run_stack" not in single and "core.conv2d" in single
