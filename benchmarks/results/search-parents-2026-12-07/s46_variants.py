"""Scratch variants of `guided` tried on 2026-12-07 (session 46): which cells the walk climbs
from. On a shifted draw (227 at shift 2.0, seed 1) the default's parents' ranking, the GP's
posterior mean with the synflow prior at share 0.5, kept the best told cell (one 3x3
convolution, which synflow ranks low) out of the parents while 25 queries went to the
neighbours of mediocre cells the prior likes.

* ``guided-pnp``: the parents ranked by a fit without the prior term (the draw keeps it);
* ``guided-tb``: the best told cell always a parent, the rest by the GP's mean.
* ``guided-top``: the candidates drawn from a GP of the best ``keep`` share of the told cells
  (at least 10; their ranks as normal scores again), so that the kernel's shares are chosen
  for telling good cells from better ones, not good from failed; the parents as the default.

* ``guided-opt``: the parents ranked by the GP's optimistic bound at the told cells (posterior
  mean + ``c`` sd, c = 1) instead of its mean: a good cell whose neighbourhood is little
  explored leads the walk before one the model already knows well;
* ``guided-nb``: for the ``k`` (3) asks after a new best told fitness, the candidates are that
  cell's unseen neighbours alone (a hill climber's first look around a new best);
* ``guided-cens``: the GP's targets are the normal scores with the worse half censored at the
  median (then standardised): the model spends itself on the order among good cells.
* ``guided-warp``: the GP's targets are the told values' log distance below the best,
  -log(best - v + d) with d the gap from the best to the 90th percentile (then standardised),
  instead of their ranks' normal scores: near the top the values' own differences count (a
  shifted task's top is where a few points of shift meet), failed cells are compressed.
* ``guided-ae``: the draw's exploration raised to ``stalled_exploration`` (1.0: a full Thompson
  draw) on the GP's asks once the walk has stalled for ``tpe_after`` asks, 0.25 otherwise;
* ``guided-ramp``: the draw's exploration 0.25 + 0.05 per ask since the best told cell, at most 1.

Registers them, then runs a benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-parents-2026-12-07/s46_variants.py search_noise_draws.py \
        --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-pnp
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import DRAW_NOISES, GuidedLocalSearch, _best_fit, normal_scores

BENCHMARKS = Path(__file__).resolve().parents[2]


class _WithParams(GuidedLocalSearch):
    """A variant with parameters of its own (``EXTRA``: name -> default), stored like guided's."""

    EXTRA: dict = {}

    def __init__(self, *args, **kwargs) -> None:
        extra = {key: type(default)(kwargs.pop(key, default)) for key, default in self.EXTRA.items()}
        super().__init__(*args, **kwargs)
        self.__dict__.update(extra)

    def get_params(self) -> dict:
        return {**super().get_params(), **{key: getattr(self, key) for key in self.EXTRA}}


class _Targets(GuidedLocalSearch):
    """A variant whose GP fits ``targets(values)`` instead of the ranks' normal scores."""

    targets = staticmethod(normal_scores)

    def _propose(self):
        from edgenas.strategies import guided

        guided.normal_scores = self.targets
        try:
            return super()._propose()
        finally:
            guided.normal_scores = normal_scores


class NoPriorParents(GuidedLocalSearch):
    name = "guided-pnp"

    def _gp_fits(self, x, y, prior=None, z=None):
        noises = tuple(sorted(set(DRAW_NOISES) | {self.noise}))
        grid, chol, alpha, loglik = self._gp_grid(x, y, prior, z, noises)
        noise = np.array([g[0] for g in grid])
        share = np.array([g[1] for g in grid])
        return (_best_fit(grid, chol, alpha, np.where((noise == self.noise) & (share == 0), loglik, -np.inf)),
                _best_fit(grid, chol, alpha, np.where(np.isin(noise, DRAW_NOISES), loglik, -np.inf)))


class ToldBestParent(GuidedLocalSearch):
    name = "guided-tb"

    def _smoothed(self, order, seen, y, alpha):
        ranked = super()._smoothed(order, seen, y, alpha)
        return [order[0]] + [i for i in ranked if i != order[0]]


class TopGuided(_WithParams):
    name = "guided-top"
    EXTRA = {"keep": 0.5}

    def _gp_fits(self, x, y, prior=None, z=None):
        return self._gp_fit(x, y, prior, z), None

    def _gp_sample(self, x, y, x_cand, prior=None, z=None, fit=None):
        n = max(10, int(round(self.keep * len(y))))
        if n >= len(y):
            return super()._gp_sample(x, y, x_cand, prior, z, self._gp_fit(x, y, None if prior is None else prior[0],
                                                                         None if z is None else z[0], DRAW_NOISES))
        keep = np.sort(np.argsort(-y, kind="stable")[:n])
        y_top = normal_scores(y[keep])
        prior_top = None if prior is None else (prior[0][keep], prior[1])
        z_top = None if z is None else (z[0][keep], z[1])
        fit = self._gp_fit(x[keep], y_top, None if prior is None else prior_top[0], None if z is None else z_top[0],
                           DRAW_NOISES)
        return super()._gp_sample(x[keep], y_top, x_cand, prior_top, z_top, fit)


class OptimisticParents(_WithParams):
    name = "guided-opt"
    EXTRA = {"c": 1.0}

    def _gp_fits(self, x, y, prior=None, z=None):
        fixed, draw = super()._gp_fits(x, y, prior, z)
        self._chol = fixed[1]
        return fixed, draw

    def _smoothed(self, order, seen, y, alpha):
        inv = np.linalg.inv(self._chol)  # L^-1: (K + s I)^-1 = L^-T L^-1
        var = self.noise - self.noise**2 * (inv * inv).sum(0)
        mean = y - self.noise * alpha + self.c * np.sqrt(np.maximum(var, 0))
        ranked = [seen[i] for i in np.argsort(-mean, kind="stable")]
        rest = set(seen)
        return ranked + [i for i in order if i not in rest]


class NewBestNeighbours(_WithParams):
    name = "guided-nb"
    EXTRA = {"k": 3}

    def _candidates(self, ranked, parents_limit):
        best = int(np.argmax([f for _, f in self.history]))
        if len(self.history) - 1 - best < self.k:
            out = super()._candidates([self.history[best][0]], 1)
            if out[0]:
                return out
        return super()._candidates(ranked, parents_limit)


def _censored(values):
    y = normal_scores(values)
    y = np.maximum(y, np.median(y))
    return (y - y.mean()) / max(y.std(), 1e-12)


def _warped(values):
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if finite.sum() < 2:
        return normal_scores(values)
    v = values[finite]
    best = v.max()
    gap = max(best - np.quantile(v, 0.9), 1e-3 * (best - v.min()), 1e-12)
    w = np.full(len(values), 0.0)
    w[finite] = -np.log(best - v + gap)
    w[~finite] = w[finite].min() - 1.0
    return (w - w.mean()) / max(w.std(), 1e-12)


class WarpedGuided(_Targets):
    name = "guided-warp"
    targets = staticmethod(_warped)


class StallExploration(_WithParams):
    name = "guided-ae"
    EXTRA = {"stalled_exploration": 1.0, "ramp": 0.0}

    def _propose(self):
        base = self.exploration
        if len(self.history) >= self.initial:
            best = int(np.argmax([f for _, f in self.history]))
            stalled = len(self.history) - 1 - best
            if self.ramp:
                self.exploration = min(1.0, base + self.ramp * stalled)
            elif stalled >= self.tpe_after:
                self.exploration = self.stalled_exploration
        try:
            return super()._propose()
        finally:
            self.exploration = base


class RampExploration(StallExploration):
    name = "guided-ramp"
    EXTRA = {"stalled_exploration": 1.0, "ramp": 0.05}


class CensoredGuided(_Targets):
    name = "guided-cens"
    targets = staticmethod(_censored)


STRATEGIES.register("guided-opt", replace=True)(OptimisticParents)
STRATEGIES.register("guided-nb", replace=True)(NewBestNeighbours)
STRATEGIES.register("guided-warp", replace=True)(WarpedGuided)
STRATEGIES.register("guided-ae", replace=True)(StallExploration)
STRATEGIES.register("guided-ramp", replace=True)(RampExploration)
STRATEGIES.register("guided-cens", replace=True)(CensoredGuided)
STRATEGIES.register("guided-top", replace=True)(TopGuided)
STRATEGIES.register("guided-pnp", replace=True)(NoPriorParents)
STRATEGIES.register("guided-tb", replace=True)(ToldBestParent)
if __name__ == "__main__":
    sys.path.insert(0, str(BENCHMARKS))
    sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
    runpy.run_path(sys.argv[0], run_name="__main__")
