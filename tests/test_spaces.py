"""Spaces: round-trips, sizes, isomorphism on the real NB201 table, builders, validation."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch

import edgenas
from edgenas import profile
from edgenas.errors import ArchError
from edgenas.spaces import Arch, MBConvSpace, NASNetSpace, NB201Space, create_space
from edgenas.spaces.nasnet_size import nasnet_space_size

# the shipped copy of shared/data/nb201/latency_pi5_onnx.csv: tests pass wherever the clone sits
NB201_CSV = Path(edgenas.__file__).parent / "estimate" / "tables" / "nb201_pi5_onnx_latency.csv.gz"
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def nb201_rows():
    with gzip.open(NB201_CSV, "rt") as f:
        return list(csv.DictReader(f))


def test_arch_is_immutable_hashable_and_order_free():
    a, b = Arch(x=1, y="conv"), Arch({"y": "conv", "x": 1})
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert Arch.from_json(a.to_json()) == a
    assert a.replace(x=2) != a and a["x"] == 1
    with pytest.raises(ArchError):
        Arch(x=[1, 2])


def test_nb201_strings_round_trip_for_every_cell(nb201_rows):
    space = NB201Space()
    archs = {space.parse(r["arch"]) for r in nb201_rows}
    assert len(archs) == space.size() == 15_625 == len(list(space.grid()))
    for r in nb201_rows[:500]:
        assert space.format(space.parse(r["arch"])) == r["arch"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv'"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", r"node 2 needs 2 edge\(s\)"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "bad edge 'none~1'"),
        ("not an arch", "is not a cell string"),
    ],
)
def test_nb201_parse_errors_point_at_the_token(text, message):
    with pytest.raises(ArchError, match=message):
        NB201Space().parse(text)


@pytest.mark.parametrize("name, options, message", [
    ("mbconv", {"widths": "abc"}, "mbconv: widths must be a non-empty list of positive numbers, got 'abc'"),
    ("mbconv", {"resolutions": [0]}, "resolutions must be a non-empty list of positive integers, got \\[0\\]"),
    ("mbconv", {"kernels": [3.5]}, "kernels must be a non-empty list of positive integers"),
    ("mbconv", {"stages": [16]}, "stages must be a non-empty list of \\[channels, stride\\] pairs"),
    ("mbconv", {"stages": [[16, 0]]}, "each stage's \\[channels, stride\\] must be"),
    ("mbconv", {"head_channels": "x"}, "head_channels must be a positive integer, got 'x'"),
    ("mbconv", {"scale_head": 1}, "scale_head must be true or false"),
    ("vit", {"mlp_ratios": ["a"]}, "vit: mlp_ratios must be a non-empty list of positive numbers"),
    ("vit", {"resolution": "32"}, "vit: resolution must be a positive integer, got '32'"),
    ("autodeeplab", {"layers": 0}, "autodeeplab: layers must be a positive integer, got 0"),
    ("nasnet", {"blocks": 0}, "nasnet: blocks must be a positive integer"),
    ("nasnet", {"ops": "conv_3x3"}, "nasnet: ops must be a non-empty list of names"),
])
def test_space_options_of_the_wrong_kind_are_named(name, options, message):
    """--space-config arrives as JSON: a string where a list is meant would become a space of
    letters, a zero resolution a network that fails on every candidate."""
    with pytest.raises(edgenas.errors.EdgeNASError, match=message):
        create_space(name, **options)
    assert create_space("mbconv", widths=[0.5, 1], resolutions=[32], stages=[[16, 1]]).widths == (0.5, 1)


def test_validate_names_the_bad_choice():
    space = NB201Space()
    good = space.parse(BEST)
    with pytest.raises(ArchError, match=r"1<-0='conv_5x5' is not allowed; choose one of none"):
        space.validate(good.replace(**{"1<-0": "conv_5x5"}))
    with pytest.raises(ArchError, match="lacks choice"):
        space.validate(Arch({"1<-0": "none"}))


def test_nb201_isomorphism_agrees_with_the_benchmark(nb201_rows):
    """Every class of the benchmark (one measured network each) lies inside one of ours; ours
    also merge functionally equal classes the benchmark keeps apart."""
    space = NB201Space()
    ours_per_measured = defaultdict(set)
    for r in nb201_rows:
        ours_per_measured[r["measured_index"]].add(space.isomorphism_key(space.parse(r["arch"])))
    assert len(ours_per_measured) == 6_466
    assert all(len(v) == 1 for v in ours_per_measured.values())
    assert sum(space.is_degenerate(space.parse(r["arch"])) for r in nb201_rows) == 341
    # swapping the roles of nodes 1 and 2 when both read only the input gives a twin
    a = space.parse("|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|none~0|nor_conv_3x3~1|skip_connect~2|")
    b = space.parse("|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|nor_conv_3x3~2|")
    assert space.isomorphism_key(a) == space.isomorphism_key(b)


def test_nb201_dead_edges():
    space = NB201Space()
    # node 1 is zero (none from the input): edges out of it are dead; node 2 reaches the
    # output only through a none edge, so its inputs are dead too
    arch = space.parse("|none~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|")
    assert space.dead_edges(arch) == ["1<-0", "2<-0", "2<-1", "3<-1", "3<-2"]
    assert space.encode_live(arch) == ["none", "none", "none", "nor_conv_1x1", "none", "none"]


def _meta_profile(space, arch, **kw):
    with torch.device("meta"):
        model = space.build(arch, **kw)
    return profile(model, space.input_shape(arch))


def test_nb201_builder_matches_the_benchmark_figures():
    space = NB201Space()
    best = _meta_profile(space, space.parse(BEST))
    assert (best.params, round(best.macs / 1e6, 2)) == (1_073_466, 153.27)
    empty = _meta_profile(space, space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    full = _meta_profile(space, space.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"))
    assert (empty.params, round(empty.macs / 1e6, 2)) == (73_306, 7.78)
    assert (full.params, round(full.macs / 1e6, 2)) == (1_531_546, 220.12)


@pytest.mark.parametrize("name", ["nb201", "nasnet", "mbconv"])
def test_builders_run_and_sample_is_seeded(name):
    space = create_space(name)
    arch = space.sample(np.random.default_rng(3))
    assert arch == space.sample(np.random.default_rng(3))
    assert space.validate(arch) == arch
    torch.manual_seed(0)
    model = space.build(arch, num_classes=5).eval()
    shape = list(space.input_shape(arch))
    shape[0], shape[-1], shape[-2] = 2, min(shape[-1], 64), min(shape[-2], 64)
    with torch.no_grad():
        assert model(torch.randn(shape)).shape == (2, 5)
    assert space.encode(arch).sum() == len(space.choices)
    assert space.parse(space.format(arch)) == arch


def test_nasnet_size_formula_and_grid():
    space = NASNetSpace(ops=("identity", "conv_3x3"), combiners=("add",), blocks=2)
    assert space.size() == nasnet_space_size(2, 1, 2) == (2 * 2 * 2 * 2 * 1) ** 2 == len(list(space.grid()))
    assert NASNetSpace().size() == (2 * 2 * 13 * 13 * 2) ** 5


def test_mbconv_inactive_blocks_are_normalised_and_counted_once():
    space = MBConvSpace(depths=(1, 2), kernels=(3, 5), expands=(3, 6), stages=((16, 2), (24, 2)),
                        widths=(0.5, 1.0), resolutions=(96,))
    grid = list(space.grid())
    assert len(grid) == len(set(grid)) == space.size() == 2 * (4 + 16) ** 2
    arch = grid[-1]
    shallow = arch.replace(s0_depth=1)
    assert space.canonical(shallow.replace(s0_b1_kernel=5)) == space.canonical(shallow.replace(s0_b1_kernel=3))
    assert "s0_b1_kernel" not in space.active(space.canonical(shallow))
    rng = np.random.default_rng(0)
    for _ in range(20):
        child = space.mutate(arch, rng)
        assert child != arch and space.validate(child) == child


def test_moves_stay_in_space():
    space = NB201Space()
    rng = np.random.default_rng(0)
    a, b = space.sample(rng), space.sample(rng)
    for _ in range(50):
        child = space.crossover(a, b, rng)
        assert all(child[k] in (a[k], b[k]) for k in space.choices)
        m = space.mutate(a, rng)
        assert sum(m[k] != a[k] for k in space.choices) == 1
    assert len(space.neighbors(a)) == 6 * 4
