"""Each block's closed-form cost equals what the profiler counts, over many shapes."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from edgenas import profile
from edgenas.blocks import (
    BasicBlock,
    Bottleneck,
    DepthwiseSeparable,
    InvertedResidual,
    MultiHeadSelfAttention,
    ShuffleUnit,
    ShuffleV2Unit,
    TransformerBlock,
    channel_shuffle,
)
from edgenas.blocks.compare import compare_blocks

SIZES = st.integers(5, 20)
STRIDES = st.sampled_from([1, 2])


def check(block, shape, macs):
    p = profile(block, shape)
    assert p.macs == macs
    assert p.params == block.params() == sum(t.numel() for t in block.parameters())


@settings(max_examples=25, deadline=None)
@given(cin=st.integers(1, 24), cout=st.integers(1, 24), stride=STRIDES, size=SIZES)
def test_basic_block(cin, cout, stride, size):
    b = BasicBlock(cin, cout, stride)
    check(b, (1, cin, size, size), b.macs(size, size))


@settings(max_examples=25, deadline=None)
@given(cin=st.integers(1, 32), groups=st.sampled_from([1, 2, 4]), width_g=st.integers(1, 6),
       cout=st.integers(1, 32), stride=STRIDES, size=SIZES)
def test_bottleneck_and_resnext(cin, groups, width_g, cout, stride, size):
    b = Bottleneck(cin, width_g * groups, cout, stride, groups)
    check(b, (2, cin, size, size), 2 * b.macs(size, size))


@settings(max_examples=25, deadline=None)
@given(cin=st.integers(1, 32), cout=st.integers(1, 32), stride=STRIDES, k=st.sampled_from([3, 5, 7]),
       size=SIZES)
def test_depthwise_separable(cin, cout, stride, k, size):
    b = DepthwiseSeparable(cin, cout, stride, k)
    check(b, (1, cin, size, size), b.macs(size, size))


@settings(max_examples=40, deadline=None)
@given(cin=st.integers(1, 24), cout=st.integers(1, 24), stride=STRIDES,
       expand=st.sampled_from([1, 3, 4, 6]), k=st.sampled_from([3, 5, 7]),
       se=st.sampled_from([0.0, 0.25]), size=SIZES)
def test_inverted_residual(cin, cout, stride, expand, k, se, size):
    b = InvertedResidual(cin, cout, stride, expand, k, se)
    check(b, (1, cin, size, size), b.macs(size, size))


@settings(max_examples=25, deadline=None)
@given(groups=st.sampled_from([1, 2, 3, 4]), mult=st.integers(1, 4), stride=STRIDES,
       size=st.integers(6, 20))
def test_shuffle_unit(groups, mult, stride, size):
    cin = 4 * groups * mult
    cout = cin * 2 if stride == 2 else cin
    b = ShuffleUnit(cin, cout, groups, stride)
    check(b, (1, cin, size, size), b.macs(size, size))


@settings(max_examples=25, deadline=None)
@given(half=st.integers(1, 16), cin=st.integers(2, 32), stride=STRIDES, size=SIZES)
def test_shuffle_v2_unit(half, cin, stride, size):
    cout = 2 * half
    cin = cout if stride == 1 else cin
    b = ShuffleV2Unit(cin, cout, stride)
    check(b, (1, cin, size, size), b.macs(size, size))


@settings(max_examples=25, deadline=None)
@given(heads=st.integers(1, 4), head_dim=st.integers(1, 16), tokens=st.integers(1, 40))
def test_attention_and_transformer_block(heads, head_dim, tokens):
    dim = heads * head_dim
    attn = MultiHeadSelfAttention(dim, heads)
    check(attn, (1, tokens, dim), attn.macs(tokens))
    block = TransformerBlock(dim, heads)
    check(block, (1, tokens, dim), block.macs(tokens))


def test_channel_shuffle_only_moves_data():
    x = torch.arange(2 * 12 * 3 * 3, dtype=torch.float64).view(2, 12, 3, 3)
    y = channel_shuffle(x, 3)
    assert sorted(y.flatten().tolist()) == sorted(x.flatten().tolist())  # a permutation
    # channel c of group g goes to position c * groups + g
    for g in range(3):
        for c in range(4):
            assert torch.equal(y[:, c * 3 + g], x[:, g * 4 + c])
    assert torch.equal(channel_shuffle(channel_shuffle(x, 3), 4), x)  # inverse shuffle
    p = profile(Shuffle(), (2, 12, 3, 3))
    assert (p.macs, p.other_ops, p.uncounted) == (0, 0, {})


class Shuffle(torch.nn.Module):
    def forward(self, x):
        return channel_shuffle(x, 3)


def test_lecture_comparisons():
    rows = {r.name: r for r in compare_blocks()}
    assert round(1 / rows["bottleneck"].macs_ratio, 2) == 8.47
    assert round(1 / rows["bottleneck"].params_ratio, 2) == 8.47
    ir = rows["inverted_bottleneck"]
    assert round(ir.macs_ratio, 2) == 1.37 and round(ir.params_ratio, 2) == 1.37
    assert ir.block_peak_bytes > ir.baseline_peak_bytes  # activation memory grows
    assert rows["grouped_conv"].macs_ratio == 1 / 32
    assert rows["depthwise_separable"].macs_ratio < 1 / 8
