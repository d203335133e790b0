"""The lecture's block-versus-dense-conv comparisons, computed by the profiler."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from edgenas.blocks._blocks import Bottleneck, DepthwiseSeparable, InvertedResidual, ShuffleUnit
from edgenas.blocks._layers import ConvBNAct
from edgenas.profile import Profile, profile

__all__ = ["Comparison", "compare_blocks"]


@dataclass(frozen=True)
class Comparison:
    """One block against a dense baseline at the same input; ratios are block / baseline.

    ``*_params`` count conv/linear weights (BN excluded, as the lecture counts them).
    """

    name: str
    block: str
    baseline: str
    input_shape: list[int]
    block_macs: int
    baseline_macs: int
    block_params: int
    baseline_params: int
    block_peak_bytes: int
    baseline_peak_bytes: int

    @property
    def macs_ratio(self) -> float:
        return self.block_macs / self.baseline_macs

    @property
    def params_ratio(self) -> float:
        return self.block_params / self.baseline_params

    @property
    def peak_ratio(self) -> float:
        return self.block_peak_bytes / self.baseline_peak_bytes

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(macs_ratio=self.macs_ratio, params_ratio=self.params_ratio,
                   peak_ratio=self.peak_ratio)
        return out


def _weights(prof: Profile) -> int:
    """Parameters of the layers that multiply-accumulate (conv/linear), as the lecture counts."""
    return sum(layer.params for layer in prof.layers if layer.macs)


def _compare(name: str, block: nn.Module, baseline: nn.Module, shape: tuple[int, ...],
             block_desc: str, baseline_desc: str) -> Comparison:
    a, b = profile(block, shape), profile(baseline, shape)
    return Comparison(name, block_desc, baseline_desc, list(shape), a.macs, b.macs, _weights(a),
                      _weights(b), a.peak_memory_bytes, b.peak_memory_bytes)


def compare_blocks(resolution: int = 14) -> list[Comparison]:
    """Each efficient block against its dense counterpart of the same in/out width: a 3x3 conv
    (the ShuffleNet unit: a ResNet bottleneck), int8 peak. Feature maps are ``resolution`` wide
    except the ResNet-50 bottleneck's, shown at its own 7x7 last stage."""
    with torch.device("meta"):  # shapes are all we need: no weight initialisation
        rows = [
            _compare(
                "bottleneck", Bottleneck(2048, 512, 2048), ConvBNAct(2048, 2048, 3),
                (1, 2048, 7, 7), "1x1 2048->512, 3x3 512, 1x1 512->2048", "3x3 2048->2048",
            ),
            _compare(
                "inverted_bottleneck", InvertedResidual(160, 160, 1, 6), ConvBNAct(160, 160, 3),
                (1, 160, resolution, resolution), "1x1 160->960, dw3x3, 1x1 960->160",
                "3x3 160->160",
            ),
            _compare(
                "depthwise_separable", DepthwiseSeparable(256, 256), ConvBNAct(256, 256, 3),
                (1, 256, resolution, resolution), "dw3x3 256, 1x1 256->256", "3x3 256->256",
            ),
            _compare(
                "grouped_conv", ConvBNAct(256, 256, 3, groups=32), ConvBNAct(256, 256, 3),
                (1, 256, resolution, resolution), "3x3 256->256, 32 groups", "3x3 256->256",
            ),
            _compare(
                "shuffle_unit", ShuffleUnit(240, 240, groups=3), Bottleneck(240, 60, 240),
                (1, 240, resolution, resolution), "g=3 1x1 gconv, shuffle, dw3x3, 1x1 gconv",
                "bottleneck 240->60->240",
            ),
        ]
    return rows
