"""Run a search benchmark with another grid of guided's prior shares (a scratch check, not kept).

    python benchmarks/results/search-prior-2026-12-05/prior_shares.py 0,0.1,0.25,0.5 \
        benchmarks/search_noise_draws.py --std 1.0 ... --strategies guided:prior=TABLE
"""

import runpy
import sys

sys.path.insert(0, "benchmarks")
import edgenas.strategies.guided as guided  # noqa: E402

guided.PRIOR_SHARES = tuple(float(v) for v in sys.argv[1].split(","))
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
