"""Local search: walk to better neighbours; restart at random from a local optimum."""

from __future__ import annotations

import math

from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, Strategy

__all__ = ["LocalSearch"]


class LocalSearch(Strategy):
    """First-improvement hill climbing over ``space.neighbors`` (one choice changed).

    Each walk starts from the best of ``initial`` random architectures. When a neighbour
    beats the current point the walk moves there and queues that point's neighbours (in a
    seeded random order). When the queue runs dry the point is a local optimum and a new walk
    starts from fresh random samples.
    """

    name = "local"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None,
                 initial: int = 10) -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        if initial < 1:
            raise ValueError(f"initial must be >= 1, got {initial}")
        self.initial = initial
        self.current: tuple[Arch, float] | None = None
        self.batch: list[tuple[Arch, float]] = []
        self.queue: list[Arch] = []

    def get_params(self) -> dict:
        return {"initial": self.initial}

    def _learn(self, arch: Arch, fitness: float) -> None:
        if self.current is None:
            self.batch.append((arch, fitness))
            if len(self.batch) >= self.initial:
                self._move(max(self.batch, key=lambda h: h[1]))
                self.batch = []
        elif math.isfinite(fitness) and fitness > self.current[1]:
            self._move((arch, fitness))

    def _move(self, point: tuple[Arch, float]) -> None:
        self.current = point
        neighbors = self.space.neighbors(point[0])
        self.queue = [neighbors[i] for i in self.rng.permutation(len(neighbors))]

    def _propose(self) -> Arch:
        while self.queue:
            arch = self.queue.pop()
            if self.is_new(arch):
                return arch
        if self.current is not None:  # every neighbour tried: a local optimum; restart
            self.current, self.batch = None, []
        return self.random_fresh()
