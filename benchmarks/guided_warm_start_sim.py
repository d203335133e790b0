"""What a zero-cost warm start would give `guided` on noisy landscapes, before building it.

    python benchmarks/guided_warm_start_sim.py [search_noise_draws.py options]
        --strategies guided,guided-warm,guided-warm:warm=10
    python benchmarks/guided_warm_start_sim.py --fixed-tables [search_nb201.py options]

Registers ``guided-warm``: `guided` whose first ``warm`` asks are the best of ``pool`` random
unseen cells by a proxy's scores read from a stored table of every cell (``--proxy-table``,
default the synflow table; what `ProxyEvaluator` would compute, at no cost), the rest of its
``initial`` cells random as before. Then runs `search_noise_draws.py` with the other options, so
the warm start is measured over many draws of the noise, paired with `guided` (with
``--fixed-tables``, `search_nb201.py` instead: on the tables given). A simulation
for a decision, not a strategy: a real warm start computes the proxy (0.13 s per synflow cell).
"""

from __future__ import annotations

import argparse
import csv
import runpy
import sys
from pathlib import Path

from nb201_landscape import SPACE

from edgenas.spaces import Arch
from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch

HERE = Path(__file__).parent


def proxy_scores(path: Path) -> dict[str, float]:
    with path.open() as f:
        return {SPACE.equivalence_key(SPACE.parse(r["arch"])): float(r["score"]) for r in csv.DictReader(f)}


def register(scores: dict[str, float]) -> None:
    class WarmGuided(GuidedLocalSearch):
        name = "guided-warm"

        def __init__(self, *args, warm: int = 5, pool: int = 200, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.warm, self.pool, self.queue = warm, pool, None

        def _propose(self) -> Arch:
            if self.queue is None:
                ranked = sorted(self.random_pool(self.pool), key=lambda a: -scores[self.space.equivalence_key(a)])
                self.queue = ranked[: self.warm][::-1]
            while self.queue:
                arch = self.queue.pop()
                if self.is_new(arch):
                    return arch
            return super()._propose()

    STRATEGIES.register("guided-warm", replace=True)(WarmGuided)  # a second call replaces the scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy-table", type=Path, default=HERE / "data" / "nb201-synflow.csv")
    parser.add_argument("--fixed-tables", action="store_true", help="run search_nb201.py on its --tables instead")
    args, rest = parser.parse_known_args()  # the rest is the search script's
    if not args.proxy_table.is_file():
        parser.error(f"no proxy table {args.proxy_table}: give a CSV of every cell's score (nb201_landscape.py proxy)")
    register(proxy_scores(args.proxy_table))
    sys.argv = [str(HERE / ("search_nb201.py" if args.fixed_tables else "search_noise_draws.py")), *rest]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
