"""Which sharing counts carry `linear`'s gain: linear alone at 100 networks (4 splits), with every
group, and with each group left out. Development tables only.

    OMP_NUM_THREADS=1 python s39_ablation.py TABLE...
"""

from __future__ import annotations

import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import measured_networks
from edgenas.learn import Ridge
from edgenas.spaces import create_space

sys.path.insert(0, "benchmarks/results/latency-loo-2026-12-06")
sys.path.insert(0, "benchmarks/results/latency-structure-2026-12-06")
from _common import splits, w10  # noqa: E402
from s39_kernels_explained import sharing  # noqa: E402

# columns of sharing(): per source (conv, none, pool) x 3, per node (mixed, dead) x 3, adds
GROUPS = {"conv-out": [0, 3, 6], "none-out": [1, 4, 7], "pool-out": [2, 5, 8], "mixed-in": [9, 11, 13],
          "dead-in": [10, 12, 14], "adds": [15]}


def main() -> None:
    space = create_space("nb201")
    for table in sys.argv[1:]:
        archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
        onehot = np.array([space.encode(a) for a in archs])
        share = np.array([sharing(space.ops(a)) for a in archs])
        variants = {"one-hot": [], "all": list(range(16))}
        variants.update({f"-{g}": [c for c in range(16) if c not in cols] for g, cols in GROUPS.items()})
        variants.update({f"+{g}": cols for g, cols in GROUPS.items()})
        variants["shared-only"] = GROUPS["conv-out"] + GROUPS["none-out"] + GROUPS["pool-out"]
        out = []
        for name, cols in variants.items():
            X = np.hstack([onehot, share[:, cols]])
            scores = [w10(Ridge().fit(X[tr], y[tr]).predict(X[te]), y[te]) for _, tr, te in splits(len(y), 100, 4)]
            out.append(f"{name} {100 * np.mean(scores):.1f}")
        print(table, " | ".join(out), flush=True)


if __name__ == "__main__":
    main()
