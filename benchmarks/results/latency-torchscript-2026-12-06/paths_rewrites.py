"""Scratch (session 42): `paths` with the rewrite counts added to its total work (a cost per count,
any sign) against `paths` as it is, alone, at 10 / 20 / 100 networks (4 splits; not kept).

    python benchmarks/results/latency-torchscript-2026-12-06/paths_rewrites.py TABLE,TABLE,...
"""
import sys

import numpy as np
import torch

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import PathRegressor, _PathNet, regression_metrics
from edgenas.spaces import create_space


class _PathNetRW(_PathNet):
    def __init__(self, edges, num_ops, features, hidden):
        super().__init__(edges, num_ops, features, hidden)
        self.rest = features - len(self.edges) * num_ops
        self.rewrite_cost = torch.nn.Parameter(torch.zeros(self.rest))

    def forward(self, x):
        n = len(self.edges) * self.num_ops
        onehot = x[:, :n].reshape(len(x), len(self.edges), self.num_ops)
        work = (onehot @ torch.nn.functional.softplus(self.work_cost)).sum(1) + x[:, n:] @ self.rewrite_cost
        work = work.clamp(min=0)
        edge_path = onehot @ torch.nn.functional.softplus(self.path_cost)
        t = self.log_temperature.exp()
        finish = [torch.zeros(len(x))]
        for incoming in self.incoming[1:]:
            arrivals = [finish[src] + edge_path[:, e] for e, src in incoming]
            finish.append(t * torch.logsumexp(torch.stack(arrivals, 1) / t, 1) if arrivals else finish[0])
        return self.head(torch.stack([torch.log1p(work), torch.log1p(finish[-1])], 1))

class PathRW(PathRegressor):
    def _net(self, features):
        return _PathNetRW(self.edges, self.num_ops, features, self.hidden)

space = create_space("nb201")
for table in sys.argv[1].split(","):
    archs, y = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    P = LatencyPredictor(space)
    E = P.features(archs, True)
    R = np.array([space.rewrite_features(a) for a in archs])
    ops = space.encoding_size // len(space.cell_edges)
    for n in (10, 20, 100):
        res = {"paths": [], "paths+rw": []}
        for seed in range(4):
            o = np.random.default_rng(seed).permutation(len(archs))
            tr, te = o[:n], o[n:][:2000]
            for name, cls, X in (("paths", PathRegressor, E), ("paths+rw", PathRW, np.hstack([E, R]))):
                m = cls(space.cell_edges, ops, seed=seed).fit(X[tr], np.log(y[tr]))
                res[name].append(regression_metrics(np.exp(m.predict(X[te])), y[te])["within_10pct"])
        print(f"{table.split('/')[-1]:36s} n={n:4d} " + "  ".join(f"{k} {100*np.mean(v):.1f}" for k, v in res.items()), flush=True)
