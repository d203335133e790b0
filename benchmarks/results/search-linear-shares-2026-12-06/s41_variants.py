"""Scratch variant of `guided` tried on 2026-12-06 (session 41). Registers it, then runs a
benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-linear-shares-2026-12-06/s41_variants.py search_noise_draws.py \
        --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna \
        --strategies guided-lin:top_share=0.75

`guided-lin`: the linear kernel term's share chosen by marginal likelihood from 0, 0.25, 0.5
and ``top_share`` (the default's grid stops at 0.5). On tasks shifted from CIFAR-10 the shift
is additive in the features, so a GP that may lean further on the linear term could find the
shifted top from fewer told cells.
"""

import runpy
import sys
from pathlib import Path

import numpy as np

import edgenas.strategies.guided as guided
from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch

BENCHMARKS = Path(__file__).resolve().parents[2]


class WiderLinearGuided(GuidedLocalSearch):
    name = "guided-lin"

    def __init__(self, *args, top_share: float = 0.75, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.top_share = top_share

    def get_params(self) -> dict:
        return {**super().get_params(), "top_share": self.top_share}

    def _gp_fit(self, x, y, prior=None, z=None):
        """`GuidedLocalSearch._gp_fit` over the wider grid, the squared exponential keeping a
        share of at least 0.1 (prior + linear <= 0.9)."""
        d_xx = guided._distances(x, x)
        lin = guided._dot(z, z)
        best = None
        for share in guided.PRIOR_SHARES if prior is not None else (0.0,):
            for lin_share in (0.0, 0.25, 0.5, self.top_share) if z is not None else (0.0,):
                if share + lin_share > 0.9:
                    continue
                for length in guided.LENGTH_SCALES:
                    kernel = guided._kernel(d_xx, lin, length, share, lin_share, prior, prior)
                    chol = np.linalg.cholesky(kernel + self.noise * np.eye(len(x)))
                    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
                    loglik = -0.5 * y @ alpha - np.log(np.diag(chol)).sum()
                    if best is None or loglik > best[0]:
                        best = (loglik, (length, share, lin_share), chol, alpha)
        return best[1:]


STRATEGIES.register("guided-lin", replace=True)(WiderLinearGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
