"""Peak activation memory: liveness, residual skips, int8/fp32, MCUNet's MobileNetV2 figures."""

from __future__ import annotations

import torch
from torch import nn

from edgenas import profile
from edgenas.zoo import create_model


class Residual(nn.Module):
    """y = x + conv2(conv1(x)): the skip tensor x must stay alive through both convs."""

    def __init__(self, c: int, hidden: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, hidden, 1, bias=False)
        self.conv2 = nn.Conv2d(hidden, c, 1, bias=False)

    def forward(self, x):
        return x + self.conv2(self.conv1(x))


class Plain(Residual):
    def forward(self, x):
        return self.conv2(self.conv1(x))


def test_residual_branch_keeps_skip_alive():
    c, hidden, hw = 4, 16, 10 * 10
    res = profile(Residual(c, hidden), (1, c, 10, 10))
    plain = profile(Plain(c, hidden), (1, c, 10, 10))
    # at conv2: its input (hidden) + output (c), plus the skip x (c) only in the residual net
    assert plain.peak_memory_bytes == (c + hidden) * hw
    assert res.peak_memory_bytes == (c + hidden + c) * hw
    assert res.peak_layer == "conv2"


def test_bytes_per_element_scales_activations_not_weights():
    model = Residual(4, 16)
    int8 = profile(model, (1, 4, 10, 10))
    fp32 = profile(model, (1, 4, 10, 10), bytes_per_element=4)
    assert fp32.peak_memory_bytes == 4 * int8.peak_memory_bytes
    assert fp32.weight_bytes == 4 * int8.weight_bytes == 4 * (4 * 16 + 16 * 4)


def test_network_input_counts_and_dies_after_last_use():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.ReLU(),
                          nn.Conv2d(8, 2, 3, padding=1, bias=False))
    p = profile(model, (1, 3, 8, 8))
    # conv0: input 3 + output 8 planes; relu runs in place; conv2: 8 + 2. Max is 11 planes.
    assert p.peak_memory_bytes == 11 * 64
    assert p.peak_layer == "0"


def test_mobilenet_v2_peak_matches_mcunet_definition():
    with torch.device("meta"):
        model = create_model("mobilenet_v2")
    p = profile(model, (1, 3, 224, 224))
    assert p.peak_memory_bytes == 1_505_280  # depthwise 96ch s2: 112x112 in + 56x56 out
    assert p.peak_layer == "features.2.conv.1.0"
    inplace = profile(model, (1, 3, 224, 224), inplace_depthwise=True)
    assert inplace.peak_memory_bytes == 1_404_928  # then the expand 1x1 16->96 at 112x112
    assert inplace.peak_layer == "features.2.conv.0.0"


def test_dispatch_and_formula_paths_agree_on_every_zoo_model():
    from edgenas.zoo import list_models

    for name in list_models():
        with torch.device("meta"):
            model = create_model(name)
        fast = profile(model, (1, 3, 224, 224))
        slow = profile(model, (1, 3, 224, 224), fast=False)
        assert (fast.macs, fast.other_ops, fast.params, fast.peak_memory_bytes) == (
            slow.macs, slow.other_ops, slow.params, slow.peak_memory_bytes), name
        assert [(a.name, a.macs, a.other_ops) for a in fast.layers] == [
            (b.name, b.macs, b.other_ops) for b in slow.layers], name
