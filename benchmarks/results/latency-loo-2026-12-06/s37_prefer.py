"""Scratch (session 37): below 30 networks, should `auto` lean to `transfer` when it has sources?

    OMP_NUM_THREADS=1 python s37_prefer.py --target T --from S [--sizes 10,20] [--seeds 8]

The splits and folds of session 36's s36_rules.py (its helpers are imported), with `transfer` as
it is since session 36 (per-op corrections). Rules: `auto` now; `transfer` unless the best
model beats it by more than k standard errors of its held-out share within 10% (k = 0.5, 1, 2).
Printed: the test share within 10% of each rule's pick, mean over seeds, and each model's.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "latency-small-n-2026-12-06"))
from _common import setup, splits  # noqa: E402
from s36_rules import BASE, figures, nested, w10  # noqa: E402

from edgenas.hardware import LatencyPredictor  # noqa: E402

KS = (0.5, 1.0, 2.0)


def prefer_transfer(fig: dict, n_held: int, k: float) -> str:
    best = max(fig, key=lambda m: fig[m]["w10"])
    share = fig[best]["w10"][0]
    if fig["transfer"]["w10"][0] >= share - k * math.sqrt(share * (1 - share) / n_held):
        return "transfer"
    return best


def main() -> None:
    args, space, archs, y, sources = setup("10,20", 8)
    cols = ["auto(now)", *(f"prefer k={k:g}" for k in KS), "oracle", *BASE]
    print(f"| target | sources | N | {' | '.join(cols)} |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in cols}
        for seed, train, test in splits(len(archs), n, args.seeds):
            tr, te, ytr = [archs[i] for i in train], [archs[i] for i in test], y[train]
            p = LatencyPredictor(space, "auto", seed=seed, sources=sources)
            folds = np.array_split(np.random.default_rng(seed).permutation(n), 5)
            held = np.concatenate(folds)
            oof = {k: p._out_of_fold(k, tr, ytr, folds) for k in BASE}
            scores = {k: w10(p._predict_kind(k, p._fit_kind(k, tr, ytr), te), y[test]) for k in BASE}
            fig = {k: figures(oof[k][held], ytr[held]) for k in oof}
            out["auto(now)"].append(scores[nested(fig, len(held))])
            for k in KS:
                out[f"prefer k={k:g}"].append(scores[prefer_transfer(fig, len(held), k)])
            out["oracle"].append(max(scores.values()))
            for k in BASE:
                out[k].append(scores[k])
        cells = " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in cols)
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
