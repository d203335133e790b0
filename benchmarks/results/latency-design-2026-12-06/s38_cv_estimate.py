"""Session 38 scratch: how far the 5-fold figure `latency fit` prints below 30 networks
(`held_out_figures`) is from the share within 10% on the networks not fitted, at N = 20.

    OMP_NUM_THREADS=1 python s38_cv_estimate.py
"""
import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

sp = create_space("nb201")
for t in ["benchmarks/data/nb201-here-ort1-80px.csv", "benchmarks/data/nb201-here-ort1-64px.csv",
          "benchmarks/data/nb201-here-torch1-6pass-1200.csv", "nb201-pi5-onnx"]:
    a, y = measured_networks(TabularBenchmark(t, sp, metrics=["latency_ms"]))
    est, true = [], []
    for seed in range(4):
        o = np.random.default_rng(seed).permutation(len(a))
        tr, te = o[:20], o[20:][:2000]
        p = LatencyPredictor(sp, seed=seed).fit([a[i] for i in tr], y[tr])
        est.append(p.held_out_figures([a[i] for i in tr], y[tr])[0])
        true.append(p.score([a[i] for i in te], y[te])["within_10pct"])
    print(t, "5-fold", np.round(est, 2), "test", np.round(true, 2), f"means {np.mean(est):.3f} {np.mean(true):.3f}", flush=True)
