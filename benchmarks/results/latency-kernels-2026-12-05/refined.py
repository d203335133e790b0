"""Ridge (milliseconds) on one-hot ops or structure features plus optimised-graph node counts,
plain or named by window (`edgenas.hardware.kernels`), at 20-300 networks, 6 splits."""

import csv
import sys
from collections import Counter

import numpy as np

from edgenas.hardware.kernels import kernel_counts
from edgenas.learn import Ridge
from edgenas.spaces import create_space

space = create_space("nb201")


def plain(named: Counter) -> Counter:
    out = Counter()
    for name, n in named.items():
        out[name.split()[0]] += n
    return out


def matrix(counts: list[Counter]) -> np.ndarray:
    vocabulary = sorted(set().union(*counts))
    return np.array([[c[v] for v in vocabulary] for c in counts], dtype=float)


for table in sys.argv[1:]:
    rows = list(csv.DictReader(open(table)))
    archs = [space.parse(r["arch"]) for r in rows]
    y = np.array([float(r["latency_ms"]) for r in rows])
    named = [kernel_counts(space, a) for a in archs]
    X = np.array([space.encode(a) for a in archs], float)
    S = np.array([space.structure_features(a) for a in archs], float)
    P, R = matrix([plain(c) for c in named]), matrix(named)
    for label, features in (("onehot+plain", np.hstack([X, P])), ("onehot+refined", np.hstack([X, R])),
                            ("struct+plain", np.hstack([S, P])), ("struct+refined", np.hstack([S, R])),
                            ("all+plain", np.hstack([X, S, P])), ("all+refined", np.hstack([X, S, R]))):
        cells = []
        for n in (20, 50, 100, 300):
            if n > len(y) - 50:
                continue
            shares = []
            for seed in range(6):
                order = np.random.default_rng(seed).permutation(len(y))
                train, test = order[:n], order[n:]
                model = Ridge(alpha=1.0).fit(features[train], y[train])
                shares.append(np.mean(np.abs(model.predict(features[test]) / y[test] - 1) < 0.1))
            cells.append(f"{n}:{100 * np.mean(shares):.1f}")
        print(table.split("/")[-1], label, " ".join(cells), flush=True)
