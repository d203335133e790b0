"""Scratch scan kept with its log (2026-12-05): a power law fitted on N networks of TARGET from
SOURCE's raw latency, from a MODEL's out-of-fold prediction of SOURCE (its smooth part), or from
both. Run from the repository root: python smoother_scan.py TARGET SOURCE MODEL"""

import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import Ridge, regression_metrics
from edgenas.spaces import create_space

space = create_space("nb201")
target, src, model = sys.argv[1], sys.argv[2], sys.argv[3]
archs, y = measured_networks(TabularBenchmark(target, space, metrics=["latency_ms"]))
sa, sy = measured_networks(TabularBenchmark(src, space, metrics=["latency_ms"]))
lookup = dict(zip(sa, sy))
keep = [i for i, a in enumerate(archs) if a in lookup]
archs, y = [archs[i] for i in keep], y[keep]
S = np.array([lookup[a] for a in archs])
index = {a: i for i, a in enumerate(sa)}
oof = np.full(len(sa), np.nan)
for fold in np.array_split(np.random.default_rng(0).permutation(len(sa)), 5):
    rest = np.setdiff1d(np.arange(len(sa)), fold)
    oof[fold] = LatencyPredictor(space, model).fit([sa[i] for i in rest], sy[rest]).predict([sa[i] for i in fold])
print("source self-fit within10", regression_metrics(oof, sy)["within_10pct"])
smooth = np.array([oof[index[a]] for a in archs])
features = {"raw": np.log(S)[:, None], "smooth": np.log(smooth)[:, None], "both": np.log(np.stack([S, smooth], 1))}
for n in (10, 20, 50, 100, 200):
    res: dict[str, list[float]] = {}
    for seed in range(6):
        order = np.random.default_rng(seed).permutation(len(archs))
        tr, te = order[:n], order[n:]
        for name, X in features.items():
            ridge = Ridge(alpha=1e-2).fit(X[tr], np.log(y[tr]))
            res.setdefault(name, []).append(regression_metrics(np.exp(ridge.predict(X[te])), y[te])["within_10pct"])
    print(n, {k: round(100 * np.mean(v), 1) for k, v in res.items()}, flush=True)
