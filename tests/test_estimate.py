"""Data splits, the trainer (resume, divergence), Net2Net, accuracy predictors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from edgenas.data import load_dataset
from edgenas.errors import ConfigError, DataError
from edgenas.estimate import TabularBenchmark
from edgenas.estimate.accuracy_predictor import AccuracyPredictor
from edgenas.estimate.net2net import net2deeper, net2wider
from edgenas.estimate.train import TrainConfig, Trainer, TrainingDiverged
from edgenas.spaces import NB201Space


def test_splits_are_deterministic_and_disjoint():
    a = load_dataset("digits", resolution=16, seed=3)
    b = load_dataset("digits", resolution=16, seed=3)
    c = load_dataset("digits", resolution=16, seed=4)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.x_train[:20], c.x_train[:20])
    assert a.x_train.shape[1:] == (3, 16, 16) and a.num_classes == 10
    assert len(a.x_train) + len(a.x_val) + len(a.x_test) == 1797


def test_npz_dataset_and_missing_paths(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", x=rng.random((40, 8, 8)).astype(np.float32), y=rng.integers(0, 4, 40))
    data = load_dataset(str(tmp_path / "d.npz"), channels=1)
    assert data.num_classes == 4 and data.x_train.shape[1:] == (1, 8, 8)
    with pytest.raises(DataError, match="does not exist; edgenas never downloads"):
        load_dataset("cifar10:/nowhere/cifar")
    with pytest.raises(DataError, match="does not hold the CIFAR-10 python batches"):
        load_dataset(f"cifar10:{tmp_path}")


def test_imagefolder_dataset_and_its_bad_files(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, name in enumerate(("cat", "dog")):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(12):  # a class's colour differs, so the labels follow the folders
            pixels = np.clip(rng.normal(60 + 120 * label, 20, (10, 14, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / "imgs" / name / f"{i}.png")
    (tmp_path / "imgs" / "dog" / "notes.txt").write_text("not an image: skipped by its suffix")
    data = load_dataset(f"imagefolder:{tmp_path / 'imgs'}", resolution=8)
    assert data.num_classes == 2 and data.x_train.shape[1:] == (3, 8, 8)
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 24
    x = np.concatenate([data.x_train, data.x_val, data.x_test])
    y = np.concatenate([data.y_train, data.y_val, data.y_test])
    assert x[y == 1].mean() > x[y == 0].mean() + 0.3  # dog (the second folder, label 1) is the brighter class
    (tmp_path / "imgs" / "cat" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="broken.png is not a readable image"):
        load_dataset(f"imagefolder:{tmp_path / 'imgs'}", resolution=8)
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataError, match="has no class sub-folders"):
        load_dataset(f"imagefolder:{tmp_path / 'flat'}")


def _tiny_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(8, 10))


def test_trainer_resume_gives_the_same_weights(tmp_path):
    data = load_dataset("digits", resolution=8, seed=0)
    config = TrainConfig(epochs=3, lr=0.05, seed=1)
    straight = _tiny_model()
    Trainer(config).fit(straight, data)
    ckpt = tmp_path / "c.pt"

    def crash(epoch, total, row):
        if epoch == 2:
            raise KeyboardInterrupt  # the process dies right after epoch 2 was checkpointed

    with pytest.raises(KeyboardInterrupt):
        Trainer(config, ckpt).fit(_tiny_model(), data, progress=crash)
    resumed = _tiny_model()  # a fresh process: new model, weights come from the checkpoint
    result = Trainer(config, ckpt).fit(resumed, data)
    assert len(result.history) == 3
    for (k, v), w in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.allclose(v.float(), w.float(), atol=1e-6), k
    other = tmp_path / "other.pt"  # another model's file given as the checkpoint: named, and left alone
    torch.save({"format": "edgenas-ofa-supernet"}, other)
    with pytest.raises(ConfigError, match="cannot resume from .*other.pt .*not this training's checkpoint; give a new"):
        Trainer(config, other).fit(_tiny_model(), data)
    assert other.exists()


def test_trainer_learns_digits():
    data = load_dataset("digits", resolution=8, seed=0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(),
                          nn.Linear(16 * 64, 10))
    result = Trainer(TrainConfig(epochs=6, lr=0.05)).fit(model, data)
    assert result.val_accuracy > 0.9 and result.test_accuracy > 0.9


def test_divergence_is_detected():
    data = load_dataset("digits", resolution=8, seed=0)

    class Exploding(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3 * 64, 10)

        def forward(self, x):
            return self.lin(x.flatten(1)) * float("inf")

    with pytest.raises(TrainingDiverged, match="loss became nan at epoch 1, step 1"):
        Trainer(TrainConfig(epochs=1)).fit(Exploding(), data)


def _double(module: nn.Module) -> nn.Module:
    return module.double().eval()


def test_net2wider_conv_bn_is_function_preserving():
    torch.manual_seed(0)
    conv, bn, nxt = nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.Conv2d(6, 4, 3, padding=1)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
    before = _double(nn.Sequential(conv, bn, nn.ReLU(), nxt))
    wide, nxt2, bn2, _ = net2wider(before[0], before[3], 11, bn=before[1])
    after = _double(nn.Sequential(wide, bn2, nn.ReLU(), nxt2))
    x = torch.randn(2, 3, 7, 7, dtype=torch.float64)
    assert wide.out_channels == 11 and nxt2.in_channels == 11
    assert (before(x) - after(x)).abs().max() <= 1e-5
    noisy = net2wider(before[0], before[3], 11, bn=before[1], noise=0.1)
    assert (before(x) - _double(nn.Sequential(noisy[0], noisy[2], nn.ReLU(), noisy[1]))(x)).abs().max() > 1e-5


def test_net2wider_through_a_depthwise_conv_and_linear():
    torch.manual_seed(1)
    expand, bn1 = nn.Conv2d(4, 8, 1, bias=False), nn.BatchNorm2d(8)
    dw, bn2 = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8)
    project = nn.Conv2d(8, 4, 1, bias=False)
    before = _double(nn.Sequential(expand, bn1, nn.ReLU6(), dw, bn2, nn.ReLU6(), project))
    wide, proj2, bn1w, (dw2, bn2w, act) = net2wider(before[0], before[6], 13, bn=before[1],
                                                      channelwise=[before[3], before[4], before[5]])
    after = _double(nn.Sequential(wide, bn1w, nn.ReLU6(), dw2, bn2w, act, proj2))
    x = torch.randn(2, 4, 5, 5, dtype=torch.float64)
    assert (before(x) - after(x)).abs().max() <= 1e-5
    lin1, lin2 = nn.Linear(5, 3).double(), nn.Linear(3, 2).double()
    w1, w2, _, _ = net2wider(lin1, lin2, 7)
    xs = torch.randn(4, 5, dtype=torch.float64)
    assert (lin2(torch.relu(lin1(xs))) - w2(torch.relu(w1(xs)))).abs().max() <= 1e-5


def test_net2deeper_inserts_identities():
    torch.manual_seed(2)
    conv_net = _double(nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(), nn.Conv2d(5, 2, 3)))
    deeper = _double(net2deeper(conv_net, after=1))
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    assert len(deeper) == 4 and (conv_net(x) - deeper(x)).abs().max() <= 1e-5
    mlp = _double(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)))
    deeper = _double(net2deeper(mlp, after=0))
    xs = torch.randn(3, 4, dtype=torch.float64)
    assert isinstance(deeper[1], nn.Linear) and (mlp(xs) - deeper(xs)).abs().max() <= 1e-5


def test_accuracy_predictor_ranks_unseen_cells_and_round_trips(tmp_path):
    space = NB201Space()
    table = TabularBenchmark("nb201-cifar10", space)
    archs = table.archs()
    y = np.array([table.rows[a]["test_accuracy"] for a in archs])
    order = np.random.default_rng(0).permutation(len(archs))
    train, test = order[:100], order[100:2100]
    pred = AccuracyPredictor(space, "gbm").fit([archs[i] for i in train], y[train])
    scores = pred.score([archs[i] for i in test], y[test])
    assert scores["kendall"] >= 0.6
    loaded = AccuracyPredictor.load(pred.save(tmp_path / "acc.pt"))
    assert np.allclose(loaded.predict([archs[i] for i in test[:30]]), pred.predict([archs[i] for i in test[:30]]))


def test_a_table_read_again_in_one_process_follows_its_file(tmp_path):
    """Parsed tables are kept per process: a rewritten file is read afresh, and one instance's
    rows are its own."""
    import os

    space = NB201Space()
    archs = TabularBenchmark("nb201-cifar10", space).archs()[:3]
    path = tmp_path / "t.csv"
    path.write_text("arch,score\n" + "".join(f"{space.format(a)},{i}\n" for i, a in enumerate(archs)))
    first = TabularBenchmark(str(path), space)
    first.rows.pop(archs[0])
    assert TabularBenchmark(str(path), space).evaluate(archs[0]) == {"score": 0.0}
    path.write_text("arch,score\n" + "".join(f"{space.format(a)},{10 + i}\n" for i, a in enumerate(archs)))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))  # a coarse clock
    assert TabularBenchmark(str(path), space).evaluate(archs[0]) == {"score": 10.0}


def test_predictor_cli(cli, tmp_path):
    small = tmp_path / "small.csv"
    table = TabularBenchmark("nb201-cifar10", NB201Space())
    archs = table.archs()[:300]
    small.write_text("arch,test_accuracy\n" + "".join(f"{NB201Space().format(a)},{table.rows[a]['test_accuracy']}\n" for a in archs))
    code, _, err = cli("predictor", "fit", "--table", str(small), "--model", "gbm", "-o", str(tmp_path / "p.pt"))
    assert code == 0, err
    code, out, _ = cli("predictor", "eval", "--predictor", str(tmp_path / "p.pt"), "--table", str(small), "--json")
    import json

    assert set(json.loads(out)) == {"spearman", "kendall", "rmse"}


def test_train_cli_and_training_search(cli, tmp_path, quick_timing):
    space = '{"resolutions": [16], "widths": [0.35], "depths": [1], "head_channels": 64}'
    code, out, err = cli("train", "--arch", "random:0", "--space-config", space, "--epochs", "3", "--dataset", "digits",
                         "--json")
    assert code == 0, err
    import json

    data = json.loads(out)
    assert len(data["history"]) == 3 and data["history"][-1]["loss"] < data["history"][0]["loss"]
    code, out, err = cli("search", "--space", "mbconv", "--evaluator", "train", "--epochs", "1", "--budget", "2",
                         "--dataset", "digits",
                         "--space-config", space, "--device", "torch-cpu", "--max-latency-ms", "100",
                         "--storage", f"sqlite:///{tmp_path}/t.db", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["evaluated"] == 2 and "test_accuracy" in result["best"]["metrics"]
    code, _, err = cli("train", "--arch", '{"width": 9}', "--space-config", space)
    assert code != 0 and "lacks choice" in err


def test_hypernetwork_emits_every_layer_and_learns():
    from edgenas.estimate.hypernet import GraphHyperNetwork, HyperNetEvaluator, op_graph, train_hypernet

    space = NB201Space()
    data = load_dataset("digits", resolution=16, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        arch = space.sample(rng)
        model = space.build(arch, num_classes=10, channels=8, cells=1)
        graph = op_graph(space, arch, model, num_classes=10, channels=8, cells=1)
        weights = GraphHyperNetwork(8, 10)(graph)
        params = dict(model.named_parameters())
        convs = {n + ".weight" for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
        assert set(weights) == convs  # every conv/linear layer, nothing else
        assert all(weights[n].shape == params[n].shape for n in weights)
    hyper, losses = train_hypernet(space, data, steps=40, archs_per_step=1, seed=0)
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.3
    result = HyperNetEvaluator(space, hyper, data).evaluate(space.sample(rng))
    assert 0 < result["hyper_loss"] < np.mean(losses[:10])


def test_inheritance_preserves_the_function_when_the_child_grows():
    from edgenas.estimate.inherit import grows, inherit
    from edgenas.spaces import MBConvSpace

    space = MBConvSpace(depths=(1, 2, 3), resolutions=(32,), widths=(0.5,), head_channels=64)
    parent = space.validate({**{k: v[0] for k, v in space.choices.items()}, "s1_depth": 2, "s2_b0_expand": 4})
    child = parent.replace(s0_b0_kernel=7, s1_b1_expand=6, s2_depth=3, s1_b0_kernel=5)
    child = space.validate(child)
    assert grows(space, parent, child) and not grows(space, child, parent)
    torch.manual_seed(0)
    parent_model = space.build(parent, num_classes=10).double()
    with torch.no_grad():  # non-trivial BN statistics, as after training
        for m in parent_model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    child_model = inherit(space, parent, parent_model.float(), child, 10).double().eval()
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    assert (parent_model.double().eval()(x) - child_model(x)).abs().max() <= 1e-5
    shrunk = inherit(space, child, child_model.float(), parent, 10)  # cropping keeps the leading weights
    block = space.layers(parent).index(next(la for la in space.layers(parent) if la.slot == "s0_b0"))
    small, big = shrunk.layer_modules()[block].conv[1][0].weight, child_model.layer_modules()[block].conv[1][0].weight
    assert torch.equal(small, big[..., 2:-2, 2:-2].float())  # the 7x7 depthwise kernel cropped to 3x3


def test_inheriting_evaluator_starts_children_from_trained_parents():
    from edgenas.estimate.inherit import InheritingEvaluator
    from edgenas.estimate.train import TrainEvaluator
    from edgenas.spaces import MBConvSpace

    space = MBConvSpace(depths=(1, 2), resolutions=(16,), widths=(0.5,), head_channels=64)
    base = {k: v[0] for k, v in space.choices.items()}
    parent, child = space.validate(base), space.validate({**base, "s1_depth": 2, "s0_b0_kernel": 5})
    evaluator = InheritingEvaluator(space, "digits", TrainConfig(epochs=3, seed=0), finetune_epochs=1)
    first, second = evaluator.evaluate(parent), evaluator.evaluate(child)
    scratch = TrainEvaluator(space, "digits", TrainConfig(epochs=1, seed=0)).evaluate(child)
    assert (first["inherited"], second["inherited"]) == (0.0, 1.0)
    assert second["accuracy"] > scratch["accuracy"] + 30  # one epoch from a trained parent vs from scratch


def test_inheriting_evaluator_resumes_from_its_stored_parents(tmp_path):
    """A fresh evaluator on the same state folder (a resumed search) inherits as the first did."""
    from edgenas.estimate.inherit import InheritingEvaluator
    from edgenas.spaces import MBConvSpace

    space = MBConvSpace(depths=(1, 2), resolutions=(16,), widths=(0.5,), head_channels=64)
    base = {k: v[0] for k, v in space.choices.items()}
    parent, child = space.validate(base), space.validate({**base, "s1_depth": 2})
    config = TrainConfig(epochs=2, seed=0)

    def metrics(result):
        return {k: v for k, v in result.items() if k != "train_seconds"}

    straight = InheritingEvaluator(space, "digits", config, finetune_epochs=1, state_dir=tmp_path / "a")
    expected = [metrics(straight.evaluate(parent)), metrics(straight.evaluate(child))]
    first = InheritingEvaluator(space, "digits", config, finetune_epochs=1, state_dir=tmp_path / "b")
    got = [metrics(first.evaluate(parent))]
    del first  # the process dies; a new one opens the same folder
    again = InheritingEvaluator(space, "digits", config, finetune_epochs=1, state_dir=tmp_path / "b")
    got.append(metrics(again.evaluate(child)))
    assert got == expected and got[1]["inherited"] == 1.0
