"""The vision-transformer space: exact cost counts, inactive layers, decoupled attention width,
the attention matrix in peak memory, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from edgenas.errors import ArchError, ConfigError, DataError
from edgenas.profile import profile
from edgenas.spaces import ViTSpace, create_space


def _macs(space: ViTSpace, arch, classes: int = 10) -> int:
    """Patchify conv, per block q/k/v, QK^T and AV, output projection and MLP, classifier."""
    p, e, t = int(arch["patch"]), int(arch["embed"]), space.tokens(arch)
    total = t * e * 3 * p * p + e * classes
    for i in range(int(arch["depth"])):
        q = int(arch[f"l{i}_qkv"]) if space.qkv_dims else e
        hidden = round(e * float(arch[f"l{i}_mlp"]))
        total += 3 * t * e * q + 2 * t * t * q + t * q * e + 2 * t * e * hidden
    return total


@pytest.mark.parametrize("qkv_dims", [None, (32, 64)])
def test_profile_counts_every_vit_exactly_in_every_grad_mode(qkv_dims):
    space = ViTSpace(embeds=(48, 64), depths=(1, 3), heads=(2, 4), qkv_dims=qkv_dims, resolution=16)
    rng = np.random.default_rng(0)
    for _ in range(4):
        arch = space.sample(rng)
        with torch.device("meta"):
            model = space.build(arch)
        want = _macs(space, arch)
        assert profile(model, (1, 3, 16, 16)).macs == want
        with torch.no_grad():
            assert profile(model, (1, 3, 16, 16)).macs == want
        with torch.inference_mode():
            assert profile(model, (1, 3, 16, 16)).macs == want


def test_layer_norm_is_counted_as_other_ops_and_attention_is_in_peak_memory():
    space = ViTSpace(embeds=(64,), depths=(1,), heads=(4,), mlp_ratios=(2,), patches=(2,), resolution=16)
    arch = space.largest()
    t, e = space.tokens(arch), 64
    p = profile(space.build(arch), (1, 3, 16, 16))
    norms = [layer for layer in p.layers if layer.name.endswith("norm1")]
    assert norms and norms[0].other_ops == 5 * t * e
    assert p.peak_memory_bytes >= 4 * t * t + t * e  # the 4 heads' score matrices beside the tokens


def test_inactive_layers_are_canonical_and_size_counts_distinct_networks():
    space = ViTSpace(patches=(4,), embeds=(32,), depths=(1, 2), heads=(2, 4), mlp_ratios=(2, 4), resolution=16)
    assert space.size() == len(set(space.grid())) == 4 + 16
    shallow = space.validate({"patch": 4, "embed": 32, "depth": 1, "l0_heads": 4, "l0_mlp": 4.0, "l1_heads": 4,
                              "l1_mlp": 4.0})
    assert shallow["l1_heads"] == 2 and shallow["l1_mlp"] == 2.0 and "l1_heads" not in space.active(shallow)
    model = space.build(shallow)
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 10) and len(model.features) == 2


def test_bad_input_is_one_clear_line():
    with pytest.raises(ArchError, match="3 heads do not divide the attention width 64"):
        ViTSpace(embeds=(64,), heads=(3,))
    with pytest.raises(ArchError, match="does not divide the resolution"):
        ViTSpace(patches=(5,), resolution=32)
    space = create_space("vit")
    with pytest.raises(ArchError, match="embed=100 is not allowed"):
        space.validate(space.largest().replace(embed=100))
    model = space.build(space.largest())
    with pytest.raises(ArchError, match="expected tokens"):
        model.features[1](torch.randn(2, 64))
    with pytest.raises(ArchError, match="give images of the space's resolution"):
        model(torch.randn(1, 3, 48, 48))


def test_a_fused_attention_call_counts_its_score_matrix_as_scratch():
    """PyTorch decomposes attention on meta tensors today (the scores are a real tensor); a fused
    kernel hides them, so its call carries them as scratch memory instead."""
    from edgenas.profile._memory import OpEvent, peak_activation

    events = [OpEvent(0, (0,), ((1, 10),), False, False, scratch=100), OpEvent(1, (1,), ((2, 10),), False, False)]
    assert peak_activation({0: 10}, events, {2}) == (120, 0)


SMALL = {"embeds": [32, 48], "depths": [1, 2], "heads": [2, 4], "qkv_dims": [16, 32], "resolution": 16}


def test_a_sub_network_extracted_from_the_supernet_computes_what_the_supernet_computes():
    from edgenas.oneshot.entangled import ViTSupernet

    space = ViTSpace(**SMALL)
    torch.manual_seed(0)
    supernet = ViTSupernet(space, 10).eval()
    x = torch.randn(3, 3, 16, 16)
    rng = np.random.default_rng(0)
    archs = [space.sample(rng) for _ in range(6)] + [space.largest(8)]
    assert {int(a["patch"]) for a in archs} == {4, 8}
    for arch in archs:
        torch.testing.assert_close(supernet.extract(arch).eval()(x), supernet(x, arch))
    small = space.validate({**space.largest(), "embed": 32, "depth": 1, "l0_qkv": 16})
    supernet(x, small).sum().backward()
    grad = supernet.network.features[1].q.weight.grad  # layer 0's q projection, 32 x 48 in the largest
    assert grad[:16, :32].abs().sum() > 0 and grad[16:].abs().sum() == 0 and grad[:, 32:].abs().sum() == 0


def test_supernet_training_resumes_and_serves_a_search(tmp_path):
    from dataclasses import replace

    from _factories import tiny_digits

    from edgenas.evaluator import evaluator_from_params
    from edgenas.experiment import make_evaluator
    from edgenas.oneshot.entangled import EntangledConfig, train_entangled

    space = ViTSpace(**SMALL)
    data = tiny_digits(64, resolution=16)
    data = replace(data, x_val=data.x_val[:40], y_val=data.y_val[:40])
    config = EntangledConfig(epochs=2, batch_size=32)
    _, full = train_entangled(space, data, config)

    class Crash(Exception):
        pass

    def crash(row):
        if row.get("end_of_epoch"):
            raise Crash

    with pytest.raises(Crash):
        train_entangled(space, data, config, tmp_path / "s.pt", crash)
    _, resumed = train_entangled(space, data, config, tmp_path / "s.pt")
    assert resumed == full
    evaluator = make_evaluator(f"supernet:{tmp_path / 's.pt'}", space, dataset="digits")
    score = evaluator.evaluate(space.largest())["accuracy"]
    assert 0 <= score <= 100
    assert evaluator_from_params(evaluator.get_params(), space).get_params() == evaluator.get_params()
    with pytest.raises(ConfigError, match="was trained on the vit space"):
        make_evaluator(f"supernet:{tmp_path / 's.pt'}", ViTSpace(), dataset="digits")
    with pytest.raises(DataError, match="not found; train one with"):
        make_evaluator(f"supernet:{tmp_path / 'none.pt'}", space)
    (tmp_path / "bad.pt").write_text("junk")
    with pytest.raises(DataError, match="not a readable vit supernet checkpoint"):
        make_evaluator(f"supernet:{tmp_path / 'bad.pt'}", space)
    torch.save({"format": "edgenas-ofa-supernet"}, tmp_path / "ofa.pt")  # another kind: said, not "delete it"
    with pytest.raises(DataError, match="ofa.pt holds an edgenas-ofa-supernet file, not a vit supernet checkpoint; "
                                        "give one written by: edgenas oneshot train --space vit$"):
        make_evaluator(f"supernet:{tmp_path / 'ofa.pt'}", space)


def test_latency_tables_never_list_a_network_twice():
    space = ViTSpace(patches=(4,), embeds=(32,), depths=(1, 2), heads=(2, 4), mlp_ratios=(2, 4), resolution=16)
    archs = space.sample_distinct(15, seed=0)  # uniform sampling repeats itself in a 20-network space
    assert len(archs) == len({a.to_json() for a in archs}) == 15
    assert len(space.sample_distinct(50, seed=0)) == space.size() == 20
    assert space.sample_distinct(15, seed=0) == archs


def test_linear_latency_sums_one_cost_per_block_configuration():
    """A block's cost depends on width, tokens, heads and MLP ratio jointly: `linear` over the
    one-hot choices cannot sum it, over the counts of each block configuration it can."""
    from edgenas.hardware import LatencyPredictor

    space = ViTSpace()
    arch = space.validate({"patch": 8, "embed": 96, "depth": 2, "l0_heads": 4, "l0_mlp": 2.0,
                           "l1_heads": 4, "l1_mlp": 2.0, **{k: v for k, v in space.largest().items()
                                                             if k.startswith(("l2", "l3", "l4", "l5"))}})
    counts = space.rewrite_features(arch)
    assert counts.sum() == 3 and counts.max() == 2  # two equal blocks, one patch embedding and head

    def board(a) -> float:
        tokens, e = space.tokens(a), int(a["embed"])
        blocks = sum(tokens * e * e * (3 + 2 * float(a[f"l{i}_mlp"])) + int(a[f"l{i}_heads"]) * tokens ** 2 * 64
                     for i in range(int(a["depth"])))
        return 0.05 + 2e-7 * blocks

    archs = [space.sample(np.random.default_rng(i)) for i in range(160)]
    y = np.array([board(a) for a in archs])
    per_block = LatencyPredictor(space, "linear").fit(archs[:100], y[:100]).score(archs[100:], y[100:])
    per_choice = LatencyPredictor(space, "linear", rewrites=False).fit(archs[:100], y[:100]).score(archs[100:], y[100:])
    assert per_block["within_10pct"] >= 0.95 and per_block["within_10pct"] >= per_choice["within_10pct"] + 0.3
