"""Scratch variants of `guided` tried on 2026-12-06 (session 35). Registers them, then runs a
benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-tpe-smooth-2026-12-06/s35_variants.py search_noise_draws.py \
        --std 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-tpes
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch, normal_scores

BENCHMARKS = Path(__file__).resolve().parents[2]


class SmoothTpeGuided(GuidedLocalSearch):
    """TPE's move with its good / bad split by the GP's posterior mean at the told cells (the
    order the walk's parents come from), not by the told fitness: on noisy fitness the best
    told cells are partly the luckiest, and the densities learnt from them are too."""

    name = "guided-tpes"

    def _tpe_pick(self, order):
        seen = self._remembered(order)
        told = [self.history[i] for i in seen]
        y = normal_scores(np.array([f for _, f in told]))
        told_x = self.features([a for a, _ in told])
        fit = self._gp_fit(self._standardised(told_x), y, self._prior_of([a for a, _ in told]),
                           self._linear_features(told_x))
        return super()._tpe_pick(self._smoothed(order, seen, y, fit[2]))


class FarTpeGuided(GuidedLocalSearch):
    """TPE's move only where it jumps: its pick differs from each of the ``top`` best told cells
    in at least ``far`` choices; nearer, the GP's move is asked instead (near the walk's top
    the GP's moves land better, and what TPE's moves gain on shifted tasks is reaching another
    basin)."""

    name = "guided-tpefar"

    def __init__(self, *args, far: int = 3, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.far = far

    def get_params(self) -> dict:
        return {**super().get_params(), "far": self.far}

    def _tpe_pick(self, order):
        pick = super()._tpe_pick(order)
        if pick is None:
            return None
        for i in order[: self.top]:
            best = self.history[i][0]
            if sum(pick[k] != best[k] for k in self.space.choices) < self.far:
                return None
        return pick


class TpeParentGuided(GuidedLocalSearch):
    """The best of TPE's told picks joins the walk's parents: its neighbours are candidates of
    the GP's joint draw beside the ``top`` parents' (a TPE jump lands in another basin at a
    cell the GP ranks below the walk's top, so the walk would not climb from it; the draw
    decides whether that basin is worth a move)."""

    name = "guided-tpepar"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._tpe_told: set = set()

    def _tpe_pick(self, order):
        pick = super()._tpe_pick(order)
        if pick is not None:
            self._tpe_told.add(pick)
        return pick

    def _candidates(self, ranked, parents_limit):
        cands, parent = super()._candidates(ranked, parents_limit)
        if not self._tpe_told or self.fitness_factor is not None:
            return cands, parent
        told = {a: f for a, f in self.history}
        best = max((a for a in self._tpe_told if a in told), key=told.get, default=None)
        if best is None or best in ranked[: parents_limit]:
            return cands, parent
        keys = {self.space.equivalence_key(a) for a in cands}
        extra = {}
        for arch in self.space.neighbors(best):
            key = self.space.equivalence_key(arch)
            if self.is_new(arch) and key not in keys:
                extra[key] = arch
        return cands + list(extra.values()), parent + [parents_limit] * len(extra)


STRATEGIES.register("guided-tpepar", replace=True)(TpeParentGuided)
STRATEGIES.register("guided-tpefar", replace=True)(FarTpeGuided)
STRATEGIES.register("guided-tpes", replace=True)(SmoothTpeGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
