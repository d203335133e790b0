"""Scratch (session 36): which model should `auto` keep below 30 networks when it has sources?

    OMP_NUM_THREADS=1 python s36_rules.py --target T --from S [--sizes 10,20] [--seeds 8]

The splits of benchmarks/latency_transfer.py (seed s: its permutation, the first N train, the
rest test) and `auto`'s 5 folds (seeded as `auto` seeds them). Out-of-fold predictions of paths,
transfer, transfer-ops and of their geometric-mean blends (from the members' out-of-fold
predictions, as `auto` scores its ensembles); each rule picks by them; printed: the test share
within 10% of each rule's pick, mean over seeds.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space

BASE = ("paths", "transfer", "transfer-ops")
BLENDS = ("paths+transfer", "paths+transfer-ops", "transfer+transfer-ops")


def w10(pred, true):  # noqa: ANN001, ANN201
    return float(np.mean(np.abs(pred / true - 1) <= 0.10))


def figures(pred, true):  # noqa: ANN001, ANN201
    ape = np.abs(pred / true - 1)
    return {"w10": (w10(pred, true), -ape.mean()), "logrmse": (-np.sqrt(np.mean(np.log(pred / true) ** 2)),),
            "mape": (-ape.mean(),)}


def nested(fig, n_held):  # noqa: ANN001, ANN201
    """`auto`'s rule: the best by w10, but transfer over transfer-ops within one SE."""
    best = max(fig, key=lambda k: fig[k]["w10"])
    if best == "transfer-ops" and "transfer" in fig:
        share = fig[best]["w10"][0]
        if fig["transfer"]["w10"][0] >= share - math.sqrt(share * (1 - share) / n_held):
            return "transfer"
    return best


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
    rules = {"auto(now)": (BASE, "w10", True), "auto+pt": (BASE + BLENDS[:1], "w10", True),
             "auto+blends": (BASE + BLENDS, "w10", True), "logrmse": (BASE, "logrmse", False),
             "logrmse+pt": (BASE + BLENDS[:1], "logrmse", False),
             "logrmse+blends": (BASE + BLENDS, "logrmse", False), "mape+pt": (BASE + BLENDS[:1], "mape", False),
             "noops": (("paths", "transfer", "paths+transfer"), "w10", False),
             "noops-mape": (("paths", "transfer", "paths+transfer"), "mape", False),
             "wgrid": (BASE + ("paths+transfer", "w0.25", "w0.75"), "w10", True),
             "wgrid-mape": (BASE + ("paths+transfer", "w0.25", "w0.75"), "mape", False),
             "wgrid-noops-mape": (("paths", "transfer", "paths+transfer", "w0.25", "w0.75"), "mape", False)}
    cols = [*rules, "oracle", *BASE, *BLENDS, "w0.25", "w0.75"]
    print(f"| target | sources | N | {' | '.join(cols)} |")
    print("|---|---|---|" + "---|" * len(cols))
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in cols}
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            train, test = order[:n], order[n:]
            tr, te, ytr = [archs[i] for i in train], [archs[i] for i in test], y[train]
            p = LatencyPredictor(space, "auto", seed=seed, sources=sources)
            folds = np.array_split(np.random.default_rng(seed).permutation(n), 5)
            held = np.concatenate(folds)
            oof = {k: p._out_of_fold(k, tr, ytr, folds) for k in BASE}
            test_pred = {k: p._predict_kind(k, p._fit_kind(k, tr, ytr), te) for k in BASE}
            for b in BLENDS:
                a, c = b.split("+")
                oof[b] = p._combine([oof[a], oof[c]])
                test_pred[b] = p._combine([test_pred[a], test_pred[c]])
            for w in (0.25, 0.75):
                b = f"w{w}"
                oof[b] = np.exp((1 - w) * np.log(oof["paths"]) + w * np.log(oof["transfer"]))
                test_pred[b] = np.exp((1 - w) * np.log(test_pred["paths"]) + w * np.log(test_pred["transfer"]))
            fig = {k: figures(oof[k][held], ytr[held]) for k in oof}
            for name, (cands, crit, use_nested) in rules.items():
                sub = {k: fig[k] for k in cands}
                pick = nested(sub, len(held)) if use_nested else max(sub, key=lambda k: sub[k][crit])
                out[name].append(w10(test_pred[pick], y[test]))
            scores = {k: w10(test_pred[k], y[test]) for k in oof}
            out["oracle"].append(max(scores.values()))
            for k in oof:
                out[k].append(scores[k])
        cells = " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in cols)
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
