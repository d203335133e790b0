"""Small layers every block is made of, and the closed-form cost of a convolution."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = [
    "ConvBNAct",
    "conv_out",
    "conv_macs",
    "conv_params",
    "make_divisible",
    "channel_shuffle",
    "Activation",
]

Activation = Callable[[], nn.Module] | None


def conv_out(size: int, kernel: int, stride: int, padding: int | None = None) -> int:
    """Spatial size after a convolution (default 'same' padding ``kernel // 2``)."""
    pad = kernel // 2 if padding is None else padding
    return (size + 2 * pad - kernel) // stride + 1


def conv_macs(cin: int, cout: int, kernel: int, out_h: int, out_w: int, groups: int = 1) -> int:
    """MACs of a 2-D convolution: each output element costs ``cin / groups * k * k``."""
    return cout * out_h * out_w * (cin // groups) * kernel * kernel


def conv_params(cin: int, cout: int, kernel: int, groups: int = 1, bias: bool = False) -> int:
    return cout * (cin // groups) * kernel * kernel + (cout if bias else 0)


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round channels to a multiple of ``divisor`` without going 10% below (MobileNet rule)."""
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Interleave channels across ``groups``: a pure permutation, no arithmetic."""
    n, c, h, w = x.shape
    x = x.view(n, groups, c // groups, h, w).transpose(1, 2).contiguous()
    return x.view(n, c, h, w)


class ConvBNAct(nn.Sequential):
    """Conv (no bias) -> BatchNorm -> optional activation, 'same' padding."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int = 3,
        stride: int = 1,
        groups: int = 1,
        act: Activation = nn.ReLU,
        padding: int | None = None,
    ) -> None:
        pad = kernel // 2 if padding is None else padding
        layers: list[nn.Module] = [
            nn.Conv2d(cin, cout, kernel, stride, pad, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        ]
        if act is not None:
            layers.append(act())
        super().__init__(*layers)
