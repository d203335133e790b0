"""Scratch variants of `guided` tried on 2026-12-05 (session 26), kept with their logs; neither
kept. Registers them, then runs a benchmark script with the remaining arguments, e.g.

    python benchmarks/results/noise-draws-2026-12-05/s26_variants.py search_nb201.py --tables T --no-optuna \
        --strategies guided,guided-mix:told=1,guided-pool:pool=32
"""

import runpy
import sys
from pathlib import Path

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch

BENCHMARKS = Path(__file__).resolve().parents[2]


class MixGuided(GuidedLocalSearch):
    """Parents: the GP-smoothed order with the ``told`` best told cells moved to its front."""

    name = "guided-mix"

    def __init__(self, *args, told: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.told = told

    def get_params(self) -> dict:
        return {**super().get_params(), "told": self.told}

    def _smoothed(self, order, seen, y, x):
        front = order[: self.told]
        return front + [i for i in super()._smoothed(order, seen, y, x) if i not in front]


class PoolGuided(GuidedLocalSearch):
    """Candidates: the neighbours of the parents plus ``pool`` random new cells per ask."""

    name = "guided-pool"

    def __init__(self, *args, pool: int = 32, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool

    def get_params(self) -> dict:
        return {**super().get_params(), "pool": self.pool}

    def _candidates(self, ranked, parents_limit):
        cands, parent = super()._candidates(ranked, parents_limit)
        if self.fitness_factor is not None or not cands or self.pool == 0:
            return cands, parent
        keys = {self.space.equivalence_key(a) for a in cands}
        extra = [a for a in self.random_pool(self.pool) if self.space.equivalence_key(a) not in keys]
        return cands + extra, parent + [parents_limit] * len(extra)


STRATEGIES.register("guided-mix", replace=True)(MixGuided)
STRATEGIES.register("guided-pool", replace=True)(PoolGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
