"""`auto` without sources below 30 networks as it was before `counts` (session 42): the per-path
model alone, on latency_transfer.py's splits (seed s: permutation of default_rng(s), the first N
fitted, at most TEST_MAX of the rest scored).

    python benchmarks/results/latency-counts-2026-12-06/before.py TABLE[:TEST_MAX],... 10,20
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

space = create_space("nb201")
for spec in sys.argv[1].split(","):
    table, _, test_max = spec.partition(":")
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    line = f"{table.split('/')[-1]:34s}"
    for n in (int(v) for v in sys.argv[2].split(",")):
        w10, w5 = [], []
        for seed in range(4):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:][: int(test_max) if test_max else None]
            m = LatencyPredictor(space, "paths", seed=seed).fit([archs[i] for i in tr], y[tr]).score(
                [archs[i] for i in te], y[te])
            w10.append(m["within_10pct"])
            w5.append(m["within_5pct"])
        line += f" | N={n} paths {100 * np.mean(w10):.1f}% ({100 * np.mean(w5):.1f}%)"
    print(line, flush=True)
