"""MobileNetV2 / Once-for-All style network space of inverted-residual (MBConv) blocks.

Per stage a depth; per block a kernel size and an expand ratio; plus a width multiplier and an
input resolution. Blocks beyond a stage's depth are inactive: their choices are normalised to
the first value so that equal networks are equal architectures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from edgenas.blocks import ConvBNAct, InvertedResidual, make_divisible
from edgenas.errors import ArchError
from edgenas.spaces._arch import Arch
from edgenas.spaces._space import SearchSpace

__all__ = ["MBConvSpace", "MBConvNetwork"]

# (base channels, stride of the stage's first block), after a stride-2 stem and a 16-wide block.
STAGES = ((24, 2), (40, 2), (80, 2), (96, 1), (192, 2))


class MBConvSpace(SearchSpace):
    """Elastic depth, kernel, expand ratio, width multiplier and resolution."""

    name = "mbconv"

    def __init__(
        self,
        depths: Sequence[int] = (2, 3, 4),
        kernels: Sequence[int] = (3, 5, 7),
        expands: Sequence[int] = (3, 4, 6),
        widths: Sequence[float] = (1.0,),
        resolutions: Sequence[int] = (224,),
        stages: Sequence[tuple[int, int]] = STAGES,
        head_channels: int = 1280,
        scale_head: bool = False,
    ) -> None:
        if not depths or min(depths) < 1:
            raise ArchError(f"mbconv: depths must be positive, got {list(depths)}")
        self.depths, self.kernels, self.expands = tuple(depths), tuple(kernels), tuple(expands)
        self.widths, self.resolutions = tuple(widths), tuple(resolutions)
        self.stages, self.head_channels = tuple(tuple(s) for s in stages), head_channels
        self.scale_head = scale_head
        self.max_depth = max(self.depths)
        choices: dict[str, tuple] = {"width": self.widths, "resolution": self.resolutions}
        for s in range(len(self.stages)):
            choices[f"s{s}_depth"] = self.depths
            for b in range(self.max_depth):
                choices[f"s{s}_b{b}_kernel"] = self.kernels
                choices[f"s{s}_b{b}_expand"] = self.expands
        super().__init__(choices)

    def get_params(self) -> dict:
        return {"depths": list(self.depths), "kernels": list(self.kernels),
                "expands": list(self.expands), "widths": list(self.widths),
                "resolutions": list(self.resolutions), "stages": [list(s) for s in self.stages],
                "head_channels": self.head_channels, "scale_head": self.scale_head}

    def active(self, arch: Arch) -> list[str]:
        keys = ["width", "resolution"]
        for s in range(len(self.stages)):
            keys.append(f"s{s}_depth")
            for b in range(int(arch[f"s{s}_depth"])):
                keys += [f"s{s}_b{b}_kernel", f"s{s}_b{b}_expand"]
        return keys

    def canonical(self, arch: Arch) -> Arch:
        changes = {}
        for s in range(len(self.stages)):
            for b in range(int(arch[f"s{s}_depth"]), self.max_depth):
                changes[f"s{s}_b{b}_kernel"] = self.kernels[0]
                changes[f"s{s}_b{b}_expand"] = self.expands[0]
        return arch.replace(**changes) if changes else arch

    def validate(self, arch: Arch | dict) -> Arch:
        return self.canonical(super().validate(arch))

    def size(self) -> int:
        per_block = len(self.kernels) * len(self.expands)
        per_stage = sum(per_block**d for d in self.depths)
        return len(self.widths) * len(self.resolutions) * per_stage ** len(self.stages)

    def input_shape(self, arch: Arch) -> tuple[int, ...]:
        r = int(arch["resolution"])
        return (1, 3, r, r)

    def blocks(self, arch: Arch) -> list[tuple[int, int, int, int, int]]:
        """(cin, cout, stride, kernel, expand) of every active block, in order."""
        w = float(arch["width"])
        cin = make_divisible(16 * w)
        out = []
        for s, (channels, stride) in enumerate(self.stages):
            cout = make_divisible(channels * w)
            for b in range(int(arch[f"s{s}_depth"])):
                out.append((cin, cout, stride if b == 0 else 1, int(arch[f"s{s}_b{b}_kernel"]),
                            int(arch[f"s{s}_b{b}_expand"])))
                cin = cout
        return out

    def head_width(self, width: float) -> int:
        return make_divisible(self.head_channels * (width if self.scale_head else max(1.0, width)))

    def build(self, arch: Arch, num_classes: int = 1000, dropout: float = 0.0) -> nn.Module:
        arch = self.validate(arch)
        w = float(arch["width"])
        return MBConvNetwork(self.blocks(arch), w, num_classes, self.head_width(w), dropout)

    def layer_specs(self, arch: Arch, num_classes: int = 1000) -> list[tuple[str, Callable[[], nn.Module], tuple]]:
        """The network as independent layers: (lookup-table key, module factory, input shape).
        Their sequence is exactly what `build` stacks."""
        arch = self.validate(arch)
        w, r = float(arch["width"]), int(arch["resolution"])
        stem, first, head = make_divisible(32 * w), make_divisible(16 * w), self.head_width(w)
        specs: list[tuple[str, Callable[[], nn.Module], tuple]] = [
            (f"stem:3-{stem}:r{r}", lambda: ConvBNAct(3, stem, 3, 2, act=nn.ReLU6), (1, 3, r, r)),
        ]
        size = (r + 1) // 2
        specs.append((f"ir:{stem}-{first}:s1:k3:e1:r{size}", lambda: InvertedResidual(stem, first, 1, 1, 3),
                      (1, stem, size, size)))
        cin = first
        for cin, cout, stride, kernel, expand in self.blocks(arch):
            specs.append((f"ir:{cin}-{cout}:s{stride}:k{kernel}:e{expand}:r{size}",
                           lambda c=cin, o=cout, s=stride, k=kernel, e=expand: InvertedResidual(c, o, s, e, k),
                           (1, cin, size, size)))
            size = (size - 1) // stride + 1
            cin = cout
        specs.append((f"head:{cin}-{head}:r{size}", lambda c=cin: ConvBNAct(c, head, 1, act=nn.ReLU6),
                      (1, cin, size, size)))
        specs.append((f"classifier:{head}-{num_classes}:r{size}",
                      lambda: nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(head, num_classes)),
                      (1, head, size, size)))
        return specs


class MBConvNetwork(nn.Module):
    """Stem 3x3/2, a 16-wide depthwise-separable block, the searched MBConv blocks,
    a 1x1 feature-mix conv, global pool, linear."""

    def __init__(self, blocks: list[tuple[int, int, int, int, int]], width: float,
                 num_classes: int, head: int, dropout: float = 0.0) -> None:
        super().__init__()
        stem = make_divisible(32 * width)
        first = make_divisible(16 * width)
        layers: list[nn.Module] = [
            ConvBNAct(3, stem, 3, 2, act=nn.ReLU6),
            InvertedResidual(stem, first, 1, 1, 3),
        ]
        cin = first
        for cin, cout, stride, kernel, expand in blocks:
            layers.append(InvertedResidual(cin, cout, stride, expand, kernel))
            cin = cout
        layers.append(ConvBNAct(cin, head, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(head, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(torch.flatten(self.pool(self.features(x)), 1)))
