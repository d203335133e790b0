"""Every counted operator against its formula, and against FlopCounterMode where they agree."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from edgenas import profile


class Fn(nn.Module):
    """Wraps a function of the inputs as a module."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def flop_counter_macs(model: nn.Module, *shapes) -> int:
    mode = FlopCounterMode(display=False)
    with mode:
        model(*[torch.randn(s) for s in shapes])
    return mode.get_total_flops() // 2


def out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


@settings(max_examples=40, deadline=None)
@given(
    cin_g=st.integers(1, 6), cout_g=st.integers(1, 6), groups=st.integers(1, 4),
    k=st.sampled_from([1, 3, 5]), stride=st.integers(1, 3), pad=st.integers(0, 2),
    dil=st.integers(1, 2), size=st.integers(8, 20), bias=st.booleans(),
)
def test_conv2d_macs_formula_and_flop_counter(cin_g, cout_g, groups, k, stride, pad, dil, size, bias):
    cin, cout = cin_g * groups, cout_g * groups
    conv = nn.Conv2d(cin, cout, k, stride, pad, dil, groups=groups, bias=bias)
    ho = out_size(size, k, stride, pad, dil)
    if ho <= 0:
        return
    expected = cout * ho * ho * (cin // groups) * k * k
    for fast in (True, False):
        p = profile(conv, (2, cin, size, size), fast=fast)
        assert p.macs == 2 * expected
        assert p.other_ops == (2 * cout * ho * ho if bias else 0)  # bias adds, not MACs
        assert p.params == cout * cin // groups * k * k + (cout if bias else 0)
    assert p.macs == flop_counter_macs(conv, (2, cin, size, size))


def test_depthwise_conv_counts_one_filter_per_channel():
    conv = nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False)
    assert profile(conv, (1, 64, 56, 56)).macs == 3_612_672 // 2 == 64 * 56 * 56 * 9


def test_conv1d_and_transposed_conv():
    conv = nn.Conv1d(8, 16, 5, stride=2, padding=2)
    lo = out_size(50, 5, 2, 2, 1)
    assert profile(conv, (1, 8, 50)).macs == 16 * lo * 8 * 5
    up = nn.ConvTranspose2d(8, 4, 2, stride=2, bias=False)
    # every input element is scattered into Cout * k * k outputs
    assert profile(up, (1, 8, 10, 10)).macs == 8 * 10 * 10 * 4 * 2 * 2
    assert profile(up, (1, 8, 10, 10)).macs == flop_counter_macs(up, (1, 8, 10, 10))


@pytest.mark.parametrize("shape", [(4, 32), (2, 7, 32), (2, 3, 5, 32)])
def test_linear_on_any_rank_bias_excluded(shape):
    lin = nn.Linear(32, 24)
    p = profile(lin, shape)
    rows = math.prod(shape[:-1])
    assert p.macs == rows * 32 * 24 == flop_counter_macs(lin, shape)
    assert p.other_ops == rows * 24
    assert p.params == 32 * 24 + 24


@pytest.mark.parametrize(
    "fn, shapes, expected",
    [
        (torch.matmul, [(3, 4, 5), (3, 5, 6)], 3 * 4 * 5 * 6),
        (torch.bmm, [(3, 4, 5), (3, 5, 6)], 3 * 4 * 5 * 6),
        (lambda a, b: a @ b, [(2, 3, 4, 5), (2, 3, 5, 6)], 2 * 3 * 4 * 5 * 6),
        (lambda a, b: a @ b, [(7, 5), (5, 6)], 7 * 5 * 6),
        (lambda a, b: torch.einsum("bij,bjk->bik", a, b), [(3, 4, 5), (3, 5, 6)], 3 * 4 * 5 * 6),
        (lambda a, b: torch.einsum("bhqd,bhkd->bhqk", a, b), [(2, 3, 4, 8), (2, 3, 6, 8)], 2 * 3 * 4 * 6 * 8),
    ],
)
def test_matmul_family(fn, shapes, expected):
    model = Fn(fn)
    assert profile(model, shapes).macs == expected == flop_counter_macs(model, *shapes)


def test_scaled_dot_product_attention_counts_both_products():
    q = (1, 8, 196, 64)
    p = profile(Fn(F.scaled_dot_product_attention), [q, q, q])
    assert p.macs == 39_337_984 == 2 * 8 * 196 * 196 * 64


def _mha_expected(dim, length):
    # in-projection 3 d^2 per token, two attention products L^2 d each, out-projection d^2.
    return 4 * length * dim * dim + 2 * length * length * dim


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("grad_mode", ["grad", "no_grad", "inference"])
def test_multihead_attention_counted_in_every_mode(batch_first, need_weights, grad_mode):
    mha = nn.MultiheadAttention(512, 8, batch_first=batch_first).eval()

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def forward(self, x):
            return self.mha(x, x, x, need_weights=need_weights)[0]

    shape = (1, 196, 512) if batch_first else (196, 1, 512)
    context = {"grad": torch.enable_grad(), "no_grad": torch.no_grad(),
               "inference": torch.inference_mode()}[grad_mode]
    with context:
        p = profile(SelfAttention(), shape)
    assert p.macs == _mha_expected(512, 196) == 244_858_880
    assert p.params == sum(t.numel() for t in mha.parameters()) == 1_050_624


def test_transformer_encoder_layer_under_no_grad_is_not_zero():
    layer = nn.TransformerEncoderLayer(64, 4, 128, batch_first=True).eval()
    with torch.no_grad():
        p = profile(layer, (1, 10, 64))
    assert p.macs == _mha_expected(64, 10) + 2 * 10 * 64 * 128


def test_batch_norm_and_layer_norm_are_other_ops():
    p = profile(nn.BatchNorm2d(16), (2, 16, 8, 8))
    assert (p.macs, p.other_ops) == (0, 2 * 2 * 16 * 64)
    p = profile(nn.LayerNorm(32), (4, 10, 32))
    assert (p.macs, p.other_ops) == (0, 5 * 4 * 10 * 32)


@pytest.mark.parametrize(
    "layer, shape, other",
    [
        (nn.MaxPool2d(3, 2, 1), (1, 8, 32, 32), 9 * 8 * 16 * 16),
        (nn.AvgPool2d(2), (1, 8, 32, 32), 4 * 8 * 16 * 16),
        (nn.MaxPool2d(3, 2, ceil_mode=True), (1, 8, 32, 32), 9 * 8 * 16 * 16),
        (nn.AdaptiveAvgPool2d(1), (1, 8, 32, 32), 8 * 32 * 32),
        (nn.AdaptiveAvgPool2d((4, 4)), (1, 8, 32, 32), 8 * 32 * 32),
        (nn.ReLU(), (1, 8, 32, 32), 8 * 32 * 32),
        (nn.Hardswish(), (1, 8, 32, 32), 8 * 32 * 32),
        (nn.Upsample(scale_factor=2, mode="nearest"), (1, 8, 16, 16), 0),
        (nn.Upsample(scale_factor=2, mode="bilinear"), (1, 8, 16, 16), 4 * 8 * 32 * 32),
    ],
)
def test_pooling_activation_upsampling(layer, shape, other):
    for fast in (True, False):
        p = profile(layer, shape, fast=fast)
        assert p.macs == 0
        assert p.other_ops == other
        assert not p.uncounted


def test_elementwise_ops_cost_one_per_output():
    p = profile(Fn(lambda a, b: a + b * 2), [(2, 3, 4), (2, 3, 4)])
    assert (p.macs, p.other_ops) == (0, 2 * 24)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.view(2, 4, 2, 8, 8).transpose(1, 2).contiguous().view(2, 8, 8, 8),
        lambda x: x.reshape(2, -1),
        lambda x: x.permute(0, 2, 3, 1),
        lambda x: torch.cat([x, x], 1),
        lambda x: torch.split(x, 4, 1)[1],
        lambda x: x.chunk(2, 1)[0].flatten(1),
    ],
)
def test_data_movement_is_free(fn):
    p = profile(Fn(fn), (2, 8, 8, 8))
    assert (p.macs, p.other_ops, p.uncounted) == (0, 0, {})


def test_unknown_operator_is_listed_as_uncounted_not_zero():
    p = profile(Fn(lambda x: torch.cumsum(x, 1)), (2, 8))
    assert p.uncounted == {"cumsum": 1}
    assert p.layers[-1].uncounted == ["cumsum"]


def test_fold_bn_removes_bn_ops_and_moves_params_into_conv_bias():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU())
    plain = profile(model, (1, 3, 10, 10))
    for fast in (True, False):
        folded = profile(model, (1, 3, 10, 10), fold_bn=True, fast=fast)
        assert folded.macs == plain.macs
        assert folded.other_ops == plain.other_ops - 2 * 8 * 8 * 8
        assert folded.params == plain.params - 2 * 8 + 8


def test_flops_are_twice_macs():
    p = profile(nn.Linear(10, 10), (1, 10))
    assert p.flops == 2 * p.macs == 200
