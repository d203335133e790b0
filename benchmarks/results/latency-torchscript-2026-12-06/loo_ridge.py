"""Scratch (session 42): `linear`'s features (one-hot ops and rewrite counts, milliseconds)
standardised, the ridge penalty chosen by leave-one-out share within 10%, at 10-100 networks
(4 splits; not kept).

    python benchmarks/results/latency-torchscript-2026-12-06/loo_ridge.py TABLE,TABLE,...
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
ALPHAS = np.logspace(-3, 3, 13)

def loo_ridge(X, y):
    mu, sd = X.mean(0), X.std(0)
    keep = sd > 1e-9
    Z = (X[:, keep] - mu[keep]) / sd[keep]
    ym = y.mean()
    t = y - ym
    best = None
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    for a in ALPHAS:
        d = s / (s**2 + a)
        coef = Vt.T @ (d * (U.T @ t))
        H = (U * (s**2 / (s**2 + a))) @ U.T + 1.0 / len(y)
        res = (t - Z @ coef) / (1 - np.diag(H))
        rel = np.abs(res) / y  # leave-one-out relative error
        score = (rel <= 0.1).mean() - 1e-3 * rel.mean()
        if best is None or score > best[0]:
            best = (score, a, coef)
    _, a, coef = best
    return (lambda Xn: ((Xn[:, keep] - mu[keep]) / sd[keep]) @ coef + ym), a

for table in sys.argv[1].split(","):
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    P = LatencyPredictor(space)
    A = P._additive_features(archs, True)
    for n in (10, 20, 30, 100):
        w, al = [], []
        for seed in range(4):
            o = np.random.default_rng(seed).permutation(len(archs))
            tr, te = o[:n], o[n:][:2000]
            f, a = loo_ridge(A[tr], y[tr])
            w.append(regression_metrics(np.maximum(f(A[te]), y[tr].min() / 4), y[te])["within_10pct"])
            al.append(a)
        print(f"{table.split('/')[-1]:36s} n={n:4d} loo-ridge {100*np.mean(w):.1f}  alphas {np.round(al, 3)}", flush=True)
