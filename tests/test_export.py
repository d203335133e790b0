"""ONNX export: every registered space and every zoo network computes in ONNX Runtime what it
computes in PyTorch; int8 copies; export of a stored run's best network."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from _factories import TINY_CLI

from edgenas.hardware.export import export_onnx, onnx_predict
from edgenas.spaces import SPACES, NB201Space, create_space
from edgenas.zoo import create_model, list_models

pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4  # max |ORT - PyTorch| / max(1, max |PyTorch|), float32


def _check_equal(model, shape, path):
    report = export_onnx(model, shape, path)
    assert report["max_abs_diff"] <= TOLERANCE
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        want = model.eval()(x).numpy()
    got = onnx_predict(path, x.numpy())
    assert got.shape == want.shape
    assert np.abs(got - want).max() / max(1.0, np.abs(want).max()) <= TOLERANCE


@pytest.mark.parametrize("name", SPACES.names())
def test_every_space_exports_equal(name, tmp_path):
    space = create_space(name)
    for seed in range(2):
        arch = space.sample(np.random.default_rng(seed))
        torch.manual_seed(seed)
        _check_equal(space.build(arch), space.input_shape(arch), tmp_path / f"{seed}.onnx")


@pytest.mark.parametrize("name", list_models())
def test_every_zoo_network_exports_equal(name, tmp_path):
    torch.manual_seed(0)
    size = 32
    model = create_model(name, **({"image_size": size} if name.startswith("deit") else {}))
    _check_equal(model, (1, 3, size, size), tmp_path / "m.onnx")


def test_mismatch_is_not_written(tmp_path):
    class ValueDependent(torch.nn.Module):
        def forward(self, x):  # traced on one input: the branch is frozen into the graph
            return x * 2 if x.sum() > 0 else x * -3

    path = tmp_path / "m.onnx"
    with pytest.raises(Exception, match="differs from PyTorch"):
        export_onnx(ValueDependent(), (1, 3, 4, 4), path, checks=8)
    assert not path.exists()


def test_trained_weights_export_and_int8_accuracy(cli, tmp_path):
    weights = tmp_path / "w.pt"
    small = {**TINY_CLI, "resolutions": [12]}  # trains to ~96% on digits in a few seconds
    code, out, err = cli("train", "--space", "mbconv", "--arch", "random:3", "--dataset", "digits", "--epochs", "4",
                         "--space-config", json.dumps(small), "--save-weights", str(weights), "--json")
    assert code == 0, err
    trained = json.loads(out)
    code, _, err = cli("export", "--weights", str(weights), "-o", str(tmp_path / "m.onnx"), "--quantize", "static",
                       "--dataset", "scenes:digits")  # other images than the network learnt: refused, one line
    assert code != 0 and "w.pt was trained on digits: calibrate and score it on the same kind" in err, err
    code, out, err = cli("export", "--weights", str(weights), "-o", str(tmp_path / "m.onnx"), "--quantize", "static",
                         "--eval-images", "100000", "--json")  # --dataset: the weights' own, digits
    assert code == 0, err
    report = json.loads(out)
    assert report["arch"] == trained["arch"] and report["trained"] and report["int8"]["dataset"] == "digits"
    q = report["int8"]
    assert trained["test_accuracy"] > 80 and q["bytes"] < report["bytes"]
    # the whole test split: the float ONNX model scores what PyTorch's trainer scored on it
    assert q["float_accuracy"] == pytest.approx(trained["test_accuracy"], abs=1e-6)
    assert abs(q["int8_accuracy"] - q["float_accuracy"]) < 10
    assert q["agreement"] > 80


def test_dynamic_int8_without_data(cli, tmp_path):
    code, out, err = cli("export", "--space", "nb201", "--arch", "random:1", "-o", str(tmp_path / "m.onnx"),
                         "--quantize", "dynamic", "--json")  # random:SEED, as train takes it
    assert code == 0, err
    assert json.loads(out)["arch"] == NB201Space().format(NB201Space().sample(np.random.default_rng(1)))
    q = json.loads(out)["int8"]
    assert (tmp_path / "m.int8.onnx").exists() and q["mode"] == "dynamic" and "float_accuracy" not in q


def test_export_best_of_a_stored_run(cli, tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    code, _, err = cli("search", "--space", "nb201", "--benchmark", "nb201-cifar10", "--budget", "5",
                       "--strategy", "random", "--name", "x", "--storage", db)
    assert code == 0, err
    code, out, _ = cli("runs", "show", "x", "--storage", db, "--json")
    best = json.loads(out)["best"]["arch"]
    code, out, err = cli("export", "--run", "x", "--best", "--storage", db, "-o", str(tmp_path / "b.onnx"), "--json")
    assert code == 0, err
    assert json.loads(out)["arch"] == best
