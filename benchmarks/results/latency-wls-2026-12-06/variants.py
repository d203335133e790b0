"""`auto` (and `hybrid`) with `linear`'s ridge, and hybrid's base, fitted for relative error:
each network's squared error weighed by 1/latency^P (session 42; not kept).

    python benchmarks/results/latency-wls-2026-12-06/variants.py SPACE TABLE P SIZES SEEDS [MODELS]

P = 0 is the library as it is; the splits are latency_transfer.py's (seed s: permutation of
default_rng(s), the first N fitted, the rest scored).
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import GradientBoosting
from edgenas.spaces import create_space

space = create_space(sys.argv[1])
table, p = sys.argv[2], float(sys.argv[3])
sizes = [int(v) for v in sys.argv[4].split(",")]
seeds = int(sys.argv[5])
models = sys.argv[6].split(",") if len(sys.argv) > 6 else ["auto"]
fit_kind = LatencyPredictor._fit_kind


class WeightedRidge:
    """The library's Ridge (penalty 1e-3, intercept unpenalised) with per-row weights."""

    def __init__(self, X, y, w, alpha=1e-3):
        w = w / w.mean()
        self.mean_ = (w[:, None] * X).sum(0) / w.sum()
        self.offset_ = float((w * y).sum() / w.sum())
        Xc = X - self.mean_
        self.coef_ = np.linalg.solve(Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1]), Xc.T @ (w * (y - self.offset_)))

    def predict(self, X):
        return (X - self.mean_) @ self.coef_ + self.offset_


def patched(self, kind, archs, y):
    if p == 0 or kind not in ("linear", "hybrid"):
        return fit_kind(self, kind, archs, y)
    rewrites = self.rewrites and self.kernels is None
    A = self._additive_features(archs, rewrites)
    ridge = WeightedRidge(A, y, y ** -p)
    if kind == "linear":
        return {"ridge": ridge, "rewrites": rewrites}
    floor = 1e-3 * float(y.min())
    base = np.maximum(ridge.predict(A), floor)
    return {"ridge": ridge, "gbm": GradientBoosting(n_estimators=300, seed=self.seed).fit(self.features(archs), np.log(y / base)),
            "rewrites": rewrites, "floor": floor, "log_range": [float(np.log(y).min()), float(np.log(y).max())]}


LatencyPredictor._fit_kind = patched
archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
for n in sizes:
    if n > len(archs) - 50:
        continue
    for model in models:
        w10, w5, chose = [], [], []
        for seed in range(seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:]
            fitted = LatencyPredictor(space, model, seed=seed).fit([archs[i] for i in tr], y[tr])
            m = fitted.score([archs[i] for i in te], y[te])
            w10.append(m["within_10pct"])
            w5.append(m["within_5pct"])
            chose.append(fitted.kind_)
        print(f"{table.split('/')[-1]} p={p:g} n={n} {model}: {100*np.mean(w10):.1f} ({100*np.mean(w5):.1f}) "
              f"per seed {[round(100*w, 1) for w in w10]} chose {chose}", flush=True)
