"""Zero-shot warm start: a proxy ranks a pool of candidates for free, the best are evaluated
first, then local search continues from the best of them."""

from __future__ import annotations

from collections.abc import Sequence

from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, Strategy
from edgenas.strategies.local import LocalSearch

__all__ = ["ProxyWarmStart"]


class ProxyWarmStart(Strategy):
    """Score ``pool`` random architectures with zero-cost ``proxy`` (no training, no table
    query), ask for the ``top`` best first, then hand over to local search started from them."""

    name = "warm-local"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None,
                 proxy: str = "params", pool: int = 200, top: int = 10, data: str = "digits") -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        self.proxy, self.pool, self.top, self.data = proxy, pool, top, data
        self.inner = LocalSearch(space, seed=seed, feasible=feasible, initial=top)
        self.queue: list[Arch] | None = None

    def get_params(self) -> dict:
        return {"proxy": self.proxy, "pool": self.pool, "top": self.top, "data": self.data}

    def keep_to(self, archs: Sequence[Arch]) -> None:
        super().keep_to(archs)
        self.inner.keep_to(archs)

    def _rank_pool(self) -> list[Arch]:
        from edgenas.estimate.proxies import ProxyEvaluator

        evaluator = ProxyEvaluator(self.space, [self.proxy], data=self.data, seed=self.seed)
        candidates = self.random_pool(self.pool)
        scores = [evaluator.evaluate(a)[self.proxy] for a in candidates]
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [candidates[i] for i in order[: self.top]][::-1]

    def _propose(self) -> Arch:
        if self.queue is None:
            self.queue = self._rank_pool()
        while self.queue:
            arch = self.queue.pop()
            if self.is_new(arch):
                self.inner.seen.add(self.key(arch))
                return arch
        arch = self.inner.ask()
        return arch

    def tell(self, arch: Arch, fitness: float) -> None:
        super().tell(arch, fitness)
        self.inner.tell(arch, fitness)
