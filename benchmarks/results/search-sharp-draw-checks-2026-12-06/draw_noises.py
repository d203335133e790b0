"""Scratch diagnostic (session 44): `guided` with the draw's noise shares limited to ``noises``
('0.6/1.0': never sharper than the parents' fit), to see whether the demo limit's cost of
`sharp_draw` comes from the sharpest share. Registers `guided-dn`, then runs a benchmark script:

    python benchmarks/results/search-sharp-draw-checks-2026-12-06/draw_noises.py search_constrained.py \
        --limits 4 --seeds 90 --budgets 50,100 --strategies guided,guided-dn:noises=0.6/1.0
"""

import runpy
import sys
from pathlib import Path

import numpy as np

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch, _best_fit

BENCHMARKS = Path(__file__).resolve().parents[2]


class DrawNoisesGuided(GuidedLocalSearch):
    name = "guided-dn"

    def __init__(self, *args, noises: str = "0.6/1.0", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.noises = noises
        self._draw = tuple(float(v) for v in str(noises).split("/"))

    def get_params(self) -> dict:
        return {**super().get_params(), "noises": self.noises}

    def _gp_fits(self, x, y, prior=None, z=None):
        grid, chol, alpha, loglik = self._gp_grid(x, y, prior, z, tuple(sorted(set(self._draw) | {self.noise})))
        noise = np.array([g[0] for g in grid])
        return (_best_fit(grid, chol, alpha, np.where(noise == self.noise, loglik, -np.inf)),
                _best_fit(grid, chol, alpha, np.where(np.isin(noise, self._draw), loglik, -np.inf)))


STRATEGIES.register("guided-dn", replace=True)(DrawNoisesGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
