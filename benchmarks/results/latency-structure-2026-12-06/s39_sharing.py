"""`auto` (no source) with counts of the graph's sharing as features: per source node whether
any convolution leaves it (one ReLU a runtime can share), any `none` edge, any pooling; per node
whether dead inputs sit beside live ones, whether all inputs are dead; the additions. Variants:
base; `linear` with them (lin); every model with them (all). Share within 10%, the splits of
benchmarks/latency_transfer.py.

    OMP_NUM_THREADS=1 python s39_sharing.py TABLE [SIZES] [SEEDS]
"""

from __future__ import annotations

import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

sys.path.insert(0, "benchmarks/results/latency-loo-2026-12-06")
sys.path.insert(0, "benchmarks/results/latency-structure-2026-12-06")
from _common import splits, w10  # noqa: E402
from s39_kernels_explained import sharing  # noqa: E402


class Lin(LatencyPredictor):
    def _additive_features(self, archs):
        return np.hstack([super()._additive_features(archs), [sharing(self.space.ops(a)) for a in archs]])


class All(Lin):
    def features(self, archs, one_hot_only=False):
        x = super().features(archs, one_hot_only)
        return x if one_hot_only else np.hstack([x, [sharing(self.space.ops(a)) for a in archs]])


def main() -> None:
    table = sys.argv[1]
    sizes = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "20,100").split(",")]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    archs = list(archs)
    for n in sizes:
        rows = {"base": [], "lin": [], "all": []}
        chose = {k: [] for k in rows}
        lin_alone = {"base": [], "lin": []}
        for seed, tr, te in splits(len(archs), n, seeds):
            te = te[:2000]
            a_tr, a_te = [archs[i] for i in tr], [archs[i] for i in te]
            for name, cls in (("base", LatencyPredictor), ("lin", Lin), ("all", All)):
                p = cls(space, seed=seed).fit(a_tr, y[tr])
                rows[name].append(w10(p.predict(a_te), y[te]))
                chose[name].append(p.kind_)
            for name, cls in (("base", LatencyPredictor), ("lin", Lin)):
                p = cls(space, "linear", seed=seed).fit(a_tr, y[tr])
                lin_alone[name].append(w10(p.predict(a_te), y[te]))
        print(f"{table} N={n}: " + "  ".join(f"{k} {100 * np.mean(v):.1f}% ({','.join(chose[k])})" for k, v in rows.items())
              + f"  | linear alone {100 * np.mean(lin_alone['base']):.1f} -> {100 * np.mean(lin_alone['lin']):.1f}%",
              flush=True)


if __name__ == "__main__":
    main()
