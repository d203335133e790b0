"""Fallback predictors of a source table: each model and the geometric means, fitted on half of
a table's networks and scored on the other half (within 10%, mean of 4 splits).

    python fallback_models.py TABLE.csv [TABLE.csv ...]
"""

import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
res: dict[tuple[str, str], list[float]] = {}
for table in sys.argv[1:]:
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    for seed in range(4):
        order = np.random.default_rng(seed).permutation(len(archs))
        half = len(archs) // 2
        tr, te = order[:half], order[half:]
        pred = {m: LatencyPredictor(space, m).fit([archs[i] for i in tr], y[tr]).predict([archs[i] for i in te])
                for m in ["hybrid", "paths", "gbm", "linear"]}
        pred["mean3"] = np.exp(np.mean([np.log(pred[m]) for m in ["hybrid", "paths", "gbm"]], 0))
        pred["mean4"] = np.exp(np.mean([np.log(np.maximum(pred[m], 1e-3)) for m in pred if m != "mean3"], 0))
        for m, p in pred.items():
            res.setdefault((table.split("/")[-1], m), []).append(regression_metrics(p, y[te])["within_10pct"])
for key, values in res.items():
    print(key, round(100 * np.mean(values), 1))
