"""`linear` alone (a ridge in ms on the one-hot ops and rewrite counts) fitted for relative error,
each squared error weighed by 1/latency^P, against plain least squares (session 42):

    python benchmarks/results/latency-wls-2026-12-06/linear.py SPACE TABLES SIZES SEEDS [P,P,...]
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import regression_metrics
from edgenas.spaces import create_space

space = create_space(sys.argv[1])
tables = sys.argv[2].split(",")
sizes = [int(v) for v in sys.argv[3].split(",")]
seeds = int(sys.argv[4])
powers = [float(v) for v in sys.argv[5].split(",")] if len(sys.argv) > 5 else [0, 1, 2]


def wridge(X, y, w, alpha=1e-3):
    w = w / w.mean()
    mx, my = (w[:, None] * X).sum(0) / w.sum(), (w * y).sum() / w.sum()
    Xc, yc = X - mx, y - my
    coef = np.linalg.solve(Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1]), Xc.T @ (w * yc))
    return lambda Z: (Z - mx) @ coef + my


for table in tables:
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    P = LatencyPredictor(space)
    A = P._additive_features(archs, True)
    for n in sizes:
        if n > len(archs) - 50:
            continue
        line = f"{table.split('/')[-1]:40s} n={n:5d}"
        for p in powers:
            w10, w5 = [], []
            for seed in range(seeds):
                order = np.random.default_rng(seed).permutation(len(archs))
                tr, te = order[:n], order[n:]
                pred = wridge(A[tr], y[tr], y[tr] ** -p)(A[te])
                m = regression_metrics(np.maximum(pred, 1e-3 * y[tr].min()), y[te])
                w10.append(m["within_10pct"])
                w5.append(m["within_5pct"])
            line += f" | p={p:g} {100*np.mean(w10):.1f} ({100*np.mean(w5):.1f})"
        print(line, flush=True)
