"""The NASNet cell space as a DARTS supernet: two inputs per block, top-1 per input slot.

A NASNet block picks, for each of its two slots, an input (the cell's two inputs: the previous
cell and the one before) and an operation, then a combiner. `MixedNASNetCell` relaxes all of it:
each slot is a softmax over every (input, operation) pair, ``alpha_slot[block, slot, input * M +
op]``, and each block's combiner a softmax over add and concat (``alpha_combine``). Deriving
keeps, per slot, the strongest (input, op) pair -- the block's two strongest incoming edges, one
per slot (DARTS keeps the top-2 predecessors of a node; here the slots make it top-1 twice, and
both slots may read the same input, as the space allows) -- and the stronger combiner: an `Arch`
of `NASNetSpace` that ``build`` turns into the network. The search network is the space's own
network (stem, three stages with strided reductions, head) with every cell mixed and one set
of architecture parameters shared by all cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from edgenas.errors import ConfigError
from edgenas.oneshot._search import search_batchnorm
from edgenas.spaces import Arch, NASNetSpace
from edgenas.spaces.nasnet import NASNetNetwork, make_op

__all__ = ["MixedNASNetCell", "NASNetSupernet"]


class MixedNASNetCell(nn.Module):
    """Every (slot, input, op) of every block, a mixed combiner, the space's 1x1 projection."""

    def __init__(self, ops: tuple[str, ...], blocks: int, c: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.ModuleList(nn.ModuleList(nn.ModuleList(make_op(op, c) for op in ops) for _ in range(2))
                          for _ in range(2))
            for _ in range(blocks))
        self.merge = nn.ModuleList(nn.Conv2d(2 * c, c, 1, bias=False) for _ in range(blocks))
        self.project = nn.Conv2d(blocks * c, c, 1, bias=False)

    def forward(self, prev: torch.Tensor, prev_prev: torch.Tensor, slot: torch.Tensor,
                combine: torch.Tensor) -> torch.Tensor:
        inputs = (prev, prev_prev)
        outs = []
        for b, block in enumerate(self.blocks):
            results = []
            for s, by_input in enumerate(block):
                total: torch.Tensor | float = 0.0
                for i, ops in enumerate(by_input):
                    for o, op in enumerate(ops):
                        total = total + slot[b, s, i * len(ops) + o] * op(inputs[i])
                results.append(total)
            a, c = results
            outs.append(combine[b, 0] * (a + c) + combine[b, 1] * self.merge[b](torch.cat((a, c), 1)))
        return self.project(torch.cat(outs, 1))


class NASNetSupernet(NASNetNetwork):
    """The space's network with mixed cells; ``alpha_slot`` (blocks x 2 x 2M) and
    ``alpha_combine`` (blocks x 2) are shared by all cells."""

    def __init__(self, space: NASNetSpace, num_classes: int = 10, affine: bool = False, channels: int = 16,
                 cells: int = 2) -> None:
        if tuple(space.combiners) != ("add", "concat"):
            raise ConfigError("differentiable nasnet search mixes both combiners; build the space with "
                              "combiners add and concat")
        super().__init__(space, space.sample(np.random.default_rng(0)), num_classes, channels, cells)
        self.space = space
        widths = [channels * 2 ** stage for stage in range(3)]
        self.stages = nn.ModuleList(nn.ModuleList(MixedNASNetCell(space.ops_, space.blocks, c) for _ in range(cells))
                                    for c in widths)
        search_batchnorm(self.stages, affine)
        search_batchnorm(self.stem, True)
        search_batchnorm(self.reductions, True)
        m = len(space.ops_)
        self.alpha_slot = nn.Parameter(1e-3 * torch.randn(space.blocks, 2, 2 * m))
        self.alpha_combine = nn.Parameter(1e-3 * torch.randn(space.blocks, 2))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha_slot, self.alpha_combine]

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if not name.startswith("alpha_")]

    def forward(self, x: torch.Tensor, slot: torch.Tensor | None = None,
                combine: torch.Tensor | None = None) -> torch.Tensor:
        """The softmax mixture, or given (one-hot) weights for one cell of the space."""
        slot = torch.softmax(self.alpha_slot, -1) if slot is None else slot
        combine = torch.softmax(self.alpha_combine, -1) if combine is None else combine
        return super().forward(x, slot, combine)

    def one_hot(self, arch: Arch) -> tuple[torch.Tensor, torch.Tensor]:
        """The weights under which the mixture computes ``arch``'s cell."""
        arch = self.space.validate(arch)
        m = len(self.space.ops_)
        slot, combine = torch.zeros_like(self.alpha_slot), torch.zeros_like(self.alpha_combine)
        for b in range(self.space.blocks):
            for s, name in enumerate("ab"):
                slot[b, s, int(arch[f"b{b}_in_{name}"]) * m + self.space.ops_.index(arch[f"b{b}_op_{name}"])] = 1
            combine[b, self.space.combiners.index(arch[f"b{b}_combine"])] = 1
        return slot, combine

    def derive(self) -> Arch:
        m = len(self.space.ops_)
        picks = self.alpha_slot.detach().argmax(-1).cpu()
        merge = self.alpha_combine.detach().argmax(-1).cpu()
        choices: dict[str, Any] = {}
        for b in range(self.space.blocks):
            for s, name in enumerate("ab"):
                choices[f"b{b}_in_{name}"] = int(picks[b, s]) // m
                choices[f"b{b}_op_{name}"] = self.space.ops_[int(picks[b, s]) % m]
            choices[f"b{b}_combine"] = self.space.combiners[int(merge[b])]
        return self.space.validate(choices)

    def arch_state(self) -> dict[str, Any]:
        return {"alpha_slot": torch.softmax(self.alpha_slot.detach(), -1).cpu().tolist(),
                "alpha_combine": torch.softmax(self.alpha_combine.detach(), -1).cpu().tolist()}
