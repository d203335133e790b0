"""Classic efficient building blocks with closed-form MACs and params."""

from edgenas.blocks._blocks import (
    BasicBlock,
    Bottleneck,
    DepthwiseSeparable,
    InvertedResidual,
    MultiHeadSelfAttention,
    ShuffleUnit,
    ShuffleV2Unit,
    SqueezeExcite,
    TransformerBlock,
)
from edgenas.blocks._layers import (
    ConvBNAct,
    channel_shuffle,
    conv_macs,
    conv_out,
    conv_params,
    make_divisible,
)

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ConvBNAct",
    "DepthwiseSeparable",
    "InvertedResidual",
    "MultiHeadSelfAttention",
    "ShuffleUnit",
    "ShuffleV2Unit",
    "SqueezeExcite",
    "TransformerBlock",
    "channel_shuffle",
    "conv_macs",
    "conv_out",
    "conv_params",
    "make_divisible",
]
