"""Differentiable cell search: the mixed cell is the space's cell, DARTS's second-order gradient,
GDAS runs one op per edge, resume after a crash, bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from edgenas.errors import ConfigError
from edgenas.oneshot.darts import CellSupernet, DartsConfig, _unrolled_step, cell_search
from edgenas.spaces import MBConvSpace, NB201Space

SPACE = NB201Space()


@pytest.fixture(autouse=True)
def one_thread():
    """A mixed cell is hundreds of tiny ops: one thread runs them faster than two fighting over two cores."""
    from edgenas.threads import torch_threads

    with torch_threads(1):
        yield
CELL = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def _net(channels: int = 4) -> CellSupernet:
    torch.manual_seed(0)
    return CellSupernet(SPACE, 10, channels=channels, cells=1)


def test_a_path_of_the_mixed_supernet_computes_what_the_built_network_computes():
    net, arch = _net(), SPACE.parse(CELL)
    built = SPACE.build(arch, num_classes=10, channels=4, cells=1)
    chosen = [net.ops.index(arch[k]) for k in net.keys]
    for src, dst, cell in zip(net.layers, built.layer_modules(), net.is_cell):
        if cell:
            for e, edge in enumerate(dst.edges):
                edge.load_state_dict(src.edges[e][chosen[e]].state_dict(), strict=False)
        else:
            dst.load_state_dict(src.state_dict(), strict=False)
    x = torch.randn(4, 3, 8, 8)
    built.train()  # the supernet normalises with batch statistics, as the benchmark's search does
    torch.testing.assert_close(net.path(x, arch), built(x))


def test_darts_relaxation_and_gdas_gradients():
    net, x, y = _net(), torch.randn(4, 3, 8, 8), torch.randint(0, 10, (4,))
    F.cross_entropy(net(x), y).backward()
    assert (net.alpha.grad != 0).all()  # every op of every edge is in the mixture
    net.zero_grad()
    F.cross_entropy(net.gumbel(x, 1.0, torch.Generator().manual_seed(0)), y).backward()
    assert (net.alpha.grad != 0).sum(1).min() > 1  # the straight-through softmax reaches every op's alpha
    for cell in (layer for layer, c in zip(net.layers, net.is_cell) if c):
        ran = [sum(p.grad is not None and bool(p.grad.abs().sum()) for op in edge for p in op.parameters()) > 0
               for edge in cell.edges]
        assert sum(ran) <= len(cell.edges)  # at most the sampled op's weights per edge


def test_second_order_gradient_matches_autograd_through_the_unrolled_step():
    net = _net(channels=2).double()
    x, y = torch.randn(4, 3, 8, 8, dtype=torch.float64), torch.randint(0, 10, (4,))
    xv, yv = torch.randn(4, 3, 8, 8, dtype=torch.float64), torch.randint(0, 10, (4,))
    xi, wd = 0.05, 3e-4
    _unrolled_step(net, x, y, xv, yv, xi, wd, radius=1e-5)  # a small step: float64 and exact up to O(eps^2)
    approx = net.alpha.grad.clone()
    names = [n for n, _ in net.named_parameters() if n != "alpha"]
    params = [p for n, p in net.named_parameters() if n != "alpha"]
    grads = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
    unrolled = {n: p - xi * (g + wd * p) for n, p, g in zip(names, params, grads)}
    exact = torch.autograd.grad(F.cross_entropy(torch.func.functional_call(net, unrolled | {"alpha": net.alpha},
                                                                           (xv,)), yv), net.alpha)[0]
    first = torch.autograd.grad(F.cross_entropy(net(xv), yv), net.alpha)[0]
    assert torch.allclose(approx, exact, rtol=1e-5, atol=1e-7)
    assert not torch.allclose(first, exact, rtol=1e-2, atol=1e-4)  # the second-order term matters here


@pytest.mark.slow
def test_search_killed_with_sigkill_resumes_to_the_same_result(tmp_path, cli):
    import os
    import signal
    import subprocess
    import sys
    import time

    from _factories import tiny_digits

    data = tiny_digits(64, resolution=8)  # one weight and one architecture step per epoch
    config = DartsConfig(method="darts", epochs=12, batch_size=32, channels=2, cells=1)
    straight, _, full = cell_search(SPACE, data, config)
    path = tmp_path / "c.pt"
    cmd = [sys.executable, "-m", "edgenas.cli", "oneshot", "search", "--method", "darts", "--dataset", "digits",
           "--train-size", "64", "--resolution", "8", "--epochs", "12", "--batch-size", "32", "--channels", "2",
           "--checkpoint", str(path), "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # as this process: other thread counts round differently
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and not path.exists():
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 1 <= torch.load(path, weights_only=True)["epoch"] < 12  # killed in the middle of the search
    code, _, err = cli(*cmd[3:])  # resumed in this process
    assert code == 0, err
    history = torch.load(path, weights_only=True)["history"]
    assert SPACE.parse(history[-1]["arch"]) == straight and [h["alpha"] for h in history] == [h["alpha"] for h in full]
    with pytest.raises(ConfigError, match="other settings"):
        cell_search(SPACE, data, DartsConfig(method="gdas", epochs=12, batch_size=32, channels=2, cells=1), path)
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(Exception, match="not a readable cell-search checkpoint"):
        cell_search(SPACE, data, config, tmp_path / "bad.pt")


def test_bad_input_is_one_clear_line():
    from _factories import tiny_digits

    with pytest.raises(ConfigError, match="declares no cell edges"):
        CellSupernet(MBConvSpace())
    with pytest.raises(ConfigError, match="unknown method"):
        DartsConfig(method="darts9")
    with pytest.raises(ConfigError, match="too few"):
        cell_search(SPACE, tiny_digits(40, resolution=8), DartsConfig(batch_size=32, channels=2, cells=1))


def test_cli_errors_of_the_cell_methods_are_one_line(cli, tmp_path):
    base = ["oneshot", "search", "--dataset", "digits", "--epochs", "1", "--channels", "2", "--resolution", "8",
            "--train-size", "64", "--batch-size", "32", "--checkpoint", str(tmp_path / "c.pt")]
    for extra, words in ((["--method", "darts", "--space", "mbconv"], "declares no cell edges"),
                         (["--method", "gdas", "--benchmark", str(tmp_path / "none.csv")], "not found"),
                         (["--method", "rsps", "--plot", str(tmp_path / "a.xyz")], "must end in one of"),
                         (["--method", "gdas", "--batch-size", "64"], "too few")):
        code, out, err = cli(*base, *extra)
        assert code != 0 and words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    (tmp_path / "c.pt").write_text("junk")
    code, _, err = cli(*base, "--method", "gdas")
    assert code != 0 and "not a readable cell-search checkpoint" in err
    torch.save({"format": "edgenas-ofa-supernet"}, tmp_path / "c.pt")  # a supernet, not this search's: kept
    code, _, err = cli(*base, "--method", "gdas")
    assert code != 0 and "holds an edgenas-ofa-supernet file, not a cell-search checkpoint; give a new --checkpoint" in err


def test_beta_decay_keeps_the_architecture_logits_small():
    from _factories import tiny_digits

    data = tiny_digits(64, resolution=8)
    spread = {}
    for method in ("darts", "beta-darts"):
        config = DartsConfig(method=method, epochs=2, batch_size=32, channels=2, cells=1, arch_lr=0.05)
        _, net, _ = cell_search(SPACE, data, config)
        spread[method] = float(torch.logsumexp(net.alpha.detach(), -1).mean())
    assert spread["beta-darts"] < spread["darts"]


def _nasnet_net():
    from edgenas.oneshot.nasnet_cell import NASNetSupernet
    from edgenas.spaces import NASNetSpace

    space = NASNetSpace(ops=("identity", "conv_3x3", "sep_conv_3x3", "avg_pool_3x3"), blocks=2)
    torch.manual_seed(0)
    return space, NASNetSupernet(space, 10, channels=4, cells=1)


def test_a_nasnet_cell_of_the_mixture_computes_what_the_built_network_computes():
    import numpy as np

    space, net = _nasnet_net()
    arch = space.sample(np.random.default_rng(3)).replace(b0_combine="concat", b1_combine="add", b1_in_a=1)
    built = space.build(arch, num_classes=10, channels=4, cells_per_stage=1)
    for part in ("stem", "reductions", "head"):  # the supernet's BatchNorms keep no running statistics
        getattr(built, part).load_state_dict(getattr(net, part).state_dict(), strict=False)
    for mixed, cell in zip((c for stage in net.stages for c in stage), (c for stage in built.stages for c in stage)):
        for b in range(space.blocks):
            for s, name in enumerate("ab"):
                src = mixed.blocks[b][s][int(arch[f"b{b}_in_{name}"])][space.ops_.index(arch[f"b{b}_op_{name}"])]
                cell.ops[2 * b + s].load_state_dict(src.state_dict(), strict=False)
            if arch[f"b{b}_combine"] == "concat":
                cell.merge[b].load_state_dict(mixed.merge[b].state_dict())
        cell.project.load_state_dict(mixed.project.state_dict())
    x = torch.randn(4, 3, 8, 8)
    built.train()
    torch.testing.assert_close(net(x, *net.one_hot(arch)), built(x))
    with torch.no_grad():
        slot, combine = net.one_hot(arch)
        net.alpha_slot.copy_(slot)
        net.alpha_combine.copy_(combine)
    assert net.derive() == arch  # the strongest (input, op) per slot and the stronger combiner


def test_nasnet_second_order_search_derives_a_cell_of_the_space():
    from _factories import tiny_digits

    space, _ = _nasnet_net()
    arch, net, history = cell_search(space, tiny_digits(64, resolution=8),
                                     DartsConfig(method="darts2", epochs=1, batch_size=32, channels=2))
    assert space.validate(arch) == arch and "alpha_slot" in history[0]
    assert net.alpha_slot.grad is not None and net.alpha_combine.grad is not None
    for method in ("gdas", "drnas"):
        with pytest.raises(ConfigError, match="on nasnet use darts"):
            cell_search(space, tiny_digits(64, resolution=8), DartsConfig(method=method, channels=2))


def test_drnas_draws_dirichlet_weights_with_pathwise_gradients_from_its_own_seed():
    net, x, y = _net(), torch.randn(4, 3, 8, 8), torch.randint(0, 10, (4,))
    captured = []
    original = net.forward
    net.forward = lambda inputs, weights=None, chosen=None: captured.append(weights) or original(inputs, weights, chosen)
    state = torch.random.get_rng_state()
    F.cross_entropy(net.dirichlet(x, seed=7), y).backward()
    assert torch.equal(torch.random.get_rng_state(), state)  # the global stream is left alone
    weights = captured[-1]
    assert torch.allclose(weights.sum(-1), torch.ones(len(net.keys))) and (weights > 0).all()
    assert (net.alpha.grad != 0).all()  # through the sample to every concentration
    net.dirichlet(x, seed=7)
    net.dirichlet(x, seed=8)
    assert torch.equal(captured[-2], weights) and not torch.equal(captured[-1], weights)


def test_drnas_search_interrupted_resumes_to_the_same_result(tmp_path):
    from _factories import tiny_digits

    data = tiny_digits(64, resolution=8)
    config = DartsConfig(method="drnas", epochs=4, arch_start=1, batch_size=32, channels=2, cells=1, arch_lr=0.05)
    straight, _, full = cell_search(SPACE, data, config)

    def stop_after_two(row):
        if row.get("end_of_epoch") and row["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cell_search(SPACE, data, config, tmp_path / "d.pt", progress=stop_after_two)
    arch, _, resumed = cell_search(SPACE, data, config, tmp_path / "d.pt")
    assert arch == straight and [h["alpha"] for h in resumed] == [h["alpha"] for h in full]
    assert full[0]["alpha"] != full[-1]["alpha"]  # the concentrations were learnt
