"""The fallback model of a partial source table (`LatencySource.fallback_model`), fitted on 60% of
a table (at most 2,000 networks) and scored on its other networks, 3 splits (session 43):

    python fallback.py TABLE1,TABLE2,... MODEL1,MODEL2,...
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware.latency_predictor import LatencyPredictor, measured_networks
from edgenas.learn import regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
models = sys.argv[2].split(",")
for spec in sys.argv[1].split(","):
    archs, y = measured_networks(TabularBenchmark(spec, space, metrics=["latency_ms"]))
    res = {m: [] for m in models}
    for seed in range(3):
        perm = np.random.default_rng(seed).permutation(len(y))
        n_train = min(int(0.6 * len(y)), 2000)
        tr, te = perm[:n_train], perm[n_train:n_train + 2000]
        for m in models:
            p = LatencyPredictor(space, m).fit([archs[i] for i in tr], y[tr])
            r = regression_metrics(p.predict([archs[i] for i in te]), y[te])
            res[m].append((r["within_10pct"], r["within_5pct"]))
    name = spec.split("/")[-1]
    print(name, len(y), " | ".join(f"{m}: {100*np.mean([a for a,_ in v]):.1f} ({100*np.mean([b for _,b in v]):.1f})" for m, v in res.items()), flush=True)
