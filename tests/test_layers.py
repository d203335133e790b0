"""The one network description: a new block kind added to it is built, costed in the lookup
table and inherited, without touching the builder, the LUT or inheritance."""

from __future__ import annotations

import torch
from torch import nn

from edgenas.estimate.inherit import inherit
from edgenas.hardware.lut import build_lut
from edgenas.profile import profile
from edgenas.spaces import MBConvSpace
from edgenas.spaces._layers import OPS, Layer, copy_matching, register_op


class DepthwiseResidual(nn.Module):
    """x + BN(depthwise 3x3(x)): a block kind the mbconv space does not have."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return x + self.bn(self.dw(x))


def _zero_branch(block: DepthwiseResidual) -> None:
    with torch.no_grad():
        block.bn.weight.zero_()


if "test_dw_residual" not in OPS:
    register_op("test_dw_residual", weights=("dw.weight",), inherit=copy_matching,
                identity=_zero_branch)(DepthwiseResidual)


class Extended(MBConvSpace):
    """mbconv plus a depthwise residual after the first searched stage when it has 2+ blocks."""

    name = "mbconv-extended"

    def layers(self, arch, num_classes=1000, dropout=0.0):
        out = super().layers(arch, num_classes, dropout)
        if int(arch["s0_depth"]) < 2:
            return out
        last = max(i for i, layer in enumerate(out) if layer.slot.startswith("s0_"))
        cout, shape = out[last].kwargs["cout"], out[last + 1].input_shape
        return [*out[:last + 1], Layer.of("s0_extra", "test_dw_residual", shape, channels=cout), *out[last + 1:]]


SPACE = Extended(depths=(1, 2), stages=((16, 2), (24, 2)), resolutions=(32,), widths=(1.0,), head_channels=64)


class MacsDevice:
    """Latency = MACs: exact, so the table can be checked to the last layer."""

    def measure(self, model, shape):
        from edgenas.hardware.devices import Measurement

        return Measurement(profile(model, shape).macs / 1e6, 0.0, 1, 1, True)

    def get_params(self):
        return {"device": "macs"}


def _arch(**changes):
    base = {k: v[0] for k, v in SPACE.choices.items()}
    return SPACE.validate({**base, **changes})


def test_the_new_block_is_built_costed_and_inherited():
    small, grown = _arch(s0_depth=1), _arch(s0_depth=2, s0_b1_expand=4, s1_b0_kernel=5)
    model = SPACE.build(grown, num_classes=10)
    assert any(isinstance(m, DepthwiseResidual) for m in model.features)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    # the lookup table has it, and its sum is the network's MACs
    lut = build_lut(SPACE, MacsDevice())
    assert any(key == "test_dw_residual:channels=16:r8" for key in lut.entries)
    with torch.device("meta"):
        meta = SPACE.build(grown)
    assert abs(lut.predict(grown) - profile(meta, (1, 3, 32, 32)).macs / 1e6) < 1e-6
    # growing into it keeps the function (a fresh slot starts as the identity) ...
    torch.manual_seed(0)
    parent = SPACE.build(small, num_classes=10).eval()
    child = inherit(SPACE, small, parent, grown, 10).eval()
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(parent(x), child(x), atol=1e-5)
    # ... and a trained instance is carried over by its slot
    def extra(model):
        return model.layer_modules()[model.slots.index("s0_extra")]

    with torch.no_grad():
        extra(child).dw.weight.normal_()
    again = inherit(SPACE, grown, child, SPACE.validate(grown.replace(s1_b0_kernel=7)), 10)
    assert torch.equal(extra(again).dw.weight, extra(child).dw.weight)


def test_lookup_table_covers_every_layer_of_the_space_without_sampling():
    space = MBConvSpace(depths=(1, 2), kernels=(3, 5), expands=(3, 6), stages=((16, 2), (24, 2)),
                        resolutions=(32, 48), widths=(0.5, 1.0), head_channels=64)
    lut = build_lut(space, MacsDevice())
    every = {layer.key for arch in space.grid() for layer in space.layers(arch)}
    assert every == set(lut.entries)


def test_a_network_costs_the_sum_of_its_layers_profiled_once():
    """`network_cost` (each distinct layer profiled alone, once) gives exactly the counts of
    profiling the whole network, on every space described by layers (and at fp32 on one); the
    structure features and `ProfileCost` read it."""
    import numpy as np

    from edgenas.hardware.cost import ProfileCost
    from edgenas.spaces import AutoDeepLabSpace, NB201Space, SearchSpace, ViTSpace
    from edgenas.spaces._layers import NetworkCost, layer_profile, network_cost

    rng = np.random.default_rng(0)
    for space in (MBConvSpace(), NB201Space(), ViTSpace(), AutoDeepLabSpace()):
        for arch in [space.sample(rng) for _ in range(2)]:
            for bpe in (1, 4) if isinstance(space, MBConvSpace) else (1,):
                with torch.device("meta"):
                    model = space.build(arch)
                whole = NetworkCost.of(profile(model, space.input_shape(arch), bytes_per_element=bpe))
                assert network_cost(space.layers(arch), bpe) == whole, (space.name, arch)
                assert space.profile_counts(arch, bpe) == whole
                assert ProfileCost(space, bytes_per_element=bpe).evaluate(arch) == {
                    "macs": whole.macs, "params": whole.params, "peak_memory_bytes": whole.peak_memory_bytes,
                    "weight_bytes": whole.weight_bytes}
                if bpe == 1:  # the generic features (NB201 overrides them with cheap closed forms)
                    np.testing.assert_array_equal(SearchSpace.structure_features(space, arch), np.log1p(
                        [whole.macs, whole.params, whole.peak_memory_bytes, whole.activation_bytes,
                         whole.counted_layers]))
    layer = MBConvSpace().layers(MBConvSpace().sample(rng))[0]
    assert layer_profile(layer) is layer_profile(layer)  # profiled once
