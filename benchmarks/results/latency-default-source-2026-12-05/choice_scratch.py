"""Small-N choice with a foreign source: current rule vs lowest out-of-fold MAPE."""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space

space = create_space("nb201")
src = [LatencySource.from_spec(s, space) for s in sys.argv[2].split(",")]
for target in sys.argv[1].split(","):
    archs, y = measured_networks(TabularBenchmark(target, space, metrics=["latency_ms"]))
    for n in (10, 20):
        res = {"current": [], "mape": [], "paths": [], "oracle": []}
        for seed in range(4):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:]
            A, T = [archs[i] for i in tr], [archs[i] for i in te]
            auto = LatencyPredictor(space, seed=seed, sources=src).fit(A, y[tr])
            val = auto.validation_
            test = {}
            for k in val:
                test[k] = LatencyPredictor(space, k, seed=seed, sources=src).fit(A, y[tr]).score(T, y[te])["within_10pct"]
            res["current"].append(test[auto.kind_])
            res["mape"].append(test[max(val, key=lambda k: (val[k][1], val[k][0]))])
            res["paths"].append(test["paths"])
            res["oracle"].append(max(test.values()))
        print(target.split("/")[-1], n, " ".join(f"{k} {100*np.mean(v):.1f}" for k, v in res.items()), flush=True)
