"""Scratch variant of `guided` (session 42): beside the local moves, the candidates include the
``pool`` cells best by the GP's posterior mean among ``size`` random cells drawn once per run
(their own seeded generator, so the walk's random stream is the default's). The prior and the
linear term make the mean informative far from the told cells: where the prior's good cells
meet an additive shift the told cells show, possibly several moves away. Registers
`guided-gpool`, then runs a benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-global-pool-2026-12-06/s42_variants.py search_noise_draws.py \
        --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-gpool:pool=16
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch, normal_scores

BENCHMARKS = Path(__file__).resolve().parents[2]


class GlobalPoolGuided(GuidedLocalSearch):
    name = "guided-gpool"

    def __init__(self, *args, pool: int = 16, size: int = 1000, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool, self.size = pool, size
        self._cells = None

    def get_params(self) -> dict:
        return {**super().get_params(), "pool": self.pool, "size": self.size}

    def _global(self) -> list:
        if self._cells is None:
            rng = np.random.default_rng([self.seed, 4242])
            cells = {}
            for _ in range(self.size * 20):
                if len(cells) == self.size:
                    break
                arch = self.space.sample(rng)
                cells.setdefault(self.space.equivalence_key(arch), arch)
            self._cells = list(cells.items())
        return [(k, a) for k, a in self._cells if k not in self.seen and self.feasible(a)]

    def _candidates(self, ranked, parents_limit):
        cands, parent = super()._candidates(ranked, parents_limit)
        if self.fitness_factor is not None or not cands or self.pool == 0:
            return cands, parent
        local = {self.space.equivalence_key(c) for c in cands}
        pool = [a for k, a in self._global() if k not in local]
        if not pool:
            return cands, parent
        order = sorted(range(len(self.history)), key=lambda i: -self.history[i][1])
        told = [self.history[i] for i in self._remembered(order)]
        y = normal_scores(np.array([f for _, f in told]))
        raw = self.features([a for a, _ in told] + pool)
        x = self._standardised(raw, rows=len(told))
        z = self._linear_features(raw, rows=len(told))
        told_prior = self._prior_of([a for a, _ in told])
        fit = self._gp_fit(x[: len(told)], y, told_prior, None if z is None else z[: len(told)])
        from edgenas.strategies.guided import _distances, _dot, _kernel

        (length, share, lin_share), _, alpha = fit
        k_star = _kernel(_distances(x[len(told):], x[: len(told)]),
                         _dot(None if z is None else z[len(told):], None if z is None else z[: len(told)]),
                         length, share, lin_share, None if told_prior is None else self._prior_of(pool), told_prior)
        mean = k_star @ alpha
        best = np.argsort(-mean, kind="stable")[: self.pool]
        return cands + [pool[i] for i in best], parent + [parents_limit] * len(best)


STRATEGIES.register("guided-gpool", replace=True)(GlobalPoolGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
