"""The operations the spaces' layer descriptions name (see `edgenas.spaces._layers`).

MBConv-space layers (``conv_bn_act``, ``mbconv``, ``classifier``) and the cell operations of
NAS-Bench-201 (``none``, ``skip_connect``, ``nor_conv_1x1``, ``nor_conv_3x3``,
``avg_pool_3x3``): one registry that mixed and elastic ops can reuse.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from edgenas.blocks import ConvBNAct, InvertedResidual
from edgenas.blocks.net2net import net2wider
from edgenas.errors import ConfigError
from edgenas.spaces._layers import copy_matching, register_op

__all__ = ["Classifier", "ReLUConvBN", "Zero", "inherit_mbconv"]

ACTIVATIONS = {"relu": nn.ReLU, "relu6": nn.ReLU6, "none": None}


def _activation(name: str) -> type[nn.Module] | None:
    if name not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


@register_op("conv_bn_act", weights=("0.weight",), inherit=copy_matching)
def conv_bn_act(cin: int, cout: int, kernel: int = 3, stride: int = 1, act: str = "relu") -> nn.Module:
    return ConvBNAct(cin, cout, kernel, stride, act=_activation(act))


def _resize_hidden(block: InvertedResidual, hidden: int) -> InvertedResidual:
    """A copy of ``block`` whose expanded width is ``hidden`` (widened by net2wider, or cropped)."""
    block = copy.deepcopy(block)
    if block.hidden == hidden or block.hidden == block.cin:
        if block.hidden != hidden:
            raise ConfigError("cannot change the expand ratio of a block without an expand conv")
        return block
    expand, dw, project = block.conv[0], block.conv[1], block.conv[-1]
    if hidden > block.hidden:
        wide, proj, bn, (dw_conv, dw_bn) = net2wider(expand[0], project[0], hidden, bn=expand[1],
                                                     channelwise=[dw[0], dw[1]])
        expand[0], expand[1], dw[0], dw[1], project[0] = wide, bn, dw_conv, dw_bn, proj
    else:
        keep = torch.arange(hidden)
        with torch.no_grad():
            expand[0].weight = nn.Parameter(expand[0].weight[keep])
            dw[0].weight = nn.Parameter(dw[0].weight[keep])
            project[0].weight = nn.Parameter(project[0].weight[:, keep])
            for bn in (expand[1], dw[1]):
                for name in ("weight", "bias"):
                    setattr(bn, name, nn.Parameter(getattr(bn, name)[keep]))
                bn.running_mean, bn.running_var = bn.running_mean[keep], bn.running_var[keep]
    block.hidden = hidden
    return block


def inherit_mbconv(src: InvertedResidual, dst: InvertedResidual) -> None:
    """Copy ``src`` into ``dst`` (same in/out widths and stride): a larger kernel is the old one
    zero-padded, a larger expand ratio is net2wider through the depthwise conv (both keep the
    function); smaller ones crop."""
    if (src.cin, src.cout, src.stride) != (dst.cin, dst.cout, dst.stride):
        raise ConfigError("inheritance between mbconv blocks needs the same widths and stride")
    src = _resize_hidden(src, dst.hidden)
    with torch.no_grad():
        for s_layer, d_layer in zip(src.conv, dst.conv):
            s_conv, d_conv = s_layer[0], d_layer[0]
            w = s_conv.weight
            if w.shape[-1] != d_conv.weight.shape[-1]:  # depthwise kernel size changed
                diff = (d_conv.weight.shape[-1] - w.shape[-1]) // 2
                w = F.pad(w, [diff] * 4) if diff > 0 else w[..., -diff:diff, -diff:diff]
            d_conv.weight.copy_(w)
            d_layer[1].load_state_dict(s_layer[1].state_dict())


def _mbconv_identity(block: InvertedResidual) -> None:
    """A residual block whose last BN scale is 0 computes the identity; others cannot."""
    if block.use_residual:
        with torch.no_grad():
            block.conv[-1][1].weight.zero_()


@register_op("mbconv", weights=("conv.0.0.weight", "conv.1.0.weight", "conv.2.0.weight"),
             inherit=inherit_mbconv, identity=_mbconv_identity)
def mbconv(cin: int, cout: int, stride: int = 1, expand: int = 6, kernel: int = 3) -> nn.Module:
    return InvertedResidual(cin, cout, stride, expand, kernel)


class Classifier(nn.Module):
    """Global average pool, dropout, linear."""

    def __init__(self, cin: int, num_classes: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


@register_op("classifier", weights=("fc.weight",), inherit=copy_matching)
def classifier(cin: int, num_classes: int, dropout: float = 0.0) -> nn.Module:
    return Classifier(cin, num_classes, dropout)


# -- NAS-Bench-201 cell operations (stride 1, width-preserving) ----------------------------
class ReLUConvBN(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int) -> None:
        super().__init__(
            nn.ReLU(),
            nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(cout),
        )


class Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


@register_op("none", graph=lambda **_: ([], []))  # outputs nothing: no producers
def none(channels: int) -> nn.Module:
    return Zero()


@register_op("skip_connect")
def skip_connect(channels: int) -> nn.Module:
    return nn.Identity()


@register_op("nor_conv_1x1", weights=("1.weight",), inherit=copy_matching)
def nor_conv_1x1(channels: int) -> nn.Module:
    return ReLUConvBN(channels, channels, 1, 1)


@register_op("nor_conv_3x3", weights=("1.weight",), inherit=copy_matching)
def nor_conv_3x3(channels: int) -> nn.Module:
    return ReLUConvBN(channels, channels, 3, 1)


@register_op("avg_pool_3x3")
def avg_pool_3x3(channels: int) -> nn.Module:
    return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
