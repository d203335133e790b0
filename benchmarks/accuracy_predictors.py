"""Accuracy predictors on a NAS-Bench-201 table: train on N random rows, test on the rest.

    python benchmarks/accuracy_predictors.py [--table FILE.csv] [--train-sizes 100,1000] [--seeds 3]

Prints Kendall tau, Spearman and RMSE of every model next to the baseline the issue names:
gradient-boosted trees on the one-hot operations with dead edges removed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.estimate.accuracy_predictor import ACCURACY_MODELS, AccuracyPredictor
from edgenas.learn import GradientBoosting, regression_metrics
from edgenas.spaces import NB201Space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="nb201-cifar10")
    parser.add_argument("--metric", default=None)
    parser.add_argument("--train-sizes", default="100,1000")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    space = NB201Space()
    table = TabularBenchmark(args.table, space)
    metric = args.metric or next((m for m in table.metrics if "acc" in m), table.metrics[0])
    archs = table.archs()
    y = np.array([table.rows[a][metric] for a in archs])
    print(f"table {table.path.name}: {len(archs):,} rows, metric {metric}; mean over {args.seeds} seeds\n")
    print("| train | model | kendall | spearman | rmse | fit s |")
    print("|---|---|---|---|---|---|")
    for n in (int(v) for v in args.train_sizes.split(",")):
        results: dict[str, list[dict]] = {}
        times: dict[str, float] = {}
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:]
            tr_a, te_a = [archs[i] for i in tr], [archs[i] for i in te]
            base = AccuracyPredictor(space)
            start = time.perf_counter()
            onehot_tr, onehot_te = base.features(tr_a, True), base.features(te_a, True)
            pred = GradientBoosting(seed=seed).fit(onehot_tr, y[tr]).predict(onehot_te)
            times["baseline gbm one-hot (dead edges removed)"] = times.get("baseline gbm one-hot (dead edges removed)", 0) + time.perf_counter() - start
            results.setdefault("baseline gbm one-hot (dead edges removed)", []).append(regression_metrics(pred, y[te]))
            for model in (*ACCURACY_MODELS, "auto"):
                start = time.perf_counter()
                predictor = AccuracyPredictor(space, model, seed=seed)
                predictor._features = base._features  # same features, computed once
                predictor.fit(tr_a, y[tr])
                times[model] = times.get(model, 0) + time.perf_counter() - start
                scores = predictor.score(te_a, y[te])
                scores["chose"] = predictor.kind_
                results.setdefault(model, []).append(scores)
        for model, runs in results.items():
            chose = f" ({','.join(r['chose'] for r in runs)})" if model == "auto" else ""
            k, s, r = (np.mean([x[key] for x in runs]) for key in ("kendall", "spearman", "rmse"))
            print(f"| {n} | {model}{chose} | {k:.3f} | {s:.3f} | {r:.3f} | {times[model] / args.seeds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
