"""The eleven counts before they were a model (session 42): a ridge in ms on them (the rewrite
counts summed over the nodes, the op counts), in-sample on every network and from 10 / 20 / 100
(4 splits, penalties 1e-3 and 0.1).

    python benchmarks/results/latency-counts-2026-12-06/scan.py TABLE,TABLE,...
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import Ridge, regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
ops_n = space.encoding_size // 6

def compact(P, archs):
    E = P.features(archs, True).reshape(len(archs), 6, ops_n).sum(1)  # live op counts per type
    R = np.array([space.rewrite_features(a) for a in archs])
    agg = np.stack([R[:, 0:9:3].sum(1), R[:, 1:9:3].sum(1), R[:, 2:9:3].sum(1), R[:, 9:15:2].sum(1),
                    R[:, 10:15:2].sum(1), R[:, 15]], 1)
    return np.hstack([E, agg])

for table in sys.argv[1].split(","):
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    P = LatencyPredictor(space)
    C = compact(P, archs)
    m = regression_metrics(Ridge().fit(C, y).predict(C), y)
    line = f"{table.split('/')[-1]:32s} in-sample {100*m['within_10pct']:.1f} |"
    for n in (10, 20, 100):
        for alpha in (1e-3, 1e-1):
            w = []
            for seed in range(4):
                o = np.random.default_rng(seed).permutation(len(archs))
                tr, te = o[:n], o[n:][:2000]
                pred = Ridge(alpha).fit(C[tr], y[tr]).predict(C[te])
                w.append(regression_metrics(np.maximum(pred, y[tr].min() / 4), y[te])["within_10pct"])
            line += f" n={n} a={alpha:g} {100*np.mean(w):.1f}"
    print(line, flush=True)
