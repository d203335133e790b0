"""Zero-cost proxies: closed forms, invariances, dead cells, determinism, the caller's model."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from edgenas.data import proxy_batch
from edgenas.estimate.proxies import WORST, ProxyEvaluator, ensemble_scores, list_proxies, score
from edgenas.spaces import NB201Space

SPACE = NB201Space()
DEAD = "|none~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_1x1~1|none~2|"
LIVE = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"
ALL = list_proxies()


def tiny(arch: str, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return SPACE.build(SPACE.parse(arch), num_classes=10, channels=4, cells=1)


@pytest.fixture(scope="module")
def batch():
    return proxy_batch("digits", 256, (3, 32, 32), seed=0)


def test_registry_has_every_proxy_of_the_issue():
    assert set(ALL) >= {"params", "macs", "synflow", "zen", "gradsign", "naswot", "snip", "grad_norm",
                        "fisher", "jacob_cov", "grasp", "zico", "meco"}


def test_synflow_of_a_two_layer_linear_net_matches_its_closed_form():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4, bias=False), nn.Linear(4, 3, bias=False))
    w1, w2 = net[0].weight.detach().abs().double(), net[1].weight.detach().abs().double()
    r = float(torch.ones(3, dtype=torch.float64) @ w2 @ w1 @ torch.ones(5, dtype=torch.float64))
    # each layer contributes sum |theta * dR/dtheta| = R, so synflow = 2R (we report the log)
    value = score("synflow", net, (torch.randn(2, 5), torch.zeros(2, dtype=torch.long)))
    assert math.exp(value) == pytest.approx(2 * r, rel=1e-9)


def test_synflow_and_zen_ignore_the_data(batch):
    model = tiny(LIVE)
    other = (torch.randn_like(batch[0]) * 5, batch[1])
    for name in ("synflow", "zen", "params", "macs"):
        assert score(name, model, batch) == score(name, model, other)


@pytest.mark.parametrize("name", ALL)
def test_every_proxy_is_deterministic_safe_on_dead_cells_and_leaves_the_model(name, batch):
    model = tiny(LIVE)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    first = score(name, model, batch, seed=3)
    assert score(name, model, batch, seed=3) == first
    assert math.isfinite(first)
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    dead = score(name, tiny(DEAD), batch, seed=3)
    assert math.isfinite(dead) and not np.isnan(dead)
    if name not in ("params", "macs", "meco"):  # meco and costs still see live modules
        assert dead == WORST or dead < first


def test_ensemble_is_a_sum_of_log_ranks():
    combined = ensemble_scores({"a": [1.0, 2.0, 3.0], "b": [30.0, 10.0, 20.0]})
    assert np.allclose(combined, np.log([1, 2, 3]) + np.log([3, 1, 2]))
    assert int(np.argmax(combined)) == 2


def test_proxy_evaluator_reports_the_ensemble():
    ev = ProxyEvaluator(SPACE, ["params", "ensemble"], ensemble=("params", "synflow"))
    first = ev.evaluate(SPACE.parse(LIVE))
    assert set(first) == {"params", "synflow", "ensemble"}
    second = ev.evaluate(SPACE.parse(DEAD))
    assert second["ensemble"] < ev.evaluate(SPACE.parse(LIVE))["ensemble"]


def test_ensemble_score_does_not_depend_on_evaluation_order():
    a, b = SPACE.parse(LIVE), SPACE.parse(DEAD)
    names = ["params", "synflow", "ensemble"]
    forward = ProxyEvaluator(SPACE, names, ensemble=("params", "synflow"), reference_size=8)
    backward = ProxyEvaluator(SPACE, names, ensemble=("params", "synflow"), reference_size=8)
    first = [forward.evaluate(a), forward.evaluate(b)]
    second = [backward.evaluate(b), backward.evaluate(a)][::-1]
    assert first == second
    # a candidate better on every proxy never gets the lower ensemble score
    assert (first[0]["params"] > first[1]["params"]) and first[0]["ensemble"] > first[1]["ensemble"]


def test_proxies_eval_cli_resumes_from_its_cache(cli, tmp_path):
    cache = tmp_path / "c.jsonl"
    args = ("proxies", "eval", "--proxies", "params,synflow,ensemble", "--ensemble", "params,macs", "--sample", "12",
            "--cache", str(cache), "--json")
    code, out, err = cli(*args)
    assert code == 0, err
    first = json.loads(out)
    assert set(first) == {"params", "synflow", "macs", "ensemble"}
    assert set(first["params"]) == {"spearman", "kendall", "seconds_per_arch"}
    assert len(cache.read_text().splitlines()) == 1 + 12  # the settings line, then one line per cell
    code, out, _ = cli(*args)
    assert {k: v["spearman"] for k, v in json.loads(out).items()} == {k: v["spearman"] for k, v in first.items()}
    assert len(cache.read_text().splitlines()) == 1 + 12  # nothing recomputed
    # a line cut off by a crash is scored again, not an error
    lines = cache.read_text().splitlines()
    cache.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])
    code, out, err = cli(*args)
    assert code == 0, err
    assert {k: v["spearman"] for k, v in json.loads(out).items()} == {k: v["spearman"] for k, v in first.items()}
    # scores made for a 10-class head are not reused for a 100-class one
    code, _, err = cli(*args, "--num-classes", "100")
    assert code != 0 and "num_classes=10" in err and "Traceback" not in err
    for sample in ("0", "1", "20000"):
        code, _, err = cli("proxies", "eval", "--proxies", "params", "--sample", sample, "--cache", str(tmp_path / "x"))
        assert code != 0 and "sample must be between 2" in err
    code, _, err = cli("proxies", "eval", "--proxies", "bogus")
    assert code != 0 and "unknown proxy 'bogus'" in err
    code, _, err = cli("proxies", "eval", "--proxies", "params", "--device", "tpu9")
    assert code != 0 and "device 'tpu9' is not available" in err and "Traceback" not in err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_proxies_agree_between_cpu_and_cuda():
    scores = {dev: ProxyEvaluator(SPACE, ["synflow", "naswot", "meco", "jacob_cov"], device=dev).evaluate(SPACE.parse(LIVE))
              for dev in ("cpu", "cuda")}
    for name, value in scores["cpu"].items():
        assert scores["cuda"][name] == pytest.approx(value, rel=1e-2)
