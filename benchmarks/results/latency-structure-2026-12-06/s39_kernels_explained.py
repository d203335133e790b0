"""Which of ONNX Runtime's kernel counts the NB201 structure features do not explain, and
whether counts of the graph's sharing (one ReLU per source node, one layout change per source
of a `none` edge, ...) do. A linear fit of each kernel count on the features, all 400 networks."""

from __future__ import annotations

import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import measured_networks
from edgenas.hardware.kernels import kernel_counts
from edgenas.spaces import create_space
from edgenas.spaces.nb201 import EDGES

CONV = ("nor_conv_1x1", "nor_conv_3x3")


def sharing(ops: list[str]) -> list[float]:
    """Per source node: any conv out (one shared ReLU), any none out, any pool out; per node:
    none inputs beside live ones, all inputs none; additions."""
    out = []
    for src in (0, 1, 2):
        outs = [op for (d, s), op in zip(EDGES, ops) if s == src]
        out += [float(any(o in CONV for o in outs)), float("none" in outs), float("avg_pool_3x3" in outs)]
    adds = 0
    for dst in (1, 2, 3):
        ins = [op for (d, s), op in zip(EDGES, ops) if d == dst]
        live = sum(o != "none" for o in ins)
        out += [float(live > 0 and "none" in ins), float(live == 0)]
        adds += max(live - 1, 0)
    return [*out, float(adds)]


def main() -> None:
    table = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/data/nb201-here-ort1-64px.csv"
    space = create_space("nb201")
    archs, _ = measured_networks(TabularBenchmark(table, space, metrics=["latency_ms"]))
    counts = [kernel_counts(space, a) for a in archs]
    vocab = sorted(set().union(*counts))
    K = np.array([[c[k] for k in vocab] for c in counts], dtype=float)
    base = np.array([np.concatenate([space.encode(a), space.structure_features(a)]) for a in archs])
    extra = np.array([sharing(space.ops(a)) for a in archs])
    for name, X in (("one-hot + structure", base), ("+ sharing", np.hstack([base, extra]))):
        X1 = np.hstack([X, np.ones((len(X), 1))])
        coef, *_ = np.linalg.lstsq(X1, K, rcond=None)
        res = K - X1 @ coef
        print(name)
        for j, k in enumerate(vocab):
            var = K[:, j].var()
            r2 = 1 - res[:, j].var() / var if var > 0 else 1.0
            print(f"  {k:28s} mean {K[:, j].mean():7.2f} R2 {r2:6.3f} max|res| {np.abs(res[:, j]).max():6.2f}")


if __name__ == "__main__":
    main()
