"""Model files round-trip, refuse pickles and bad shapes; learned kernels export as kernel files."""

import json
import pickle

import numpy as np
import pytest

from core.kernels import load_kernel
from core.nn import build_network, export_kernels, load_model, save_model


@pytest.fixture
def net():
    net = build_network("conv:3x3x3:padding=same:stride=2:mode=reflect,relu,maxpool:2,dense:5,"
                        "relu", (12, 10, 3), 4, seed=5, input_scale=1 / 255,
                        class_names=list("abcd"))
    rng = np.random.default_rng(0)
    for layer in net.layers:
        for param in layer.params.values():
            param[...] = rng.standard_normal(param.shape)
    return net


def test_round_trip_keeps_layers_weights_and_predictions(tmp_path, net):
    path = tmp_path / "model.npz"
    save_model(path, net)
    back = load_model(path)
    assert back.describe() == net.describe()
    assert back.architecture() == net.architecture()
    assert (back.input_shape, back.classes, back.class_names) == ((12, 10, 3), 4, list("abcd"))
    for a, b in zip(net.layers, back.layers):
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])
    x = np.random.default_rng(1).integers(0, 256, (6, 12, 10, 3)).astype(np.uint8)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


def test_the_file_is_plain_arrays_with_a_json_architecture(tmp_path, net):
    path = tmp_path / "model.npz"
    save_model(path, net)
    with np.load(path, allow_pickle=False) as archive:
        layers = [json.loads(t) for t in archive["architecture"]]
        assert [layer["type"] for layer in layers] == [
            "conv", "relu", "maxpool", "flatten", "dense", "relu", "dense"]
        assert layers[0]["padding"] == [[0, 1], [0, 1]] and layers[0]["stride"] == [2, 2]
        assert layers[0]["padding_mode"] == "reflect"
        assert archive["layer0.W"].shape == (3, 3, 3, 3)


def rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        members = {k: archive[k] for k in archive.files}
    members.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del members[key]
    np.savez(path, **members)


def test_a_pickled_member_is_refused(tmp_path, net):
    path = tmp_path / "model.npz"
    save_model(path, net)
    rewrite(path, **{"layer0.W": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(ValueError, match="pickle"):
        load_model(path)


def test_a_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps({"layer0.W": 1}))
    with pytest.raises(ValueError, match="model.npz"):
        load_model(path)


@pytest.mark.parametrize("key,value,words", [
    ("layer0.W", np.zeros((5, 5, 3, 3)), "layer0.W has shape"),
    ("layer6.b", None, "misses the weights layer6.b"),
    ("format", np.array("something-else"), "not a model file"),
    ("architecture", np.array(["{not json"]), "not valid JSON"),
    ("architecture", np.array(['{"type": "softmax"}']), "unknown layer type"),
    ("layer0.b", np.array([1.0, np.nan, 0.0]), "NaN"),
])
def test_bad_contents_are_refused_naming_the_member(tmp_path, net, key, value, words):
    path = tmp_path / "model.npz"
    save_model(path, net)
    rewrite(path, **{key: value})
    with pytest.raises(ValueError, match=words):
        load_model(path)


def test_failed_save_leaves_no_file(tmp_path, net, monkeypatch):
    path = tmp_path / "model.npz"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError):
        save_model(path, net)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=".npz"):
        save_model(tmp_path / "model.pkl", net)


def test_export_first_layer_kernels_as_a_kernel_bank(tmp_path, net):
    path = tmp_path / "learned.json"
    export_kernels(path, net, name="learned")
    bank = load_kernel(path)
    np.testing.assert_allclose(bank, net.layers[0].params["W"])
    assert json.loads(path.read_text())["name"] == "learned"
