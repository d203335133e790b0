"""MobileNetV2 / Once-for-All style network space of inverted-residual (MBConv) blocks.

Per stage a depth; per block a kernel size and an expand ratio; plus a width multiplier and an
input resolution. Blocks beyond a stage's depth are inactive: their choices are normalised to
the first value so that equal networks are equal architectures.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

import edgenas.spaces._ops  # noqa: F401 - registers the operations the layers name
from edgenas.blocks import make_divisible
from edgenas.errors import ArchError
from edgenas.spaces._arch import Arch
from edgenas.spaces._layers import Layer, LayerNetwork
from edgenas.spaces._space import SearchSpace, positive

__all__ = ["MBConvSpace"]

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
        self.depths, self.kernels = positive("mbconv", "depths", depths), positive("mbconv", "kernels", kernels)
        self.expands = positive("mbconv", "expands", expands)
        self.widths = positive("mbconv", "widths", widths, integer=False)
        self.resolutions = positive("mbconv", "resolutions", resolutions)
        if not isinstance(stages, (list, tuple)) or not stages or any(
                not isinstance(st, (list, tuple)) or len(st) != 2 for st in stages):
            raise ArchError(f"mbconv: stages must be a non-empty list of [channels, stride] pairs, got {stages!r}")
        self.stages = tuple(positive("mbconv", "each stage's [channels, stride]", st) for st in stages)
        self.head_channels = positive("mbconv", "head_channels", head_channels, many=False)
        if not isinstance(scale_head, bool):
            raise ArchError(f"mbconv: scale_head must be true or false, got {scale_head!r}")
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

    def head_width(self, width: float) -> int:
        return make_divisible(self.head_channels * (width if self.scale_head else max(1.0, width)))

    def layers(self, arch: Arch, num_classes: int = 1000, dropout: float = 0.0) -> list[Layer]:
        """The network of ``arch``: a stride-2 stem, a fixed 16-wide depthwise-separable block,
        the searched MBConv blocks (slot ``s{stage}_b{block}``), a 1x1 feature-mix conv and the
        classifier."""
        arch = self.validate(arch)
        w, r = float(arch["width"]), int(arch["resolution"])
        stem, first, head = make_divisible(32 * w), make_divisible(16 * w), self.head_width(w)
        layers = [Layer.of("stem", "conv_bn_act", (1, 3, r, r), cin=3, cout=stem, kernel=3, stride=2, act="relu6")]
        size = (r + 1) // 2
        layers.append(Layer.of("first", "mbconv", (1, stem, size, size), cin=stem, cout=first, stride=1, expand=1, kernel=3))
        cin = first
        for s, (channels, stride) in enumerate(self.stages):
            cout = make_divisible(channels * w)
            for b in range(int(arch[f"s{s}_depth"])):
                step = stride if b == 0 else 1
                layers.append(Layer.of(f"s{s}_b{b}", "mbconv", (1, cin, size, size), cin=cin, cout=cout, stride=step,
                                       expand=int(arch[f"s{s}_b{b}_expand"]), kernel=int(arch[f"s{s}_b{b}_kernel"])))
                size = (size - 1) // step + 1
                cin = cout
        layers.append(Layer.of("head", "conv_bn_act", (1, cin, size, size), cin=cin, cout=head, kernel=1, stride=1,
                               act="relu6"))
        layers.append(Layer.of("classifier", "classifier", (1, head, size, size), cin=head, num_classes=num_classes,
                               dropout=dropout))
        return layers

    def uniform(self, width: float, resolution: int, depths: Sequence[int], kernel: int, expand: int) -> Arch:
        """The architecture with these stage depths and one (kernel, expand) in every block."""
        choices: dict[str, float | int] = {"width": width, "resolution": resolution}
        for s, depth in enumerate(depths):
            choices[f"s{s}_depth"] = depth
            for b in range(self.max_depth):
                choices[f"s{s}_b{b}_kernel"], choices[f"s{s}_b{b}_expand"] = kernel, expand
        return self.validate(choices)

    def covering_archs(self) -> list[Arch]:
        """Architectures that together contain every layer the space can produce: a block's
        shape depends only on its position, width, resolution, kernel and expand ratio, so
        every stage at full depth with one (kernel, expand) everywhere, for each pair, width
        and resolution, covers them all."""
        full = [self.max_depth] * len(self.stages)
        return [self.uniform(w, r, full, k, e) for w in self.widths for r in self.resolutions
                for k in self.kernels for e in self.expands]

    def build(self, arch: Arch, num_classes: int = 1000, dropout: float = 0.0) -> nn.Module:
        return LayerNetwork(self.layers(arch, num_classes, dropout))
