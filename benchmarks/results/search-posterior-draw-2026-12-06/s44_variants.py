"""Scratch variant of `guided` tried on 2026-12-06 (session 44): the draw's kernel parameters
(noise share, length scale, prior and linear shares) *sampled* from their posterior over the
grid (weights exp(log marginal likelihood)) instead of the grid's argmax: Thompson sampling over
the model as well as the function, so that where the told cells cannot tell a sharp landscape
from a smooth one the draws explore both. The parents' ranking keeps the fixed-noise argmax.
Registers it, then runs a benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-posterior-draw-2026-12-06/s44_variants.py search_noise_draws.py \
        --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-post
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import DRAW_NOISES, GuidedLocalSearch, _best_fit

BENCHMARKS = Path(__file__).resolve().parents[2]


class PosteriorDrawGuided(GuidedLocalSearch):
    """``temperature``: the posterior's log weights divided by it (1: the posterior itself)."""

    name = "guided-post"

    def __init__(self, *args, temperature: float = 1.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.temperature = float(temperature)

    def get_params(self) -> dict:
        return {**super().get_params(), "temperature": self.temperature}

    def _gp_fits(self, x, y, prior=None, z=None):
        noises = tuple(sorted(set(DRAW_NOISES) | {self.noise}))
        grid, chol, alpha, loglik = self._gp_grid(x, y, prior, z, noises)
        noise = np.array([g[0] for g in grid])
        fixed = _best_fit(grid, chol, alpha, np.where(noise == self.noise, loglik, -np.inf))
        logw = np.where(np.isin(noise, DRAW_NOISES), loglik / self.temperature, -np.inf)
        weights = np.exp(logw - logw.max())
        rng = np.random.default_rng([self.seed, len(self.history)])  # its own stream: the draws' stays
        pick = int(rng.choice(len(grid), p=weights / weights.sum()))
        onehot = np.full(len(grid), -np.inf)
        onehot[pick] = 0.0
        return fixed, _best_fit(grid, chol, alpha, onehot)


STRATEGIES.register("guided-post", replace=True)(PosteriorDrawGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
