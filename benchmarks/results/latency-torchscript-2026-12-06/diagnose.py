"""Why `auto` falls short on the TorchScript table (session 42): in-sample ridge fits on the one-hot
ops with and without the rewrite counts, and each model alone at 20 and 100 networks (2 splits).

    python benchmarks/results/latency-torchscript-2026-12-06/diagnose.py
"""
import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import Ridge, regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
archs, y = measured_networks(TabularBenchmark("benchmarks/data/nb201-here-torchscript1.csv", space, metrics=["latency_ms"]))
P = LatencyPredictor(space)
E, A, F = P.features(archs, True), P._additive_features(archs, True), P.features(archs)
for name, X in [("onehot", E), ("onehot+rewrites", A), ("all feats", F)]:
    m = regression_metrics(Ridge().fit(X, y).predict(X), y)
    ml = regression_metrics(np.exp(Ridge().fit(X, np.log(y)).predict(X)), y)
    print(f"in-sample {name}: ms {100*m['within_10pct']:.1f}  log {100*ml['within_10pct']:.1f}")
for n in (20, 100):
    for kind in ("paths", "linear", "gbm", "hybrid", "mlp", "graph"):
        w = []
        for seed in range(2):
            o = np.random.default_rng(seed).permutation(len(archs))
            tr, te = o[:n], o[n:]
            f = LatencyPredictor(space, kind, seed=seed).fit([archs[i] for i in tr], y[tr])
            w.append(f.score([archs[i] for i in te], y[te])["within_10pct"])
        print(n, kind, np.round(100*np.array(w), 1))
