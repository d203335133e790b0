"""Ridge on one-hot ops plus pairwise products of edges' one-hots: interactions a sum misses."""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import Ridge
from edgenas.spaces import create_space

space = create_space("nb201")
E = 6


def feats(p, archs, pairs=True):
    X = p.features(archs, True)
    if not pairs:
        return X
    k = X.shape[1] // E
    blocks = [X[:, i * k:(i + 1) * k] for i in range(E)]
    prods = [(blocks[i][:, :, None] * blocks[j][:, None, :]).reshape(len(X), -1) for i in range(E) for j in range(i + 1, E)]
    return np.hstack([X] + prods)


def cv_alpha(X, y, log, seed):
    folds = np.array_split(np.random.default_rng(seed).permutation(len(y)), 5)
    best = None
    for a in (0.01, 0.1, 1.0, 10.0):
        err = []
        for f in folds:
            tr = np.setdiff1d(np.arange(len(y)), f)
            t = np.log(y[tr]) if log else y[tr]
            p = Ridge(a).fit(X[tr], t).predict(X[f])
            p = np.exp(p) if log else np.maximum(p, 1e-3)
            err.append(np.abs(p / y[f] - 1) < 0.1)
        s = np.mean(np.concatenate(err))
        if best is None or s > best[0]:
            best = (s, a)
    return best[1]


for spec in sys.argv[1].split(","):
    tab, sizes, maxtest = spec.split(":")
    archs, y = measured_networks(TabularBenchmark(tab, space, metrics=["latency_ms"]))
    for n in map(int, sizes.split("/")):
        out = {"linear": [], "pairs-ms": [], "pairs-log": [], "auto": []}
        for seed in range(2):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:][: int(maxtest)]
            p = LatencyPredictor(space, "linear")
            A, T = [archs[i] for i in tr], [archs[i] for i in te]
            for name, log in (("pairs-ms", False), ("pairs-log", True)):
                X, Xt = feats(p, A), feats(p, T)
                a = cv_alpha(X, y[tr], log, seed)
                m = Ridge(a).fit(X, np.log(y[tr]) if log else y[tr]).predict(Xt)
                m = np.exp(m) if log else np.maximum(m, 1e-3)
                out[name].append(((np.abs(m / y[te] - 1) < 0.1).mean(), (np.abs(m / y[te] - 1) < 0.05).mean(), a))
            for name in ("linear", "auto"):
                s = LatencyPredictor(space, name, seed=seed).fit(A, y[tr]).score(T, y[te])
                out[name].append((s["within_10pct"], s["within_5pct"], 0))
        print(tab.split("/")[-1], n, "  ".join(f"{k} {100*np.mean([r[0] for r in v]):.1f} ({100*np.mean([r[1] for r in v]):.1f}){' a=' + ','.join(str(r[2]) for r in v) if 'pairs' in k else ''}" for k, v in out.items()), flush=True)
