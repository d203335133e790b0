"""`Strategy`: ask for a candidate, tell its fitness. Seeded; rebuilt by replaying its history."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from edgenas.errors import EdgeNASError
from edgenas.spaces import Arch, SearchSpace

__all__ = ["Strategy", "SpaceExhausted", "Feasible", "FitnessFactor"]

Feasible = Callable[[Arch], bool]
FitnessFactor = Callable[[Arch], "float | None"]


class SpaceExhausted(EdgeNASError):
    """The strategy cannot find a new feasible architecture (space or budget of tries used up)."""


class Strategy:
    """Base of all strategies.

    A strategy sees architectures only through ``ask`` (it proposes) and ``tell`` (it learns
    the fitness, higher is better, ``-inf`` for failed or infeasible). It never proposes an
    architecture equivalent to one already asked, nor one that ``feasible`` rejects: hard
    constraints that are cheap to check cost no evaluation. ``fitness_factor``, when the
    objective's cost is cheap too, gives the part of the fitness known before evaluation
    (fitness = unknown part x factor; `Objective.cost_factor`, None where the cost is
    missing), so a model-based strategy can learn the unknown part alone. Given the same
    seed and the same sequence of asks and tells it proposes the same architectures, which
    is how an experiment resumes after a crash.
    """

    name = "strategy"
    #: parameters added after experiments were stored, each with the value that reproduces
    #: the behaviour before it: a stored run without the parameter resumes with that value
    added_params: dict[str, Any] = {}

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None, max_tries: int = 2000) -> None:
        self.space = space
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.feasible = feasible or (lambda arch: True)
        self.fitness_factor = fitness_factor
        self.max_tries = max_tries
        self.seen: set[str] = set()
        self._keys: dict[Arch, str] = {}
        self.pending: set[Arch] = set()
        self.history: list[tuple[Arch, float]] = []
        self.listed: list[Arch] | None = None  # `keep_to`

    def keep_to(self, archs: Sequence[Arch]) -> None:
        """Ask only among ``archs`` (a table of part of the space; ``feasible`` refuses the
        rest): random draws come from them, so the last of a few listed networks is reached,
        not hoped for among the space's samples."""
        self.listed = list(archs)

    def get_params(self) -> dict[str, Any]:
        """Hyper-parameters, stored with the experiment (seed excluded)."""
        return {}

    # -- the protocol -----------------------------------------------------------------
    def ask(self) -> Arch:
        arch = self._propose()
        self.seen.add(self.key(arch))
        self.pending.add(arch)
        return arch

    def tell(self, arch: Arch, fitness: float) -> None:
        self.pending.discard(arch)
        fitness = float(fitness) if not math.isnan(fitness) else -math.inf
        self.history.append((arch, fitness))
        self._learn(arch, fitness)

    @property
    def best(self) -> tuple[Arch, float] | None:
        done = [h for h in self.history if math.isfinite(h[1])]
        return max(done, key=lambda h: h[1]) if done else None

    # -- for subclasses ---------------------------------------------------------------
    def _propose(self) -> Arch:
        raise NotImplementedError

    def _learn(self, arch: Arch, fitness: float) -> None:
        """Update internal state with a result (default: nothing beyond ``history``)."""

    def key(self, arch: Arch) -> str:
        """The space's equivalence key, remembered: a model-guided strategy asks it of the same
        cells and their neighbours at every ask (on NB201 it was a third of an ask's time)."""
        hit = self._keys.get(arch)
        if hit is None:
            if len(self._keys) >= 200_000:  # a bound for spaces far larger than a run visits
                self._keys.clear()
            hit = self._keys[arch] = self.space.equivalence_key(arch)
        return hit

    def is_new(self, arch: Arch) -> bool:
        return self.key(arch) not in self.seen and self.feasible(arch)

    def fresh(self, generate: Callable[[], Arch], tries: int | None = None) -> Arch | None:
        """First new, feasible architecture ``generate`` yields within ``tries`` attempts."""
        for _ in range(self.max_tries if tries is None else tries):
            arch = generate()
            if self.is_new(arch):
                return arch
        return None

    def random_pool(self, n: int) -> list[Arch]:
        """Up to ``n`` random new, feasible architectures, no two equivalent (within ``20 n``
        samples): a pool for a zero-cost ranking before anything is evaluated."""
        pool: dict[str, Arch] = {}
        for _ in range(n * 20):
            if len(pool) == n:
                break
            arch = self._draw()
            key = self.key(arch)
            if key not in pool and self.is_new(arch):
                pool[key] = arch
        return list(pool.values())

    def _draw(self) -> Arch:
        if self.listed is None:
            return self.space.sample(self.rng)
        return self.listed[int(self.rng.integers(len(self.listed)))]

    def random_fresh(self) -> Arch:
        if self.listed is not None:
            left = [arch for arch in self.listed if self.is_new(arch)]
            if not left:
                raise SpaceExhausted(f"{self.name}: every architecture the tables list has been asked")
            return left[int(self.rng.integers(len(left)))]
        arch = self.fresh(lambda: self.space.sample(self.rng))
        if arch is None:
            raise SpaceExhausted(
                f"{self.name}: no new feasible architecture in {self.max_tries} random samples; "
                "the constraints leave (almost) nothing, or the space is exhausted"
            )
        return arch
