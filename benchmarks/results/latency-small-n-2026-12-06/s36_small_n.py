"""Scratch (session 36): fixed latency models at small N, from a foreign source.

    OMP_NUM_THREADS=1 python s36_small_n.py --target T --from S [--sizes 10,20,50] [--seeds 4]
        [--models auto,paths,transfer,paths+transfer,...]

The same splits as benchmarks/latency_transfer.py (seed s: permutation of the target's measured
networks, the first N train, the rest test). Prints each model's share within 10% (mean over seeds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--from", dest="sources", required=True)
    parser.add_argument("--sizes", default="10,20,50")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--models", default="auto,paths,transfer,transfer-ops,paths+transfer")
    args = parser.parse_args()
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(args.target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in args.sources.split(",")]
    models = args.models.split(",")
    print(f"| target | sources | N | {' | '.join(models)} |")
    print("|---|---|---|" + "---|" * len(models))
    for n in (int(v) for v in args.sizes.split(",")):
        shares = {m: [] for m in models}
        chose = []
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            train, test = order[:n], order[n:]
            tr, te = [archs[i] for i in train], [archs[i] for i in test]
            for m in models:
                fitted = LatencyPredictor(space, m, seed=seed, sources=sources).fit(tr, y[train])
                shares[m].append(fitted.score(te, y[test])["within_10pct"])
                if m == "auto":
                    chose.append(fitted.kind_)
        cells = " | ".join(f"{100 * np.mean(shares[m]):.1f}%" for m in models)
        print(f"| {Path(args.target).stem} | {args.sources} | {n} | {cells} | {','.join(chose)}", flush=True)


if __name__ == "__main__":
    main()
