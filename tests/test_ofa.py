"""Once-for-All: the elastic supernet, progressive shrinking (resume after kill -9), the
vectorised finder and its exact costs, specialisation and export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from _factories import TINY_OFA, tiny_digits, tiny_supernet

from edgenas.errors import ArchError, ConfigError, DataError
from edgenas.hardware.cost import ProfileCost
from edgenas.oneshot import ElasticSupernet, largest, recalibrate_bn, resize, sample_subnet, smallest
from edgenas.oneshot.finder import ChoiceCodec, Constraint, EvolutionFinder, layer_profile_costs
from edgenas.oneshot.progressive import OFAConfig, load_supernet, phases, train_supernet
from edgenas.oneshot.specialize import SubnetAccuracyPredictor, parse_target, specialize
from edgenas.spaces import MBConvSpace

TINY = TINY_OFA
TINY_CONFIG = dict(full_epochs=1, kernel_epochs=1, depth_epochs=1, expand_epochs=1, width_epochs=1, batch_size=64)


def tiny_space() -> MBConvSpace:
    return MBConvSpace(**TINY)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return tiny_supernet(tmp_path_factory.mktemp("ofa") / "s.pt", n=128)


def _perturbed(space: MBConvSpace) -> ElasticSupernet:
    torch.manual_seed(0)
    net = ElasticSupernet(space, 10)
    with torch.no_grad():  # transforms away from the identity and BN statistics away from 0/1
        for t in net.transforms.values():
            t.add_(0.1 * torch.randn_like(t))
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2)
    return net.eval()


def test_extracted_subnet_computes_what_the_supernet_computes():
    space = tiny_space()
    net = _perturbed(space)
    rng = np.random.default_rng(0)
    x = torch.randn(3, 3, 12, 12)
    archs = [largest(space), smallest(space), *(sample_subnet(space, rng) for _ in range(6))]
    for arch in archs:
        sub = net.extract(arch).eval()
        assert type(sub) is type(space.build(arch))
        assert [m.weight.shape for m in sub.modules() if isinstance(m, torch.nn.Conv2d)] == \
            [m.weight.shape for m in space.build(arch).modules() if isinstance(m, torch.nn.Conv2d)]
        torch.testing.assert_close(net(x, arch), sub(resize(x, int(arch["resolution"]))), atol=1e-5, rtol=1e-5)


def test_elastic_kernel_is_the_transformed_centre_and_trains_the_transform():
    space = tiny_space()
    net = _perturbed(space).train()
    arch = space.uniform(1.0, 12, [2, 2], 3, 3)
    w7 = net.network.features[2].conv[1][0].weight  # s0_b0 depthwise, 7x7
    m75, m53 = net.transforms["s0_b0__7to5"], net.transforms["s0_b0__5to3"]
    centre5 = (w7[..., 1:6, 1:6].reshape(-1, 25) @ m75).reshape(-1, 1, 5, 5)
    want = (centre5[..., 1:4, 1:4].reshape(-1, 9) @ m53).reshape(-1, 1, 3, 3)
    got = net.extract(arch).features[2].conv[1][0].weight
    torch.testing.assert_close(got, want[: got.shape[0]].detach())
    net(torch.randn(4, 3, 12, 12), arch).sum().backward()
    assert m53.grad is not None and m53.grad.abs().sum() > 0
    assert net.transforms["s1_b0__7to5"].grad is not None


def test_sorting_channels_keeps_the_largest_network_and_puts_important_channels_first():
    space = tiny_space()
    net = _perturbed(space)
    x = torch.randn(2, 3, 12, 12)
    before = net(x)
    net.sort_channels()
    torch.testing.assert_close(net(x), before, atol=1e-5, rtol=1e-5)
    project = net.network.features[2].conv[-1][0].weight
    importance = project.abs().sum(dim=(0, 2, 3))
    assert torch.all(importance[:-1] >= importance[1:])


def test_sorting_the_width_keeps_the_largest_network_and_puts_important_channels_first():
    space = tiny_space()
    net = _perturbed(space)
    x = torch.randn(2, 3, 12, 12)
    before = net(x)
    groups = net._width_groups()
    stem, readers = groups[0]["writers"][0][0].weight.clone(), groups[0]["readers"]
    keep = torch.argsort(sum(r.weight.abs().sum(dim=(0, 2, 3)) for r in readers), descending=True)[:24]
    net.sort_width()
    torch.testing.assert_close(net(x), before, atol=1e-5, rtol=1e-5)
    narrow = net.extract(space.uniform(0.75, 12, [2, 2], 5, 3))  # 24 of the stem's 32 channels
    torch.testing.assert_close(narrow.layer_modules()[0][0].weight, stem[keep])
    # stem, first block, stage 0, stage 1 (its residual second block writes the same channels), head
    assert [len(g["writers"]) for g in groups] == [1, 1, 2, 2, 1]
    for group in groups:
        importance = sum(r.weight.abs().sum(dim=0) if r.weight.dim() == 2 else r.weight.abs().sum(dim=(0, 2, 3))
                         for r in group["readers"])
        assert torch.all(importance[:-1] >= importance[1:])


def test_bn_recalibration_uses_the_subnets_own_statistics():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1, bias=False), torch.nn.BatchNorm2d(4))
    images = 3 + 2 * torch.randn(400, 3, 4, 4)
    recalibrate_bn(net, images, batch_size=100)
    with torch.no_grad():
        feats = net[0](images)
    torch.testing.assert_close(net[1].running_mean, feats.mean(dim=(0, 2, 3)), atol=1e-4, rtol=1e-4)
    assert not net.training


def test_arch_outside_the_supernet_is_one_clear_error():
    space = tiny_space()
    net = ElasticSupernet(space, 10)
    with pytest.raises(ArchError, match="s0_b0_kernel=9 is not allowed"):
        net.extract(largest(space).replace(s0_b0_kernel=9))
    with pytest.raises(ConfigError, match="expand ratios above 1"):
        ElasticSupernet(MBConvSpace(expands=(1, 3)), 10)


def test_progressive_schedule_and_joint_ablation_have_equal_epochs():
    space = MBConvSpace(**TINY)
    ps = phases(space, OFAConfig(**TINY_CONFIG))
    assert [p.name for p in ps] == ["full", "kernel", "depth", "expand", "width"]
    assert ps[1].allowed == {"depth": (2,), "expand": (3,), "width": (1.0,)}
    joint = phases(space, OFAConfig(**TINY_CONFIG, schedule="joint"))
    assert [(p.epochs, p.subnets, p.lr) for p in joint] == [(p.epochs, p.subnets, p.lr) for p in ps]
    assert all(p.allowed == {} and not p.distill for p in joint)
    glob = phases(space, OFAConfig(**TINY_CONFIG | {"kernel_epochs": 2}, lr_schedule="global", lr=0.1))
    assert [p.window for p in glob] == [(0, 1 / 6), (1 / 6, 1 / 2), (1 / 2, 2 / 3), (2 / 3, 5 / 6), (5 / 6, 1)]
    assert {p.lr for p in glob} == {0.1}  # one cosine from lr to 0 across the phases


def test_inplace_teacher_distils_every_step_from_the_largest_subnet():
    """BigNAS's in-place distillation: no frozen teacher is needed, the full phase is untouched,
    and the elastic phases' loss gains the soft-target term (cross-entropy to the largest
    sub-network's detached output of the same step)."""
    space, data = tiny_space(), tiny_digits(128)
    config = TINY_CONFIG | {"kernel_epochs": 0, "depth_epochs": 0, "subnets": (1, 2, 2, 2, 2)}
    _, plain = train_supernet(space, data, OFAConfig(**config, kd_weight=0.0))
    _, taught = train_supernet(space, data, OFAConfig(**config, teacher="inplace"))
    assert [h["phase"] for h in taught] == ["full", "expand", "width"]
    assert taught[0]["loss"] == plain[0]["loss"]
    assert all(t["loss"] > p["loss"] for t, p in zip(taught[1:], plain[1:]))
    with pytest.raises(ConfigError, match="sandwich"):
        OFAConfig(teacher="inplace", sandwich=False)


def test_trained_supernet_loads_with_its_history(trained):
    supernet, state = load_supernet(trained)
    assert [h["phase"] for h in state["history"]] == ["full", "kernel", "depth", "expand", "width"]
    assert supernet.space.get_params() == tiny_space().get_params() and not supernet.training


def _train_cmd(path, full_epochs: int) -> list[str]:
    config = json.dumps(TINY)
    return [sys.executable, "-m", "edgenas.cli", "ofa", "train", "--dataset", "digits", "--space-config", config,
            "-o", str(path), "--full-epochs", str(full_epochs), "--kernel-epochs", "1", "--depth-epochs", "0",
            "--expand-epochs", "0", "--width-epochs", "0", "--batch-size", "32", "--train-size", "96", "--json"]


@pytest.mark.slow
def test_kill_minus_nine_mid_phase_resumes_there(tmp_path, cli):
    straight, killed = tmp_path / "straight.pt", tmp_path / "killed.pt"
    assert cli(*_train_cmd(straight, 4)[3:])[0] == 0  # the same command, in this process
    proc = subprocess.Popen(_train_cmd(killed, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not killed.exists():
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = torch.load(killed, weights_only=True)
    assert partial["phase"] == 0 and 1 <= partial["epoch"] < 4  # killed in the middle of the full phase
    assert cli(*_train_cmd(killed, 4)[3:])[0] == 0  # resumed in this process
    a, b = torch.load(straight, weights_only=True), torch.load(killed, weights_only=True)
    assert [h["loss"] for h in b["history"]] == [h["loss"] for h in a["history"]]
    for key in a["model"]:
        torch.testing.assert_close(b["model"][key], a["model"][key], atol=0, rtol=0)
    # another space or other settings never continue a checkpoint
    with pytest.raises(ConfigError, match="another space"):
        train_supernet(MBConvSpace(**(TINY | {"head_channels": 32})), tiny_digits(), OFAConfig(), checkpoint=straight)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("stop_epoch", [1, 2])  # before the width sort has run, and after
def test_interrupted_width_phase_with_sorting_resumes_to_the_same_weights(tmp_path, stop_epoch):
    space, data = tiny_space(), tiny_digits(128)
    config = OFAConfig(**(TINY_CONFIG | {"width_epochs": 2, "sort_width": True}))
    train_supernet(space, data, config, checkpoint=tmp_path / "straight.pt")

    def stop(row):
        if row["phase"] == "width" and row["epoch"] == stop_epoch and row.get("step") == 1:
            raise _Stop

    with pytest.raises(_Stop):
        train_supernet(space, data, config, checkpoint=tmp_path / "killed.pt", progress=stop)
    last = torch.load(tmp_path / "killed.pt", weights_only=True)["history"][-1]
    assert (last["phase"], last["epoch"]) == (("expand", 1) if stop_epoch == 1 else ("width", 1))
    train_supernet(space, data, config, checkpoint=tmp_path / "killed.pt")
    a, b = (torch.load(tmp_path / f, weights_only=True) for f in ("straight.pt", "killed.pt"))
    for key in a["model"]:  # sorted exactly once, whichever side of the sort the run stopped
        torch.testing.assert_close(b["model"][key], a["model"][key], atol=0, rtol=0)


def test_corrupt_checkpoint_is_one_line(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(DataError, match="not a readable Once-for-All supernet checkpoint .* edgenas ofa train"):
        load_supernet(bad)


def test_layer_table_costs_equal_the_profiler_and_their_minimum_is_exact():
    space = MBConvSpace(depths=(1, 2), kernels=(3, 5), expands=(2, 3), widths=(0.75, 1.0), resolutions=(8, 12),
                        stages=((16, 2), (24, 1)), head_channels=64)
    costs = layer_profile_costs(space, num_classes=10)
    codec = ChoiceCodec(space)
    profiled = ProfileCost(space, bytes_per_element=1, build_kwargs={"num_classes": 10})
    grid = list(space.grid())
    rows = codec.encode(grid)
    some = np.random.default_rng(0).choice(len(grid), 120, replace=False)
    for name, cost in costs.items():
        want = np.array([profiled.evaluate(grid[i])[name] for i in some])
        np.testing.assert_array_equal(cost(rows[some]), want)
        low, row = cost.minimum()
        assert low == cost(rows).min() == profiled.evaluate(codec.decode(row))[name]
    np.testing.assert_array_equal(codec.one_hot(rows), np.stack([space.encode(a) for a in grid]))
    assert [codec.decode(r) for r in codec.canonical(rows)] == grid


def test_finder_is_seeded_meets_constraints_and_finds_the_optimum_of_a_small_space():
    space = MBConvSpace(depths=(1, 2), kernels=(3, 5), expands=(2, 3), widths=(0.75, 1.0), resolutions=(8, 12),
                        stages=((16, 2), (24, 1)), head_channels=64)
    macs = layer_profile_costs(space, 10)["macs"]
    codec = ChoiceCodec(space)
    weights = np.random.default_rng(3).normal(size=codec.sizes.sum())
    limit = float(np.median(macs(codec.encode(list(space.grid())))))
    finder = EvolutionFinder(space, lambda rows: codec.one_hot(rows) @ weights, [Constraint(macs, limit, "macs")], population=40,
                             generations=60, seed=1)
    first, second = finder.run(), finder.run()
    assert first.arch == second.arch and first.history == second.history
    grid = codec.encode(list(space.grid()))
    ok = macs(grid) <= limit
    best = (codec.one_hot(grid) @ weights)[ok].max()
    assert first.costs["macs"] <= limit and first.predicted == pytest.approx(best)
    with pytest.raises(ConfigError, match=r"smallest possible is .*raise the limit"):
        EvolutionFinder(space, lambda rows: rows.sum(1), [Constraint(macs, macs.minimum()[0] - 1, "macs")]).run()


def test_specialize_measures_the_pick_on_each_device(trained, tmp_path):
    supernet, _ = load_supernet(trained)
    space = supernet.space
    rng = np.random.default_rng(0)
    archs = [sample_subnet(space, rng) for _ in range(30)]
    acc = [float(space.encode(a) @ np.arange(space.encoding_size) % 7) for a in archs]
    predictor = SubnetAccuracyPredictor(space, epochs=30).fit(archs, acc)
    predictor.save(tmp_path / "p.pt")
    loaded = SubnetAccuracyPredictor.load(tmp_path / "p.pt", space)
    np.testing.assert_allclose(loaded.predict(archs), predictor.predict(archs))
    mcu = parse_target("microcontroller:4:40", space, 10, None, tmp_path)
    pick = specialize(space, predictor, mcu, population=20, generations=10)
    assert pick.meets() and pick.measured["peak_memory_bytes"] <= 4 * 1024
    floor = pick.predicted_accuracy - 1.0  # the fastest network at (nearly) the most accurate one's accuracy
    fast = specialize(space, predictor, mcu, population=20, generations=10, min_accuracy=floor)
    latency = mcu.latency(mcu.latency.codec.encode([pick.arch, fast.arch]))
    assert fast.meets() and fast.predicted_accuracy >= floor and latency[1] <= latency[0]
    with pytest.raises(ConfigError, match="lower --min-accuracy to at most"):
        specialize(space, predictor, mcu, population=20, generations=10, min_accuracy=pick.predicted_accuracy + 50)
    with pytest.raises(ConfigError, match="no sub-network has peak_memory_bytes"):
        specialize(space, predictor, parse_target("microcontroller:0.1", space, 10, None, tmp_path))
    with pytest.raises(ConfigError, match="unknown device"):
        parse_target("tpu", space, 10, 1.0, tmp_path)


def test_accuracy_table_is_written_row_by_row_and_reused(trained, tmp_path):
    from edgenas.oneshot.specialize import accuracy_dataset

    supernet, _ = load_supernet(trained)
    data = tiny_digits()
    table = tmp_path / "acc.csv"
    first, acc4 = accuracy_dataset(supernet, data, table, samples=4, bn_images=64, limit=64)
    assert len(table.read_text().splitlines()) == 5  # header + one row per network
    calls = []
    import edgenas.oneshot.specialize as specialize_module

    real = specialize_module.subnet_accuracy
    specialize_module.subnet_accuracy = lambda *a, **k: calls.append(a[1]) or real(*a, **k)
    try:
        archs, acc6 = accuracy_dataset(supernet, data, table, samples=6, bn_images=64, limit=64)
    finally:
        specialize_module.subnet_accuracy = real
    assert archs[:4] == first and list(acc6[:4]) == pytest.approx(list(acc4), abs=1e-4) and len(calls) == 2


def test_a_predictor_of_another_supernet_is_refused(trained, tmp_path, cli):
    other = MBConvSpace(**(TINY | {"head_channels": 32}))
    rng = np.random.default_rng(0)
    archs = [sample_subnet(other, rng) for _ in range(8)]
    SubnetAccuracyPredictor(other, epochs=5).fit(archs, np.arange(8.0)).save(tmp_path / "other.pt")
    code, _, err = cli("ofa", "search", "--checkpoint", str(trained), "--predictor", str(tmp_path / "other.pt"),
                       "--dataset", "digits", "--device", "macs:1e9", "--workdir", str(tmp_path))
    assert code == 1 and "another configuration" in err and len(err.strip().splitlines()) == 1
