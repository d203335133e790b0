"""Scratch variant of `guided` tried on 2026-12-06 (session 43): the GP's noise share chosen with
the other kernel parameters by marginal likelihood, from ``noises``, instead of the fixed 0.6.
Registers it, then runs a benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-ml-noise-2026-12-06/s43_variants.py search_noise_draws.py \
        --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-mln
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import (
    LENGTH_SCALES,
    LINEAR_SHARES,
    PRIOR_SHARES,
    GuidedLocalSearch,
    _distances,
    _dot,
    _kernel,
)

BENCHMARKS = Path(__file__).resolve().parents[2]


class MlNoiseGuided(GuidedLocalSearch):
    """The noise share by marginal likelihood (``noises``: '0.3/0.6/1.0'); a share other than
    ``noise`` (0.6) must beat it by ``margin`` nats of log likelihood."""

    name = "guided-mln"

    def __init__(self, *args, noises: str = "0.3/0.6/1.0", margin: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.noises, self.margin = noises, margin
        self._grid = tuple(float(v) for v in str(noises).split("/"))
        self._fit_noise = self.noise

    def get_params(self) -> dict:
        return {**super().get_params(), "noises": self.noises, "margin": self.margin}

    def _gp_fit(self, x, y, prior=None, z=None):
        d_xx = _distances(x, x)
        lin = _dot(z, z)
        best = None
        for noise in self._grid:
            for share in PRIOR_SHARES if prior is not None else (0.0,):
                for lin_share in LINEAR_SHARES if z is not None else (0.0,):
                    for length in LENGTH_SCALES:
                        kernel = _kernel(d_xx, lin, length, share, lin_share, prior, prior)
                        chol = np.linalg.cholesky(kernel + noise * np.eye(len(x)))
                        alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
                        loglik = -0.5 * y @ alpha - np.log(np.diag(chol)).sum()
                        loglik -= 0.0 if noise == self.noise else self.margin  # the default unless clearly worse
                        if best is None or loglik > best[0]:
                            best = (loglik, (length, share, lin_share), chol, alpha, noise)
        self._fit_noise = best[4]
        return best[1:4]

    def _smoothed(self, order, seen, y, alpha):
        mean = y - self._fit_noise * alpha
        ranked = [seen[i] for i in np.argsort(-mean, kind="stable")]
        rest = set(seen)
        return ranked + [i for i in order if i not in rest]


class MlNoiseDrawGuided(MlNoiseGuided):
    """The parents ranked by the GP of the fixed noise share (0.6: a smooth mean resists lucky
    cells), the candidates drawn from a second fit whose noise share marginal likelihood picks
    (as sharp as the task allows)."""

    name = "guided-mlnd"

    def _gp_fit(self, x, y, prior=None, z=None):
        self._fit_noise = self.noise
        return GuidedLocalSearch._gp_fit(self, x, y, prior, z)

    def _gp_sample(self, x, y, x_cand, prior=None, z=None, fit=None):
        told_prior = None if prior is None else prior[0]
        told_z = None if z is None else z[0]
        return super()._gp_sample(x, y, x_cand, prior, z, MlNoiseGuided._gp_fit(self, x, y, told_prior, told_z))


STRATEGIES.register("guided-mln", replace=True)(MlNoiseGuided)
STRATEGIES.register("guided-mlnd", replace=True)(MlNoiseDrawGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
