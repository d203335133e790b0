"""Scratch scan kept with its log (2026-12-05): `transfer` on the sources' log latency and their
additive part's, with a penalty on the additive slopes alone: none (lam0), infinite (the plain
power law, lam1e+06), or chosen per fit by the ridge's exact leave-one-out error (loo).
Run from the repository root: python additive_penalty_scan.py"""

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.learn import regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
LAMS = [0.0, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 1e6]


def design(X):
    return np.hstack([np.ones((len(X), 1)), X])


def fit(X, y, pen, lam):
    A = design(X)
    P = np.diag(np.r_[0.0, pen * lam + 1e-6])
    return np.linalg.solve(A.T @ A + P, A.T @ y), A, P


def loo(X, y, pen, lam):
    w, A, P = fit(X, y, pen, lam)
    H = A @ np.linalg.solve(A.T @ A + P, A.T)
    return np.mean(((y - A @ w) / np.maximum(1 - np.diag(H), 1e-6)) ** 2)


def run(target, srcs, sizes, seeds):
    archs, y = measured_networks(TabularBenchmark(target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in srcs]
    S = np.log(np.stack([s(archs) for s in sources], 1))
    X = np.hstack([S, np.log(np.stack([s.additive(archs) for s in sources], 1))])
    pen = np.r_[np.zeros(S.shape[1]), np.ones(S.shape[1])]
    for n in sizes:
        res: dict[str, list] = {}
        for seed in range(seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:]

            def share(w, te=te):
                return regression_metrics(np.exp(design(X[te]) @ w), y[te])["within_10pct"]

            for lam in (0.0, 1e6):
                res.setdefault(f"lam{lam:g}", []).append(share(fit(X[tr], np.log(y[tr]), pen, lam)[0]))
            best = min(LAMS, key=lambda lam: loo(X[tr], np.log(y[tr]), pen, lam))
            res.setdefault("loo", []).append(share(fit(X[tr], np.log(y[tr]), pen, best)[0]))
            res.setdefault("lams", []).append(best)
        shown = {k: (round(100 * np.mean(v), 1) if k != "lams" else v) for k, v in res.items()}
        print(target.split("/")[-1], [s.split("/")[-1] for s in srcs], n, shown, flush=True)


D = "benchmarks/data/"
PAIRS = [(D + "nb201-here-ort1-64px.csv", [D + "nb201-here-ort1-paired.csv"]),
         (D + "nb201-here-ort1-paired.csv", [D + "nb201-here-ort1.csv", D + "nb201-here-ort1-64px.csv"]),
         (D + "nb201-here-ort1-48px.csv", [D + "nb201-here-ort1-paired.csv", D + "nb201-here-ort1-64px.csv"]),
         (D + "nb201-here-ort1-48px.csv", ["nb201-pi5-onnx"]),
         ("nb201-pi5-onnx", [D + "nb201-here-ort1.csv", D + "nb201-here-ort2.csv"]),
         (D + "nb201-here-ort2.csv", ["nb201-pi5-onnx", D + "nb201-here-ort1.csv"]),
         (D + "nb201-here-ort1-64px.csv", ["nb201-pi5-onnx", D + "nb201-here-ort1.csv"]),
         (D + "nb201-here-torch1-3pass.csv", [D + "nb201-here-torch1.csv"])]
for t, s in PAIRS:
    run(t, s, [10, 20, 100], 6)
