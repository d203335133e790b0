"""Regularized (aging) evolution, Real et al. 2019, with optional uniform crossover."""

from __future__ import annotations

from collections import deque

from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, Strategy

__all__ = ["RegularizedEvolution"]


class RegularizedEvolution(Strategy):
    """Start from ``population_size`` random architectures; then repeatedly pick the best of
    ``sample_size`` random members (tournament), mutate one operator or depth choice (or,
    with probability ``crossover_prob``, first cross it with a second tournament winner, each
    choice from one parent), and let the child replace the *oldest* member."""

    name = "evolution"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None,
                 population_size: int = 20, sample_size: int = 5, crossover_prob: float = 0.0) -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        if population_size < 2 or not 1 <= sample_size <= population_size or not 0 <= crossover_prob <= 1:
            raise ValueError(
                f"need population_size >= 2, 1 <= sample_size <= population_size and 0 <= crossover_prob <= 1, "
                f"got {population_size}, {sample_size} and {crossover_prob}"
            )
        self.population_size, self.sample_size = population_size, sample_size
        self.crossover_prob = crossover_prob
        self.population: deque[tuple[Arch, float]] = deque()

    def get_params(self) -> dict:
        return {"population_size": self.population_size, "sample_size": self.sample_size,
                "crossover_prob": self.crossover_prob}

    def _learn(self, arch: Arch, fitness: float) -> None:
        self.population.append((arch, fitness))
        if len(self.population) > self.population_size:
            self.population.popleft()  # aging: the oldest dies, however fit

    def _tournament(self) -> Arch:
        members = list(self.population)
        picks = self.rng.choice(len(members), size=min(self.sample_size, len(members)), replace=False)
        return max((members[i] for i in picks), key=lambda m: m[1])[0]

    def _child(self) -> Arch:
        parent = self._tournament()
        if self.crossover_prob > 0 and self.rng.random() < self.crossover_prob:
            parent = self.space.crossover(parent, self._tournament(), self.rng)
        return self.space.mutate(parent, self.rng)

    def _propose(self) -> Arch:
        if len(self.history) + len(self.pending) < self.population_size or not self.population:
            return self.random_fresh()
        child = self.fresh(self._child, tries=256)
        return child if child is not None else self.random_fresh()
