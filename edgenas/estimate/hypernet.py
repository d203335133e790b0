"""A graph hypernetwork (in the spirit of GHN, Zhang et al.): a GNN over the architecture's
op graph emits the weights of every conv/linear layer of an NB201 network, so an architecture
can be scored with predicted weights and no training of its own.

Graph: one node per parameterised layer (stem, cell convs, reduction convs, classifier). A
cell conv on edge j->i reads node j of its cell, i.e. the sum of every op feeding node j, so it
is connected to those ops (or, for node 0, to whatever produced the cell input). Node features
are the op type, the layer's shape and its stage. Message passing runs in topological order
(forward then backward), then shared MLP decoders map each node's embedding to its weight
tensor. BN layers keep their identity affine parameters and use batch statistics.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from edgenas.data import Dataset
from edgenas.errors import ConfigError
from edgenas.estimate._base import Evaluator
from edgenas.spaces import Arch, NB201Space, SearchSpace
from edgenas.spaces._layers import get_op

__all__ = ["OpGraph", "op_graph", "GraphHyperNetwork", "HyperNetEvaluator", "train_hypernet"]

TYPES = ("stem", "nor_conv_1x1", "nor_conv_3x3", "reduce_a", "reduce_b", "reduce_skip", "classifier")


@dataclass
class OpGraph:
    names: list[str]  # parameter names (".weight") of the layers, in topological order
    types: list[int]
    shapes: list[tuple[int, ...]]
    stages: list[int]
    preds: list[list[int]]


def op_graph(space: SearchSpace, arch: Arch, model: nn.Module, **build: Any) -> OpGraph:
    """The op graph of ``model = space.build(arch, **build)``, read from the space's layer
    description: each op says which of its weights feed which (`Op.graph`), so no parameter
    path is spelled here. A layer's stage is how often the resolution has halved at its
    output; the classifier's is one more."""
    params = dict(model.named_parameters())
    layers = space.layers(arch, **build)
    if getattr(model, "slots", None) != [layer.slot for layer in layers]:
        raise ConfigError("op_graph: the model was not built from this architecture with these build arguments")
    prefixes = [f"features.{i}" for i in range(len(layers) - 1)] + ["classifier"]
    base = layers[0].input_shape[-1]
    g = OpGraph([], [], [], [], [])
    frontier: list[int] = []  # graph nodes producing the current tensor
    stage = 0
    for i, (layer, prefix) in enumerate(zip(layers, prefixes)):
        stage = stage + 1 if i == len(layers) - 1 else int(round(np.log2(base / layers[i + 1].input_shape[-1])))
        nodes, outputs = get_op(layer.op).graph(**layer.kwargs)
        local: list[int] = []
        for name, kind, reads in nodes:
            if kind not in TYPES:
                raise ConfigError(f"the hypernetwork has no embedding for layer kind {kind!r} (knows {', '.join(TYPES)})")
            full = f"{prefix}.{name}"
            if full not in params:
                raise ConfigError(f"op_graph: {layer.op} declares weight {name!r}, which the built module lacks")
            g.names.append(full)
            g.types.append(TYPES.index(kind))
            g.shapes.append(tuple(params[full].shape))
            g.stages.append(stage)
            g.preds.append([p for r in reads for p in (frontier if r == -1 else [local[r]])])
            local.append(len(g.names) - 1)
        frontier = [p for o in outputs for p in (frontier if o == -1 else [local[o]])] or frontier
    return g


class GraphHyperNetwork(nn.Module):
    """Embeds the op graph, propagates messages, decodes each layer's weights."""

    def __init__(self, channels: int, num_classes: int, hidden: int = 64, rounds: int = 2) -> None:
        super().__init__()
        self.max_c = 4 * channels
        self.num_classes, self.hidden, self.rounds = num_classes, hidden, rounds
        self.type_embed = nn.Embedding(len(TYPES), hidden)
        self.stage_embed = nn.Embedding(5, hidden)
        self.shape_proj = nn.Linear(4, hidden)
        self.forward_cell = nn.GRUCell(hidden, hidden)
        self.backward_cell = nn.GRUCell(hidden, hidden)
        c = self.max_c
        self.decoders = nn.ModuleDict({
            "k1": nn.Sequential(nn.Linear(hidden, 128), nn.ReLU(), nn.Linear(128, c * c)),
            "k3": nn.Sequential(nn.Linear(hidden, 128), nn.ReLU(), nn.Linear(128, c * c * 9)),
            "fc": nn.Sequential(nn.Linear(hidden, 128), nn.ReLU(), nn.Linear(128, num_classes * c)),
        })

    def _propagate(self, g: OpGraph) -> list[torch.Tensor]:
        shapes = torch.tensor([[s[0] / self.max_c, s[1] / self.max_c, (s[2] if len(s) > 2 else 1) / 3, 1.0]
                               for s in g.shapes])
        h = (self.type_embed(torch.tensor(g.types)) + self.stage_embed(torch.tensor(g.stages))
             + self.shape_proj(shapes))
        states = list(h.unbind(0))
        succs: list[list[int]] = [[] for _ in states]
        for v, preds in enumerate(g.preds):
            for u in preds:
                succs[u].append(v)
        for _ in range(self.rounds):
            for v in range(len(states)):  # topological order: messages from predecessors
                if g.preds[v]:
                    msg = torch.stack([states[u] for u in g.preds[v]]).mean(0)
                    states[v] = self.forward_cell(msg[None], states[v][None])[0]
            for v in reversed(range(len(states))):  # and back from successors
                if succs[v]:
                    msg = torch.stack([states[u] for u in succs[v]]).mean(0)
                    states[v] = self.backward_cell(msg[None], states[v][None])[0]
        return states

    def forward(self, g: OpGraph) -> dict[str, torch.Tensor]:
        """Predicted weight for every parameter name of the graph."""
        c = self.max_c
        out = {}
        for name, shape, state in zip(g.names, g.shapes, self._propagate(g)):
            if len(shape) == 2:  # classifier (num_classes, C)
                w = self.decoders["fc"](state).view(self.num_classes, c)[: shape[0], : shape[1]]
            elif shape[-1] == 1:
                w = self.decoders["k1"](state).view(c, c, 1, 1)[: shape[0], : shape[1]]
            else:
                w = self.decoders["k3"](state).view(c, c, 3, 3)[: shape[0], : shape[1]]
            fan_in = float(np.prod(shape[1:]))
            out[name] = w * (2.0 / fan_in) ** 0.5  # He-scaled, so deep nets stay well-conditioned
        return out


def _predicted_forward(model: nn.Module, weights: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    model.train()  # BN uses batch statistics: no running statistics were ever learnt
    return torch.func.functional_call(model, weights, (x,), strict=False)


def train_hypernet(space: NB201Space, data: Dataset, *, steps: int = 300, channels: int = 8, cells: int = 1,
                   batch_size: int = 64, lr: float = 1e-3, archs_per_step: int = 4,
                   seed: int = 0) -> tuple[GraphHyperNetwork, list[float]]:
    """Train on randomly sampled architectures: predicted weights -> task loss -> backprop.

    Each step averages the loss of ``archs_per_step`` architectures (a meta-batch, as GHN-2
    does): one architecture per step makes the gradient mostly about that architecture, and the
    hypernetwork then fits the last few it saw instead of the space. Cosine-decayed learning rate.
    """
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng(devices=[]):  # seeded, without touching the caller's RNG
        torch.manual_seed(seed)
        hyper = GraphHyperNetwork(channels, data.num_classes)
        opt = torch.optim.Adam(hyper.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
        losses = []
        gen = torch.Generator().manual_seed(seed)
        for _ in range(steps):
            opt.zero_grad()
            total = 0.0
            for _ in range(archs_per_step):
                arch = space.sample(rng)
                model = space.build(arch, num_classes=data.num_classes, channels=channels, cells=cells)
                idx = torch.randint(0, len(data.x_train), (batch_size,), generator=gen)
                graph = op_graph(space, arch, model, num_classes=data.num_classes, channels=channels, cells=cells)
                logits = _predicted_forward(model, hyper(graph), data.x_train[idx])
                loss = F.cross_entropy(logits, data.y_train[idx]) / archs_per_step
                loss.backward()
                total += float(loss.detach())
            opt.step()
            schedule.step()
            losses.append(total)
    return hyper, losses


class HyperNetEvaluator(Evaluator):
    """Validation accuracy (%) and cross-entropy of an architecture with hypernetwork-predicted
    weights. The loss ranks finer than the accuracy of a small validation set (no ties)."""

    metrics = ("hyper_accuracy", "hyper_loss", "seconds")

    def __init__(self, space: NB201Space, hyper: GraphHyperNetwork, data: Dataset, channels: int = 8,
                 cells: int = 1, seed: int = 0) -> None:
        self.space, self.hyper, self.data, self.channels, self.cells = space, hyper, data, channels, cells
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        return {"type": "HyperNetEvaluator", "channels": self.channels, "cells": self.cells, "seed": self.seed}

    def evaluate(self, arch: Arch) -> dict[str, float]:
        start = time.perf_counter()
        with torch.random.fork_rng(devices=[]):  # the layers it does not predict (biases) are seeded
            torch.manual_seed(self.seed)
            model = self.space.build(arch, num_classes=self.data.num_classes, channels=self.channels, cells=self.cells)
        with torch.no_grad():
            weights = self.hyper(op_graph(self.space, arch, model, num_classes=self.data.num_classes,
                                          channels=self.channels, cells=self.cells))
            logits = _predicted_forward(model, weights, self.data.x_val)
        acc = float((logits.argmax(1) == self.data.y_val).float().mean())
        loss = float(F.cross_entropy(logits, self.data.y_val))
        return {"hyper_accuracy": 100 * acc, "hyper_loss": loss if np.isfinite(loss) else float("inf"),
                "seconds": time.perf_counter() - start}
