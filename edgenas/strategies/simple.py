"""Grid search (the Cartesian product, in order) and random search (uniform, no repeats)."""

from __future__ import annotations

from collections.abc import Iterator

from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, SpaceExhausted, Strategy

__all__ = ["GridSearch", "RandomSearch"]


class GridSearch(Strategy):
    """Every distinct feasible architecture once, in the space's grid order."""

    name = "grid"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None) -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        self._grid: Iterator[Arch] = space.grid()

    def _propose(self) -> Arch:
        for arch in self._grid:
            if self.is_new(arch):
                return arch
        raise SpaceExhausted("grid: every feasible architecture has been asked")


class RandomSearch(Strategy):
    """Uniform samples from the space, skipping repeats and infeasible ones."""

    name = "random"

    def _propose(self) -> Arch:
        return self.random_fresh()
