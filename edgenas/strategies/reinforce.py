"""REINFORCE with an RNN controller (Zoph & Le): sample choices token by token, learn from
``(R - b) * grad log p``."""

from __future__ import annotations

import math

import torch
from torch import nn

from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, Strategy

__all__ = ["Reinforce", "Controller"]


class Controller(nn.Module):
    """An LSTM that emits one categorical choice per step; each choice feeds the next step."""

    def __init__(self, sizes: list[int], hidden: int = 64, tanh_constant: float = 2.5) -> None:
        super().__init__()
        self.sizes, self.hidden, self.tanh_constant = sizes, hidden, tanh_constant
        self.start = nn.Parameter(torch.zeros(1, hidden))
        self.cell = nn.LSTMCell(hidden, hidden)
        self.embed = nn.ModuleList(nn.Embedding(n, hidden) for n in sizes)
        self.heads = nn.ModuleList(nn.Linear(hidden, n) for n in sizes)

    def forward(self, tokens: list[int] | None = None, generator: torch.Generator | None = None
                ) -> tuple[list[int], torch.Tensor, torch.Tensor]:
        """Sample (``tokens is None``) or score given tokens; returns tokens, log p, entropy."""
        h = c = torch.zeros(1, self.hidden)
        x = self.start
        out, log_p, entropy = [], torch.zeros(()), torch.zeros(())
        for i, head in enumerate(self.heads):
            h, c = self.cell(x, (h, c))
            logits = self.tanh_constant * torch.tanh(head(h)[0])  # bounded logits (ENAS)
            log_probs = torch.log_softmax(logits, -1)
            if tokens is None:
                token = int(torch.multinomial(log_probs.exp(), 1, generator=generator))
            else:
                token = tokens[i]
            out.append(token)
            log_p = log_p + log_probs[token]
            entropy = entropy - (log_probs.exp() * log_probs).sum()
            x = self.embed[i](torch.tensor([token]))
        return out, log_p, entropy


class Reinforce(Strategy):
    """Policy-gradient search: reward = fitness, baseline = its exponential moving average."""

    name = "reinforce"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None,
                 hidden: int = 64, lr: float = 0.02, baseline_decay: float = 0.9,
                 entropy_weight: float = 1e-3) -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        self.hidden, self.lr = hidden, lr
        self.baseline_decay, self.entropy_weight = baseline_decay, entropy_weight
        self.keys = list(space.choices)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.controller = Controller([len(space.choices[k]) for k in self.keys], hidden)
        self.optimizer = torch.optim.Adam(self.controller.parameters(), lr=lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.baseline: float | None = None

    def get_params(self) -> dict:
        return {"hidden": self.hidden, "lr": self.lr, "baseline_decay": self.baseline_decay,
                "entropy_weight": self.entropy_weight}

    def _sample(self) -> Arch:
        with torch.no_grad():
            tokens, _, _ = self.controller(generator=self.generator)
        arch = Arch({k: self.space.choices[k][t] for k, t in zip(self.keys, tokens)})
        return self.space.canonical(arch)

    def _propose(self) -> Arch:
        # a converged policy keeps sampling what it has seen: then explore uniformly
        arch = self.fresh(self._sample, tries=64)
        return arch if arch is not None else self.random_fresh()

    def _learn(self, arch: Arch, fitness: float) -> None:
        if not math.isfinite(fitness):
            return  # a failed evaluation teaches the policy nothing reliable
        if self.baseline is None:
            self.baseline = fitness
        advantage = fitness - self.baseline
        tokens = [self.space.choices[k].index(arch[k]) for k in self.keys]
        _, log_p, entropy = self.controller(tokens)
        loss = -advantage * log_p - self.entropy_weight * entropy
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.baseline = self.baseline_decay * self.baseline + (1 - self.baseline_decay) * fitness
