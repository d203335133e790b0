"""Session 38 scratch: a fixed geometric mean of `paths` and `transfer` below 30 networks, against
`auto` with sources and each model alone, on latency_transfer.py's splits (the first N of a seeded
permutation fit, the rest scored).

    OMP_NUM_THREADS=1 python s38_blend.py --target T.csv --from S [--sizes 10,20] [--seeds 8]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "latency-loo-2026-12-06"))
from _common import setup, splits  # noqa: E402

from edgenas.hardware import LatencyPredictor  # noqa: E402

MODELS = ("auto", "paths", "transfer", "paths+transfer", "paths+transfer+transfer-ops")


def main() -> None:
    args, space, archs, y, sources = setup("10,20", 8)
    print(f"# target {args.target}, sources {args.sources}; within 10% of the networks not fitted")
    print("| N | " + " | ".join(MODELS) + " |")
    print("|---|" + "---|" * len(MODELS))
    for n in (int(v) for v in args.sizes.split(",")):
        res = {m: [] for m in MODELS}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            for m in MODELS:
                p = LatencyPredictor(space, m, seed=seed, sources=sources).fit([archs[i] for i in tr], y[tr])
                res[m].append(p.score([archs[i] for i in te], y[te])["within_10pct"])
        print(f"| {n} | " + " | ".join(f"{100 * np.mean(v):.1f}%" for v in res.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
