"""Auto-DeepLab's network-level search: every path of the resolution trellis at once.

`TrellisSupernet(space)` holds a node for every (layer, rate) that a path can reach, each a
`MixedCell` over the space's eight operations with one ``alpha`` shared by all nodes (the
paper's rule). A node sums, weighted by ``beta``, the cell applied to each of its inputs: the
nodes of the layer before at half, the same and double its rate, brought to its rate and width
by the space's transitions (the cell runs once on the inputs stacked along the batch, so its
batch statistics are those of all its inputs). ``beta`` is normalised over each node's *outgoing* edges (paper eq.
7-8: beta_{s->s/2} + beta_{s->s} + beta_{s->2s} = 1, a softmax over the directions that stay in
the trellis), not over the inputs of a node, and not with the x2/3 border factor one public port
adds. Every rate of the last layer has an ASPP head; their per-pixel outputs are summed.

Decoding: the outgoing betas are transition probabilities between rates, so the most probable
path is found with the Viterbi algorithm (`viterbi`); each cell edge takes its strongest
operation other than ``none``. The result is an `Arch` of `AutoDeepLabSpace` that ``build``
turns into the discrete segmentation network. The search itself is `edgenas.oneshot.darts.
cell_search` with ``method="autodeeplab"``: first-order updates of alpha and beta on the second
half of the training images, frozen for the first half of the epochs (the paper: 20 of 40).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from edgenas.errors import ConfigError
from edgenas.oneshot._search import search_batchnorm
from edgenas.oneshot.darts import MixedCell
from edgenas.spaces import Arch, SearchSpace
from edgenas.spaces.autodeeplab import (
    ADL_OPS,
    RATES,
    REGISTERED_OP,
    ASPPHead,
    AutoDeepLabSpace,
    Transition,
    adl_stem,
    aspp_rate,
    level_channels,
)
from edgenas.spaces.nb201 import EDGES

__all__ = ["TrellisSupernet", "viterbi"]

_MOVES = (-1, 0, 1)  # beta's last axis: to the finer rate, the same, the coarser


def viterbi(log_beta: torch.Tensor, valid: torch.Tensor) -> list[int]:
    """The rate index of every layer on the path of highest summed ``log_beta[layer, from,
    move]`` (moves that ``valid`` allows), starting from rate index 0 before layer 0."""
    layers = log_beta.shape[0]
    score = torch.full((len(RATES),), -torch.inf, dtype=torch.float64)
    score[0] = 0.0
    back = torch.zeros(layers, len(RATES), dtype=torch.long)
    for layer in range(layers):
        new = torch.full_like(score, -torch.inf)
        for src in range(len(RATES)):
            for d, move in enumerate(_MOVES):
                dst = src + move
                if not bool(valid[layer, src, d]) or score[src] == -torch.inf:
                    continue
                value = score[src] + float(log_beta[layer, src, d])
                if value > new[dst]:
                    new[dst], back[layer, dst] = value, src
        score = new
    path = [int(score.argmax())]
    for layer in range(layers - 1, 0, -1):
        path.append(int(back[layer, path[-1]]))
    return path[::-1]


class TrellisSupernet(nn.Module):
    """Every node of the trellis, ``alpha`` (cell edges x ops) and ``beta`` (layers x rates x moves)."""

    def __init__(self, space: SearchSpace, num_classes: int, channels: int = 8, affine: bool = False) -> None:
        super().__init__()
        if not isinstance(space, AutoDeepLabSpace):
            raise ConfigError(f"--method autodeeplab searches the autodeeplab space, not {space.name!r}")
        self.space, self.layers_count = space, space.num_layers
        ops = tuple(REGISTERED_OP[op] for op in ADL_OPS)
        self.stem = adl_stem(channels)
        self.reach = [min(layer + 1, len(RATES) - 1) for layer in range(space.num_layers)]  # deepest rate index
        self.cells = nn.ModuleDict()
        self.transitions = nn.ModuleDict()
        valid = torch.zeros(space.num_layers, len(RATES), len(_MOVES), dtype=torch.bool)
        for layer in range(space.num_layers):
            sources = [0] if layer == 0 else range(self.reach[layer - 1] + 1)
            for dst in range(self.reach[layer] + 1):
                self.cells[f"{layer}_{dst}"] = MixedCell(ops, EDGES, level_channels(channels, dst))
            for src in sources:
                for d, move in enumerate(_MOVES):
                    if 0 <= src + move <= self.reach[layer]:
                        valid[layer, src, d] = True
                        self.transitions[f"{layer}_{src}_{move}"] = Transition(
                            level_channels(channels, src), level_channels(channels, src + move), move)
        size = space.resolution
        self.heads = nn.ModuleList(ASPPHead(level_channels(channels, level), num_classes,
                                            aspp_rate(size // RATES[level]), RATES[level])
                                   for level in range(self.reach[-1] + 1))
        for part in (self.cells, self.transitions):
            search_batchnorm(part, affine)
        search_batchnorm(self.stem, True)
        for head in self.heads:
            search_batchnorm(head, True)
        self.register_buffer("valid", valid, persistent=False)
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(EDGES), len(ops)))
        self.beta = nn.Parameter(1e-3 * torch.randn(space.num_layers, len(RATES), len(_MOVES)))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha, self.beta]

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if name not in ("alpha", "beta")]

    def beta_probabilities(self) -> torch.Tensor:
        """softmax of beta over each node's outgoing moves that stay in the trellis (0 elsewhere)."""
        masked = self.beta.masked_fill(~self.valid, -1e9)
        return torch.softmax(masked, -1) * self.valid

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights, beta = torch.softmax(self.alpha, -1), self.beta_probabilities()
        nodes = {0: self.stem(x)}
        for layer in range(self.layers_count):
            inputs: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {}
            for src, h in nodes.items():
                for d, move in enumerate(_MOVES):
                    if self.valid[layer, src, d]:
                        inputs.setdefault(src + move, []).append(
                            (beta[layer, src, d], self.transitions[f"{layer}_{src}_{move}"](h)))
            nodes = {}
            for dst, terms in inputs.items():  # the node's cell runs once on its inputs stacked along the batch
                outs = self.cells[f"{layer}_{dst}"](torch.cat([h for _, h in terms]), weights).chunk(len(terms))
                nodes[dst] = sum((w * o for (w, _), o in zip(terms, outs)), torch.zeros_like(outs[0]))
        total = None
        for level, h in nodes.items():
            y = self.heads[level](h)
            total = y if total is None else total + y
        assert total is not None
        return total

    def derive(self) -> Arch:
        """The Viterbi path of the outgoing betas and, per edge, the strongest op but ``none``."""
        levels = viterbi(torch.log(self.beta_probabilities().detach().cpu().double().clamp_min(1e-30)),
                         self.valid.cpu())
        alpha = self.alpha.detach().cpu().clone()
        alpha[:, ADL_OPS.index("none")] = -torch.inf
        cell = {f"{i}<-{j}": ADL_OPS[int(k)] for (i, j), k in zip(EDGES, alpha.argmax(-1))}
        return self.space.validate({**{f"rate{i}": RATES[v] for i, v in enumerate(levels)}, **cell})

    def arch_state(self) -> dict[str, Any]:
        """What the history stores per epoch: softmax(alpha) and the normalised betas."""
        return {"alpha": torch.softmax(self.alpha.detach(), -1).cpu().tolist(),
                "beta": self.beta_probabilities().detach().cpu().tolist()}
