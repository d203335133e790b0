"""Session 38 scratch: a fixed geometric mean of `paths` and `transfer` below 30 networks, against
`auto` with sources and each model alone, on latency_transfer.py's splits (the first N of a seeded
permutation fit, the rest scored).

    OMP_NUM_THREADS=1 python s38_blend.py --target T.csv --from S [--sizes 10,20] [--seeds 8]
"""

from __future__ import annotations

import argparse

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space

MODELS = ("auto", "paths", "transfer", "paths+transfer", "paths+transfer+transfer-ops")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--from", dest="sources", required=True)
    parser.add_argument("--sizes", default="10,20")
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(args.target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in args.sources.split(",")]
    print(f"# target {args.target}, sources {args.sources}; within 10% of the networks not fitted")
    print("| N | " + " | ".join(MODELS) + " |")
    print("|---|" + "---|" * len(MODELS))
    for n in (int(v) for v in args.sizes.split(",")):
        res = {m: [] for m in MODELS}
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:]
            for m in MODELS:
                p = LatencyPredictor(space, m, seed=seed, sources=sources).fit([archs[i] for i in tr], y[tr])
                res[m].append(p.score([archs[i] for i in te], y[te])["within_10pct"])
        print(f"| {n} | " + " | ".join(f"{100 * np.mean(v):.1f}%" for v in res.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
