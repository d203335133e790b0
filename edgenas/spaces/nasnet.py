"""NASNet cell-level space, as the lecture describes it.

A cell is built by repeating B times: pick two inputs (among the cell's two inputs, the
previous two cells' outputs), pick an operation for each (from M), pick how to combine the two
results (from N). Size: (2 * 2 * M * M * N) ** B.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from edgenas.errors import ConfigError
from edgenas.spaces._arch import Arch
from edgenas.spaces._layers import OPS, get_op, register_op
from edgenas.spaces._space import SearchSpace, positive
from edgenas.spaces.nasnet_size import nasnet_space_size

__all__ = ["NASNetSpace", "NASNET_OPS", "COMBINERS"]

# The 13 operations of the NASNet paper (Zoph et al., 2018).
NASNET_OPS = (
    "identity", "conv_1x3_3x1", "conv_1x7_7x1", "dil_conv_3x3", "avg_pool_3x3", "max_pool_3x3",
    "max_pool_5x5", "max_pool_7x7", "conv_1x1", "conv_3x3", "sep_conv_3x3", "sep_conv_5x5",
    "sep_conv_7x7",
)
COMBINERS = ("add", "concat")


def _relu_conv_bn(c: int, kernel: tuple[int, int], dilation: int = 1, groups: int = 1) -> list[nn.Module]:
    pad = (dilation * (kernel[0] - 1) // 2, dilation * (kernel[1] - 1) // 2)
    return [nn.ReLU(), nn.Conv2d(c, c, kernel, 1, pad, dilation, groups, bias=False), nn.BatchNorm2d(c)]


def _pool(kind: type[nn.Module], k: int) -> Callable[..., nn.Module]:
    return lambda channels: kind(k, 1, k // 2)


def _convs(*kernels: tuple[int, int], dilation: int = 1) -> Callable[..., nn.Module]:
    return lambda channels: nn.Sequential(*(m for k in kernels for m in _relu_conv_bn(channels, k, dilation)))


def _sep_conv(k: int) -> Callable[..., nn.Module]:
    return lambda channels: nn.Sequential(
        nn.ReLU(), nn.Conv2d(channels, channels, k, 1, k // 2, groups=channels, bias=False),
        nn.Conv2d(channels, channels, 1, bias=False), nn.BatchNorm2d(channels),
    )


# The NASNet list as registered operations (``nasnet_<name>``), beside the other spaces' ops;
# ``dil_conv_5x5`` is not NASNet's but Auto-DeepLab's.
_BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "identity": lambda channels: nn.Identity(),
    "conv_1x3_3x1": _convs((1, 3), (3, 1)), "conv_1x7_7x1": _convs((1, 7), (7, 1)),
    "dil_conv_3x3": _convs((3, 3), dilation=2), "dil_conv_5x5": _convs((5, 5), dilation=2),
    "avg_pool_3x3": _pool(nn.AvgPool2d, 3),
    "max_pool_3x3": _pool(nn.MaxPool2d, 3), "max_pool_5x5": _pool(nn.MaxPool2d, 5),
    "max_pool_7x7": _pool(nn.MaxPool2d, 7), "conv_1x1": _convs((1, 1)), "conv_3x3": _convs((3, 3)),
    "sep_conv_3x3": _sep_conv(3), "sep_conv_5x5": _sep_conv(5), "sep_conv_7x7": _sep_conv(7),
}
for _name, _build in _BUILDERS.items():
    if f"nasnet_{_name}" not in OPS:
        register_op(f"nasnet_{_name}")(_build)


def make_op(name: str, c: int) -> nn.Module:
    """One stride-1, width-preserving operation of the NASNet list (registered as ``nasnet_<name>``)."""
    if name not in _BUILDERS:
        raise ConfigError(f"unknown NASNet operation {name!r}; choose from {', '.join(NASNET_OPS)}")
    return get_op(f"nasnet_{name}").build(channels=c)


class NASNetSpace(SearchSpace):
    """B blocks x (input a, input b, op a, op b, combiner)."""

    name = "nasnet"

    def __init__(self, ops: Sequence[str] = NASNET_OPS, combiners: Sequence[str] = COMBINERS,
                 blocks: int = 5) -> None:
        for what, names in (("ops", ops), ("combiners", combiners)):
            if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
                raise ConfigError(f"nasnet: {what} must be a non-empty list of names, got {names!r}")
        positive("nasnet", "blocks", blocks, many=False)
        for op in ops:
            make_op(op, 1)  # unknown names fail here, at construction
        for comb in combiners:
            if comb not in COMBINERS:
                raise ConfigError(f"unknown combiner {comb!r}; choose from {', '.join(COMBINERS)}")
        self.ops_, self.combiners, self.blocks = tuple(ops), tuple(combiners), blocks
        choices: dict[str, tuple] = {}
        for b in range(blocks):
            choices[f"b{b}_in_a"] = (0, 1)
            choices[f"b{b}_in_b"] = (0, 1)
            choices[f"b{b}_op_a"] = self.ops_
            choices[f"b{b}_op_b"] = self.ops_
            choices[f"b{b}_combine"] = self.combiners
        super().__init__(choices)

    def get_params(self) -> dict:
        return {"ops": list(self.ops_), "combiners": list(self.combiners), "blocks": self.blocks}

    def size(self) -> int:
        return nasnet_space_size(len(self.ops_), len(self.combiners), self.blocks)

    def input_shape(self, arch: Arch) -> tuple[int, ...]:
        return (1, 3, 32, 32)

    def build(self, arch: Arch, num_classes: int = 10, channels: int = 16,
              cells_per_stage: int = 2) -> nn.Module:
        return NASNetNetwork(self, self.validate(arch), num_classes, channels, cells_per_stage)


class NASNetCell(nn.Module):
    def __init__(self, space: NASNetSpace, arch: Arch, c: int) -> None:
        super().__init__()
        self.plan = []
        self.ops = nn.ModuleList()
        self.merge = nn.ModuleList()
        for b in range(space.blocks):
            self.plan.append((int(arch[f"b{b}_in_a"]), int(arch[f"b{b}_in_b"]), str(arch[f"b{b}_combine"])))
            self.ops.append(make_op(str(arch[f"b{b}_op_a"]), c))
            self.ops.append(make_op(str(arch[f"b{b}_op_b"]), c))
            # concat doubles the width; a 1x1 conv brings it back so blocks stay C wide
            self.merge.append(nn.Conv2d(2 * c, c, 1, bias=False) if arch[f"b{b}_combine"] == "concat"
                              else nn.Identity())
        self.project = nn.Conv2d(space.blocks * c, c, 1, bias=False)

    def forward(self, prev: torch.Tensor, prev_prev: torch.Tensor) -> torch.Tensor:
        inputs = (prev, prev_prev)
        outs = []
        for b, (ia, ib, combine) in enumerate(self.plan):
            a = self.ops[2 * b](inputs[ia])
            c = self.ops[2 * b + 1](inputs[ib])
            outs.append(a + c if combine == "add" else self.merge[b](torch.cat((a, c), 1)))
        return self.project(torch.cat(outs, 1))


class NASNetNetwork(nn.Module):
    """Stem, three stages of cells (C, 2C, 4C) with strided-conv reductions, pool, linear."""

    def __init__(self, space: NASNetSpace, arch: Arch, num_classes: int, channels: int,
                 cells_per_stage: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.stages = nn.ModuleList()
        self.reductions = nn.ModuleList()
        c = channels
        for stage in range(3):
            if stage:
                self.reductions.append(nn.Sequential(nn.ReLU(), nn.Conv2d(c, 2 * c, 3, 2, 1, bias=False),
                                                     nn.BatchNorm2d(2 * c)))
                c *= 2
            self.stages.append(nn.ModuleList(NASNetCell(space, arch, c) for _ in range(cells_per_stage)))
        self.head = nn.Sequential(nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes))

    def forward(self, x: torch.Tensor, *cell_args: torch.Tensor) -> torch.Tensor:
        """``cell_args`` go to every cell (a mixed cell's architecture weights)."""
        x = self.stem(x)
        for stage, cells in enumerate(self.stages):
            if stage:
                x = self.reductions[stage - 1](x)
            prev_prev = x
            for cell in cells:
                x, prev_prev = cell(x, prev_prev, *cell_args), x
        return self.head(x)
