"""Scratch variant of `guided` tried on 2026-12-06 (session 37). Registers it, then runs a
benchmark script with the remaining arguments, e.g.

    python benchmarks/results/search-tpe-late-2026-12-06/s37_variants.py search_noise_draws.py \
        --std 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-late:tpe_from=40

`guided-late`: TPE's moves (`tpe_after`) only once ``tpe_from`` cells are told. On fresh noisy
draws the hedge cost 0.085 at 50 queries and on shifted ones it gained at 100 queries, not at 50:
held back to the second half of a 50-query budget, it might keep the gain and shed the cost.
"""

import runpy
import sys
from pathlib import Path

from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch

BENCHMARKS = Path(__file__).resolve().parents[2]


class LateTpeGuided(GuidedLocalSearch):
    name = "guided-late"

    def __init__(self, *args, tpe_from: int = 40, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tpe_from = tpe_from

    def get_params(self) -> dict:
        return {**super().get_params(), "tpe_from": self.tpe_from}

    def _propose(self):
        if len(self.history) >= self.tpe_from:
            return super()._propose()
        after, self.tpe_after = self.tpe_after, 0
        try:
            return super()._propose()
        finally:
            self.tpe_after = after


STRATEGIES.register("guided-late", replace=True)(LateTpeGuided)
sys.path.insert(0, str(BENCHMARKS))
sys.argv = [str(BENCHMARKS / sys.argv[1]), *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
