"""Scratch variants of `guided` tried on 2026-12-07 (session 47): a global Thompson pick from a
Bayesian linear model of the features.

`bound.py` (this folder) found that on the shifted draws a Bayesian linear model of the cells'
features alone (no prior, its scales by marginal likelihood), asking the argmax of one posterior
draw over all classes, reaches about half of guided's regret at 50 queries at shift 2.0, and is
much worse than guided on noisy CIFAR-10 draws (whose top is not additive). TPE's per-choice
densities, the default's hedge once the walk stalls, are an additive model too, but of which
choices the good cells share, not of how much each choice adds.

* ``guided-lin``: the hedge's move (every second ask once the walk has stalled ``tpe_after``
  asks) is the linear Thompson pick instead of TPE's;
* ``guided-lin3``: every third ask after the initial ones is a linear Thompson pick (the TPE
  hedge as the default's otherwise); ``guided-lin2``, ``guided-lin4`` every second, fourth;
  ``guided-lin1`` every ask (the linear model alone, `bound.py`'s `blind` on cells).
* ``guided-linNb`` (N = 1-4): the same, the prior's column under a broad prior (variance 100)
  rather than the grid's: `bound.py`'s `synflow-free`, which alone halved guided's regret at 50
  queries on shifted draws 100-105; ``guided-linNbr``: and its targets the told fitnesses
  (standardised; failed cells at the worst told value) as `bound.py`'s, not their normal scores.

* ``guided-ps``: no linear pick; the GP's prior share up to 0.75 and prior plus linear shares up
  to 1 (the squared exponential's share down to 0).

* ``guided-sel``: each ask the linear pick (``guided-lin1b``'s model) where its log marginal
  likelihood of the told cells' standardised normal scores beats the default GP's (the draw's
  grid), else the default's ask.

The linear pick (`_linear_pick`): features as the GP's (one-hot choices and structure
features) standardised over the told cells, every column weighing the same, plus the prior's
score where there is one; targets the told fitnesses' normal scores; prior weight variance and
noise variance by marginal likelihood on a grid; one draw of the weights; the candidates are
``pool`` random cells drawn once per run (their own generator) and the unseen ones among them
climbed greedily by neighbours under the drawn function; the best new one is asked.

    python benchmarks/results/search-linear-thompson-2026-12-07/s47_variants.py search_noise_draws.py \
        --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-lin
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies import guided as guided_module
from edgenas.strategies.guided import GuidedLocalSearch, normal_scores

BENCHMARKS = Path(__file__).resolve().parents[2]
SCALES = [(t, s) for t in (0.003, 0.01, 0.03, 0.1, 0.3) for s in (0.1, 0.3, 0.6, 1.0)]


class LinearHedge(GuidedLocalSearch):
    name = "guided-lin"
    POOL = 1000
    RAW = False  # the told fitnesses themselves (standardised), not their ranks' normal scores
    BROAD = False  # the prior's column under a broad prior (variance 100), not the grid's

    def _pool(self):
        if not hasattr(self, "_pool_cells"):
            rng = np.random.default_rng([self.seed, 47])
            self._pool_cells = [self.space.sample(rng) for _ in range(self.POOL)]
        return self._pool_cells

    def _linear_pick(self):
        told = [a for a, _ in self.history]
        fitness = np.array([f for _, f in self.history])
        y = normal_scores(fitness) if not self.RAW else np.where(np.isfinite(fitness), fitness, np.nanmin(
            np.where(np.isfinite(fitness), fitness, np.nan)))
        pool = [a for a in self._pool() if self.is_new(a)]
        if not pool:
            return None
        raw = self.features(told + pool)
        x = self._standardised(raw, weighted=False, rows=len(told))
        if self._prior is not None:
            p = self._prior_of(told + pool)
            x = np.hstack([x, ((p - p[: len(told)].mean()) / (p[: len(told)].std() + 1e-9))[:, None]])
        xt = x[: len(told)]
        yc = (y - y.mean()) / (y.std() + 1e-9)
        best = None
        broad = np.zeros(x.shape[1], dtype=bool)
        broad[-1] = self._prior is not None and self.BROAD
        for tau2, s2 in SCALES:
            k = tau2 * xt[:, ~broad] @ xt[:, ~broad].T + 100.0 * xt[:, broad] @ xt[:, broad].T
            chol = np.linalg.cholesky(k + s2 * np.eye(len(yc)))
            alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, yc))
            ll = -0.5 * yc @ alpha - np.log(np.diag(chol)).sum()
            if best is None or ll > best[0]:
                best = (ll, tau2, s2)
        self.linear_evidence = best[0]
        _, tau2, s2 = best
        cov = np.linalg.inv(xt.T @ xt / s2 + np.diag(np.where(broad, 1 / 100.0, 1 / tau2)))
        cov = (cov + cov.T) / 2
        w = self.rng.multivariate_normal(cov @ xt.T @ yc / s2, cov)
        ref_mean, ref_scale, keep = self._scaling(raw[: len(told)])

        def score(archs):
            r = self.features(archs)
            z = (r[:, keep] - ref_mean) / ref_scale
            if self._prior is not None:
                p = self._prior_of(archs)
                z = np.hstack([z, ((p - self._p_mean) / self._p_scale)[:, None]])
            return z @ w

        if self._prior is not None:
            pt = self._prior_of(told)
            self._p_mean, self._p_scale = pt.mean(), pt.std() + 1e-9
        s = score(pool)
        starts = [pool[i] for i in np.argsort(-s)[:5]]
        found, found_score = None, -np.inf
        for arch in starts:
            current, current_score = arch, float(score([arch])[0])
            for _ in range(20):
                nbrs = [a for a in self.space.neighbors(current) if self.feasible(a)]
                if not nbrs:
                    break
                ns = score(nbrs)
                i = int(np.argmax(ns))
                if ns[i] <= current_score:
                    break
                current, current_score = nbrs[i], float(ns[i])
            if self.is_new(current) and current_score > found_score:
                found, found_score = current, current_score
            elif self.is_new(arch) and float(score([arch])[0]) > found_score:
                found, found_score = arch, float(score([arch])[0])
        return found

    def _scaling(self, ref):
        scale = ref.std(axis=0)
        keep = scale > 1e-9
        return ref[:, keep].mean(axis=0), scale[keep], keep

    def _tpe_pick(self, order):
        return self._linear_pick()


class LinearEvery(LinearHedge):
    name = "guided-lin3"
    EVERY = 3

    def _propose(self):
        n = len(self.history)
        if n >= self.initial and (n - self.initial) % self.EVERY == self.EVERY - 1:
            pick = self._linear_pick()
            if pick is not None:
                return pick
        return GuidedLocalSearch._propose(self)

    def _tpe_pick(self, order):
        return GuidedLocalSearch._tpe_pick(self, order)


class LargerShares(GuidedLocalSearch):
    """The GP's prior share up to 0.75 and the prior and linear shares together up to 1 (the
    squared exponential's share down to 0: the kernel the linear model's); the default's grid
    stops at 0.5 each."""

    name = "guided-ps"
    SHARES = (0.0, 0.25, 0.5, 0.75)

    def _grid(self, has_prior, has_linear, noises):
        return [(noise, share, lin_share, length) for noise in noises
                for share in (self.SHARES if has_prior else (0.0,))
                for lin_share in (guided_module.LINEAR_SHARES if has_linear else (0.0,))
                for length in guided_module.LENGTH_SCALES if share + lin_share <= 1.0]


class SelectByEvidence(LinearHedge):
    """Each ask, the linear model (``guided-lin1b``'s) or the default's GP walk, whichever has the
    higher log marginal likelihood of the told cells' standardised normal scores: the linear
    model's pick where the task looks additive, the walk where it does not."""

    name = "guided-sel"
    BROAD = True

    def _gp_evidence(self):
        told = [a for a, _ in self.history]
        y = normal_scores(np.array([f for _, f in self.history]))
        y = (y - y.mean()) / (y.std() + 1e-9)
        raw = self.features(told)
        grid, chol, alpha, loglik = self._gp_grid(self._standardised(raw), y, self._prior_of(told),
                                                  self._linear_features(raw), guided_module.DRAW_NOISES)
        return float(loglik.max())

    def _propose(self):
        if len(self.history) >= self.initial:
            pick = self._linear_pick()
            if pick is not None and self.linear_evidence > self._gp_evidence():
                self.linear_asks = getattr(self, "linear_asks", 0) + 1
                return pick
        return GuidedLocalSearch._propose(self)

    def _tpe_pick(self, order):
        return GuidedLocalSearch._tpe_pick(self, order)


STRATEGIES.register("guided-sel", replace=True)(SelectByEvidence)
STRATEGIES.register("guided-ps", replace=True)(LargerShares)
STRATEGIES.register("guided-lin", replace=True)(LinearHedge)
STRATEGIES.register("guided-lin3", replace=True)(LinearEvery)
for _every in (1, 2, 3, 4):
    STRATEGIES.register(f"guided-lin{_every}", replace=True)(
        type(f"LinearEvery{_every}", (LinearEvery,), {"name": f"guided-lin{_every}", "EVERY": _every}))
    STRATEGIES.register(f"guided-lin{_every}b", replace=True)(
        type(f"LinearEvery{_every}b", (LinearEvery,), {"name": f"guided-lin{_every}b", "EVERY": _every, "BROAD": True}))
    STRATEGIES.register(f"guided-lin{_every}br", replace=True)(
        type(f"LinearEvery{_every}br", (LinearEvery,), {"name": f"guided-lin{_every}br", "EVERY": _every, "BROAD": True,
                                                        "RAW": True}))
if __name__ == "__main__":
    sys.path.insert(0, str(BENCHMARKS))
    sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
    runpy.run_path(sys.argv[0], run_name="__main__")
