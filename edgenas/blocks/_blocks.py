"""The classic efficient building blocks, each with its closed-form cost.

Every block's ``macs(h, w)`` and ``params()`` are written from the formulas (not measured), and
the tests check they equal what `edgenas.profile` counts on the module. MACs follow the
profiler's convention: convolutions, linear layers and attention products, bias excluded.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from edgenas.blocks._layers import (
    Activation,
    ConvBNAct,
    channel_shuffle,
    conv_macs,
    conv_out,
    conv_params,
)

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "DepthwiseSeparable",
    "InvertedResidual",
    "SqueezeExcite",
    "ShuffleUnit",
    "ShuffleV2Unit",
    "MultiHeadSelfAttention",
    "TransformerBlock",
]


def _bn(c: int) -> int:
    return 2 * c


class BasicBlock(nn.Module):
    """ResNet-18/34 block: two 3x3 convs and a (projected) shortcut."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.cin, self.cout, self.stride = cin, cout, stride
        self.conv1 = ConvBNAct(cin, cout, 3, stride)
        self.conv2 = ConvBNAct(cout, cout, 3, 1, act=None)
        self.downsample = (
            ConvBNAct(cin, cout, 1, stride, act=None) if stride != 1 or cin != cout else None
        )
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.downsample is None else self.downsample(x)
        return self.act(self.conv2(self.conv1(x)) + skip)

    def macs(self, h: int, w: int) -> int:
        ho, wo = conv_out(h, 3, self.stride), conv_out(w, 3, self.stride)
        total = conv_macs(self.cin, self.cout, 3, ho, wo) + conv_macs(self.cout, self.cout, 3, ho, wo)
        if self.downsample is not None:
            total += conv_macs(self.cin, self.cout, 1, ho, wo)
        return total

    def params(self) -> int:
        total = conv_params(self.cin, self.cout, 3) + conv_params(self.cout, self.cout, 3)
        total += 2 * _bn(self.cout)
        if self.downsample is not None:
            total += conv_params(self.cin, self.cout, 1) + _bn(self.cout)
        return total


class Bottleneck(nn.Module):
    """ResNet-50 bottleneck (1x1 reduce, 3x3, 1x1 expand), stride on the 3x3 (v1.5).

    With ``groups > 1`` the 3x3 is grouped: the ResNeXt block (cardinality = groups).
    """

    def __init__(self, cin: int, width: int, cout: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__()
        self.cin, self.width, self.cout, self.stride, self.groups = cin, width, cout, stride, groups
        self.conv1 = ConvBNAct(cin, width, 1)
        self.conv2 = ConvBNAct(width, width, 3, stride, groups=groups)
        self.conv3 = ConvBNAct(width, cout, 1, act=None)
        self.downsample = (
            ConvBNAct(cin, cout, 1, stride, act=None) if stride != 1 or cin != cout else None
        )
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.downsample is None else self.downsample(x)
        return self.act(self.conv3(self.conv2(self.conv1(x))) + skip)

    def macs(self, h: int, w: int) -> int:
        ho, wo = conv_out(h, 3, self.stride), conv_out(w, 3, self.stride)
        total = conv_macs(self.cin, self.width, 1, h, w)
        total += conv_macs(self.width, self.width, 3, ho, wo, self.groups)
        total += conv_macs(self.width, self.cout, 1, ho, wo)
        if self.downsample is not None:
            total += conv_macs(self.cin, self.cout, 1, ho, wo)
        return total

    def params(self) -> int:
        total = conv_params(self.cin, self.width, 1) + _bn(self.width)
        total += conv_params(self.width, self.width, 3, self.groups) + _bn(self.width)
        total += conv_params(self.width, self.cout, 1) + _bn(self.cout)
        if self.downsample is not None:
            total += conv_params(self.cin, self.cout, 1) + _bn(self.cout)
        return total


class DepthwiseSeparable(nn.Module):
    """MobileNetV1 block: depthwise kxk (groups = channels) then pointwise 1x1."""

    def __init__(self, cin: int, cout: int, stride: int = 1, kernel: int = 3) -> None:
        super().__init__()
        self.cin, self.cout, self.stride, self.kernel = cin, cout, stride, kernel
        self.depthwise = ConvBNAct(cin, cin, kernel, stride, groups=cin)
        self.pointwise = ConvBNAct(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))

    def macs(self, h: int, w: int) -> int:
        ho, wo = conv_out(h, self.kernel, self.stride), conv_out(w, self.kernel, self.stride)
        return conv_macs(self.cin, self.cin, self.kernel, ho, wo, self.cin) + conv_macs(
            self.cin, self.cout, 1, ho, wo
        )

    def params(self) -> int:
        return (
            conv_params(self.cin, self.cin, self.kernel, self.cin)
            + _bn(self.cin)
            + conv_params(self.cin, self.cout, 1)
            + _bn(self.cout)
        )


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation: global pool, 1x1 reduce, 1x1 expand, sigmoid gate."""

    def __init__(self, channels: int, squeezed: int) -> None:
        super().__init__()
        self.channels, self.squeezed = channels, squeezed
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.expand = nn.Conv2d(squeezed, channels, 1)
        self.act = nn.ReLU()
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = F.adaptive_avg_pool2d(x, 1)
        return x * self.gate(self.expand(self.act(self.reduce(scale))))

    def macs(self) -> int:
        return 2 * self.channels * self.squeezed

    def params(self) -> int:
        return conv_params(self.channels, self.squeezed, 1, bias=True) + conv_params(
            self.squeezed, self.channels, 1, bias=True
        )


class InvertedResidual(nn.Module):
    """MobileNetV2 / MBConv: 1x1 expand, depthwise kxk, optional SE, linear 1x1 project.

    The shortcut is used when stride is 1 and input and output widths match.
    """

    def __init__(
        self,
        cin: int,
        cout: int,
        stride: int = 1,
        expand_ratio: float = 6,
        kernel: int = 3,
        se_ratio: float = 0.0,
        act: Activation = nn.ReLU6,
    ) -> None:
        super().__init__()
        self.cin, self.cout, self.stride, self.kernel = cin, cout, stride, kernel
        self.hidden = int(round(cin * expand_ratio))
        self.use_residual = stride == 1 and cin == cout
        layers: list[nn.Module] = []
        if self.hidden != cin:
            layers.append(ConvBNAct(cin, self.hidden, 1, act=act))
        layers.append(ConvBNAct(self.hidden, self.hidden, kernel, stride, groups=self.hidden, act=act))
        self.se = SqueezeExcite(self.hidden, max(1, int(cin * se_ratio))) if se_ratio > 0 else None
        if self.se is not None:
            layers.append(self.se)
        layers.append(ConvBNAct(self.hidden, cout, 1, act=None))
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_residual else out

    def macs(self, h: int, w: int) -> int:
        ho, wo = conv_out(h, self.kernel, self.stride), conv_out(w, self.kernel, self.stride)
        total = conv_macs(self.cin, self.hidden, 1, h, w) if self.hidden != self.cin else 0
        total += conv_macs(self.hidden, self.hidden, self.kernel, ho, wo, self.hidden)
        total += self.se.macs() if self.se is not None else 0
        return total + conv_macs(self.hidden, self.cout, 1, ho, wo)

    def params(self) -> int:
        total = conv_params(self.cin, self.hidden, 1) + _bn(self.hidden) if self.hidden != self.cin else 0
        total += conv_params(self.hidden, self.hidden, self.kernel, self.hidden) + _bn(self.hidden)
        total += self.se.params() if self.se is not None else 0
        return total + conv_params(self.hidden, self.cout, 1) + _bn(self.cout)


class ShuffleUnit(nn.Module):
    """ShuffleNet (v1) unit: 1x1 group conv, channel shuffle, depthwise 3x3, 1x1 group conv.

    Stride 1 adds the input back; stride 2 concatenates a 3x3 average-pooled shortcut, so the
    convolution branch produces ``cout - cin`` channels.
    """

    def __init__(self, cin: int, cout: int, groups: int = 3, stride: int = 1,
                 first_groups: int | None = None) -> None:
        super().__init__()
        self.cin, self.cout, self.groups, self.stride = cin, cout, groups, stride
        self.g1 = groups if first_groups is None else first_groups
        self.mid = cout // 4
        self.branch_out = cout - cin if stride == 2 else cout
        self.compress = ConvBNAct(cin, self.mid, 1, groups=self.g1)
        self.depthwise = ConvBNAct(self.mid, self.mid, 3, stride, groups=self.mid, act=None)
        self.expand = ConvBNAct(self.mid, self.branch_out, 1, groups=groups, act=None)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = channel_shuffle(self.compress(x), self.g1)
        out = self.expand(self.depthwise(out))
        if self.stride == 2:
            return self.act(torch.cat([F.avg_pool2d(x, 3, 2, 1), out], 1))
        return self.act(x + out)

    def macs(self, h: int, w: int) -> int:
        ho, wo = conv_out(h, 3, self.stride), conv_out(w, 3, self.stride)
        return (
            conv_macs(self.cin, self.mid, 1, h, w, self.g1)
            + conv_macs(self.mid, self.mid, 3, ho, wo, self.mid)
            + conv_macs(self.mid, self.branch_out, 1, ho, wo, self.groups)
        )

    def params(self) -> int:
        return (
            conv_params(self.cin, self.mid, 1, self.g1) + _bn(self.mid)
            + conv_params(self.mid, self.mid, 3, self.mid) + _bn(self.mid)
            + conv_params(self.mid, self.branch_out, 1, self.groups) + _bn(self.branch_out)
        )


class ShuffleV2Unit(nn.Module):
    """ShuffleNetV2 unit: channel split, (1x1, dw 3x3, 1x1) on one half, concat, shuffle."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        if stride == 1 and cin != cout:
            raise ValueError(f"a stride-1 ShuffleV2Unit keeps its width: cin={cin}, cout={cout}")
        self.cin, self.cout, self.stride = cin, cout, stride
        half = cout // 2
        self.half = half
        self.branch1 = (
            nn.Sequential(
                ConvBNAct(cin, cin, 3, stride, groups=cin, act=None),
                ConvBNAct(cin, half, 1),
            )
            if stride > 1
            else None
        )
        first_in = cin if stride > 1 else half
        self.branch2 = nn.Sequential(
            ConvBNAct(first_in, half, 1),
            ConvBNAct(half, half, 3, stride, groups=half, act=None),
            ConvBNAct(half, half, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            keep, work = x.chunk(2, dim=1)
            out = torch.cat((keep, self.branch2(work)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)

    def macs(self, h: int, w: int) -> int:
        ho, wo = conv_out(h, 3, self.stride), conv_out(w, 3, self.stride)
        half = self.half
        first_in = self.cin if self.stride > 1 else half
        total = conv_macs(first_in, half, 1, h, w) + conv_macs(half, half, 3, ho, wo, half)
        total += conv_macs(half, half, 1, ho, wo)
        if self.branch1 is not None:
            total += conv_macs(self.cin, self.cin, 3, ho, wo, self.cin)
            total += conv_macs(self.cin, half, 1, ho, wo)
        return total

    def params(self) -> int:
        half = self.half
        first_in = self.cin if self.stride > 1 else half
        total = conv_params(first_in, half, 1) + conv_params(half, half, 3, half)
        total += conv_params(half, half, 1) + 3 * _bn(half)
        if self.branch1 is not None:
            total += conv_params(self.cin, self.cin, 3, self.cin) + _bn(self.cin)
            total += conv_params(self.cin, half, 1) + _bn(half)
        return total


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention on (batch, tokens, dim): QKV projection, SDPA, output projection."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} must be divisible by heads {heads}")
        self.dim, self.heads = dim, heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        qkv = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(out.transpose(1, 2).reshape(b, n, d))

    def macs(self, tokens: int) -> int:
        # projections: 4 d^2 per token; attention: QK^T and AV, each tokens^2 * d.
        return 4 * tokens * self.dim * self.dim + 2 * tokens * tokens * self.dim

    def params(self) -> int:
        return 4 * self.dim * self.dim + 4 * self.dim


class TransformerBlock(nn.Module):
    """Pre-norm ViT block: LN, MHSA, residual; LN, MLP (GELU), residual."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.dim, self.hidden = dim, int(dim * mlp_ratio)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MultiHeadSelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, self.hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(self.hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))

    def macs(self, tokens: int) -> int:
        return self.attn.macs(tokens) + 2 * tokens * self.dim * self.hidden

    def params(self) -> int:
        mlp = self.dim * self.hidden + self.hidden + self.hidden * self.dim + self.dim
        return self.attn.params() + 4 * self.dim + mlp
