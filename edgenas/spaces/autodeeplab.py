"""Auto-DeepLab's network-level space: a path through a trellis of resolutions, and one cell.

After a two-convolution stem at 1/4 of the input, each of ``layers`` layers sits at a
downsampling rate of 4, 8, 16 or 32 and moves at most one rate from the layer before (the first
layer: 4 or 8). The rate of every layer is a choice (``rate0`` ...); a path that jumps is
invalid, and `canonical` repairs a sampled one by clamping each jump to one step. The cell is
the same at every layer: a 4-node DAG whose six edges each pick one of the paper's eight
operations (``0<-1``-style keys as in NAS-Bench-201). A node at rate s has ``channels * s / 4``
channels; moving to a coarser rate is a stride-2 3x3 convolution, to a finer one bilinear
upsampling and a 1x1 convolution, staying a 1x1 convolution (the paper's transitions). The
head is a three-branch ASPP (1x1, one 3x3 atrous convolution, image pooling) upsampled to the
input: a segmentation network, one class per pixel.

Deviation from the paper, said here: its cell has two inputs (the layers l-1 and l-2) and five
blocks that each keep the two strongest inputs; this cell has one input and the NAS-Bench-201
DAG, so the discrete network is a plain chain that the shared layer description, the profiler
and the latency tables handle like any other space.

The string form is the rates then the cell: ``4,4,8,16,16,8,8,8@|sep_conv_3x3~0|+|...|``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from edgenas.errors import ArchError
from edgenas.spaces import nasnet as _nasnet  # noqa: F401 - registers the convolutions and pools the cell uses
from edgenas.spaces._arch import Arch
from edgenas.spaces._layers import Layer, LayerNetwork, register_op
from edgenas.spaces._ops import ReLUConvBN
from edgenas.spaces._space import SearchSpace, positive
from edgenas.spaces.nb201 import EDGES, format_cell, parse_cell

__all__ = ["AutoDeepLabSpace", "ADL_OPS", "RATES", "REGISTERED_OP", "aspp_rate", "level_channels"]

RATES = (4, 8, 16, 32)
ADL_OPS = ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5", "avg_pool_3x3", "max_pool_3x3",
           "skip_connect", "none")
# the registered operation each cell op builds (NASNet's convolutions and pools, NB201's zero and skip)
REGISTERED_OP = {"sep_conv_3x3": "nasnet_sep_conv_3x3", "sep_conv_5x5": "nasnet_sep_conv_5x5",
                 "dil_conv_3x3": "nasnet_dil_conv_3x3", "dil_conv_5x5": "nasnet_dil_conv_5x5",
                 "avg_pool_3x3": "avg_pool_3x3", "max_pool_3x3": "nasnet_max_pool_3x3",
                 "skip_connect": "skip_connect", "none": "none"}
_CELL_KEYS = tuple(f"{i}<-{j}" for i, j in EDGES)


def level_channels(channels: int, level: int) -> int:
    """Channels of a node at ``RATES[level]``: ``channels * rate / 4``."""
    return channels * RATES[level] // 4


def aspp_rate(size: int) -> int:
    """The atrous rate of the ASPP head on a ``size``-wide map: the paper's 96/s on 321-pixel
    crops, i.e. 0.3 of the map width, at least 1."""
    return max(1, round(0.3 * size))


class AutoDeepLabSpace(SearchSpace):
    """A resolution path of ``layers`` layers and one cell, for ``resolution``-pixel inputs."""

    name = "autodeeplab"
    task = "segmentation"

    def __init__(self, layers: int = 8, resolution: int = 64) -> None:
        positive("autodeeplab", "layers", layers, many=False)
        if positive("autodeeplab", "resolution", resolution, many=False) % 32:
            raise ArchError(f"autodeeplab: resolution must be a multiple of 32 (rates reach 1/32), got {resolution}")
        self.num_layers, self.resolution = layers, resolution
        super().__init__({**{f"rate{i}": RATES for i in range(layers)}, **{k: ADL_OPS for k in _CELL_KEYS}})

    def get_params(self) -> dict:
        return {"layers": self.num_layers, "resolution": self.resolution}

    # -- the path ---------------------------------------------------------------------
    def levels(self, arch: Arch) -> list[int]:
        """Index into `RATES` of every layer."""
        return [RATES.index(int(arch[f"rate{i}"])) for i in range(self.num_layers)]

    def with_path(self, arch: Arch, levels: list[int]) -> Arch:
        return arch.replace(**{f"rate{i}": RATES[v] for i, v in enumerate(levels)})

    def canonical(self, arch: Arch) -> Arch:
        """Clamp every jump to one step (from the stem's rate 4 for the first layer)."""
        prev, levels = 0, []
        for level in self.levels(arch):
            prev = min(max(level, prev - 1), prev + 1)
            levels.append(prev)
        return self.with_path(arch, levels)

    def validate(self, arch: Arch | dict) -> Arch:
        arch = super().validate(arch)
        prev = 0
        for i, level in enumerate(self.levels(arch)):
            if abs(level - prev) > 1:
                raise ArchError(f"autodeeplab: layer {i} jumps from rate {RATES[prev]} to {RATES[level]}; a layer "
                                "moves at most one rate (x2 or /2) from the one before, starting from 4")
            prev = level
        return arch

    def size(self) -> int:
        counts = np.zeros(len(RATES), dtype=object)
        counts[0] = 1
        for _ in range(self.num_layers):
            counts = np.array([sum(counts[max(0, v - 1):v + 2]) for v in range(len(RATES))], dtype=object)
        return int(counts.sum()) * len(ADL_OPS) ** len(_CELL_KEYS)

    # -- strings ----------------------------------------------------------------------
    def parse(self, text: str) -> Arch:
        text = text.strip()
        if text.startswith("{"):
            return super().parse(text)
        path, sep, cell = text.partition("@")
        rates = [r.strip() for r in path.split(",")]
        if not sep or not all(r.isdigit() for r in rates):
            raise ArchError(f"autodeeplab: {text!r} is not 'RATE,RATE,...@CELL', e.g. "
                            f"{','.join(['4'] * self.num_layers)}@{format_cell(['sep_conv_3x3'] * 6)}")
        if len(rates) != self.num_layers:
            raise ArchError(f"autodeeplab: the path lists {len(rates)} rates; this space has {self.num_layers} layers")
        ops = parse_cell(cell, ADL_OPS, self.name)
        return self.validate({**{f"rate{i}": int(r) for i, r in enumerate(rates)}, **dict(zip(_CELL_KEYS, ops))})

    def format(self, arch: Arch) -> str:
        return ",".join(str(arch[f"rate{i}"]) for i in range(self.num_layers)) + "@" + format_cell(self.cell_ops(arch))

    def cell_ops(self, arch: Arch) -> list[str]:
        return [str(arch[k]) for k in _CELL_KEYS]

    # -- building ---------------------------------------------------------------------
    def input_shape(self, arch: Arch) -> tuple[int, ...]:
        return (1, 3, self.resolution, self.resolution)

    def layers(self, arch: Arch, num_classes: int = 11, channels: int = 16) -> list[Layer]:
        """Stem, then per layer a transition and the cell, then the ASPP head."""
        arch = self.validate(arch)
        ops = ",".join(REGISTERED_OP[op] for op in self.cell_ops(arch))
        r = self.resolution
        out = [Layer.of("stem", "adl_stem", (1, 3, r, r), cout=channels)]
        prev = 0
        for i, level in enumerate(self.levels(arch)):
            size, cin, c = r // RATES[prev], level_channels(channels, prev), level_channels(channels, level)
            out.append(Layer.of(f"l{i}_transition", "adl_transition", (1, cin, size, size), cin=cin, cout=c,
                                move=level - prev))
            out.append(Layer.of(f"l{i}_cell", "nb201_cell", (1, c, r // RATES[level], r // RATES[level]),
                                ops=ops, channels=c))
            prev = level
        size, c = r // RATES[prev], level_channels(channels, prev)
        out.append(Layer.of("head", "aspp_head", (1, c, size, size), cin=c, num_classes=num_classes,
                            rate=aspp_rate(size), upsample=RATES[prev]))
        return out

    def build(self, arch: Arch, num_classes: int = 11, channels: int = 16) -> nn.Module:
        return LayerNetwork(self.layers(arch, num_classes, channels))


@register_op("adl_stem")
def adl_stem(cout: int) -> nn.Module:
    """Two stride-2 3x3 convolutions: the input at 1/4."""
    return nn.Sequential(nn.Conv2d(3, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout))


class Transition(nn.Module):
    """To a coarser rate (move 1): stride-2 3x3 conv; finer (-1): bilinear x2 then 1x1; same: 1x1."""

    def __init__(self, cin: int, cout: int, move: int) -> None:
        super().__init__()
        self.move = move
        self.conv = ReLUConvBN(cin, cout, 3, 2) if move == 1 else ReLUConvBN(cin, cout, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.move == -1:
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.conv(x)


@register_op("adl_transition")
def adl_transition(cin: int, cout: int, move: int) -> nn.Module:
    if move not in (-1, 0, 1):
        raise ArchError(f"a transition moves -1, 0 or 1 rate, got {move}")
    return Transition(cin, cout, move)


class ASPPHead(nn.Module):
    """Atrous spatial pyramid pooling with three branches (1x1, 3x3 at ``rate``, image pooling),
    fused by a 1x1 conv, classified per pixel and upsampled by ``upsample`` to the input."""

    def __init__(self, cin: int, num_classes: int, rate: int, upsample: int) -> None:
        super().__init__()
        self.upsample = upsample
        self.branch1 = nn.Sequential(nn.Conv2d(cin, cin, 1, bias=False), nn.BatchNorm2d(cin), nn.ReLU())
        self.branch3 = nn.Sequential(nn.Conv2d(cin, cin, 3, padding=rate, dilation=rate, bias=False),
                                     nn.BatchNorm2d(cin), nn.ReLU())
        self.image = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cin, 1), nn.ReLU())  # no BN on 1x1 maps
        self.fuse = nn.Sequential(nn.Conv2d(3 * cin, cin, 1, bias=False), nn.BatchNorm2d(cin), nn.ReLU())
        self.classify = nn.Conv2d(cin, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.image(x).expand(-1, -1, x.shape[2], x.shape[3])
        out = self.classify(self.fuse(torch.cat((self.branch1(x), self.branch3(x), pooled), 1)))
        return F.interpolate(out, scale_factor=float(self.upsample), mode="bilinear", align_corners=False)


@register_op("aspp_head")
def aspp_head(cin: int, num_classes: int, rate: int, upsample: int) -> nn.Module:
    return ASPPHead(cin, num_classes, rate, upsample)
