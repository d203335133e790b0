"""Run a search benchmark with another grid of guided's GP length scales (a scratch probe, not kept).

    python benchmarks/results/search-default-prior-2026-12-05/lengths.py 0.25,0.5,1,2,4,8 \
        benchmarks/search_noise_draws.py --std 0.5 --shift 1.0 ... --strategies guided:prior=none,guided
"""

import runpy
import sys

sys.path.insert(0, "benchmarks")
import edgenas.strategies.guided as guided  # noqa: E402

guided.LENGTH_SCALES = tuple(float(v) for v in sys.argv[1].split(","))
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
