"""`paths` with the rewrite counts in its total work (each a learnt non-negative cost, starting
near zero), against `paths` as it is: the model `auto` keeps below 30 networks. Share within 10%
of `paths` alone, 8 splits.

    OMP_NUM_THREADS=1 python s39_paths_rewrites.py TABLE [SIZES]
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware import latency_predictor as lp
from edgenas.learn import PathRegressor, _PathNet
from edgenas.spaces import create_space

sys.path.insert(0, "benchmarks/results/latency-loo-2026-12-06")
from _common import splits, w10  # noqa: E402

N_REWRITES = 16


class _Net(_PathNet):
    def __init__(self, edges, num_ops, features, hidden):
        super().__init__(edges, num_ops, features, hidden)
        self.rewrite_cost = torch.nn.Parameter(torch.full((N_REWRITES,), -4.0))

    def forward(self, x):
        onehot = x[:, : len(self.edges) * self.num_ops].reshape(len(x), len(self.edges), self.num_ops)
        rw = x[:, len(self.edges) * self.num_ops:]
        work = (onehot @ torch.nn.functional.softplus(self.work_cost)).sum(1)
        work = work + rw @ torch.nn.functional.softplus(self.rewrite_cost)
        edge_path = onehot @ torch.nn.functional.softplus(self.path_cost)
        t = self.log_temperature.exp()
        finish = [torch.zeros(len(x))]
        for incoming in self.incoming[1:]:
            arrivals = [finish[src] + edge_path[:, e] for e, src in incoming]
            finish.append(t * torch.logsumexp(torch.stack(arrivals, 1) / t, 1) if arrivals else finish[0])
        return self.head(torch.stack([torch.log1p(work), torch.log1p(finish[-1])], 1))


class _Paths(PathRegressor):
    def _net(self, features):
        return _Net(self.edges, self.num_ops, features, self.hidden)


class Rw(LatencyPredictor):
    def features(self, archs, one_hot_only=False):
        x = super().features(archs, one_hot_only)
        return np.hstack([x, [self.space.rewrite_features(a) for a in archs]]) if one_hot_only else x


def main() -> None:
    table = sys.argv[1]
    sizes = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "10,20").split(",")]
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    archs = list(archs)
    for n in sizes:
        out = {"paths": [], "paths+rewrites": []}
        for seed, tr, te in splits(len(archs), n, 8):
            te = te[:2000]
            a_tr, a_te = [archs[i] for i in tr], [archs[i] for i in te]
            out["paths"].append(w10(LatencyPredictor(space, "paths", seed=seed).fit(a_tr, y[tr]).predict(a_te), y[te]))
            lp.GRAPH_MODELS["paths"] = _Paths
            try:
                p = Rw(space, "paths", seed=seed).fit(a_tr, y[tr])
                out["paths+rewrites"].append(w10(p.predict(a_te), y[te]))
            finally:
                lp.GRAPH_MODELS["paths"] = PathRegressor
        print(f"{table} N={n}: " + "  ".join(f"{k} {100 * np.mean(v):.1f}%" for k, v in out.items()), flush=True)


if __name__ == "__main__":
    main()
