"""Latency predictors side by side with the linear one-hot baseline, on any latency table.

    python benchmarks/latency_predictors.py [--table FILE.csv] [--space nb201]
        [--train-sizes 100,1000] [--seeds 3]

Learns only from networks that ran (``measured_arch`` when the table has it); for each train
size and seed it draws that many measured networks for training and tests on *all other*
measured networks, so train and test never share a network. Prints the mean over seeds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="nb201-pi5-onnx")
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--train-sizes", default="100,1000")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    space = create_space(args.space)
    table = TabularBenchmark(args.table, space, metrics=["latency_ms"])
    archs, y = measured_networks(table)
    print(f"table {table.path}: {len(table.rows):,} rows, {len(archs):,} measured networks; "
          f"latency {y.min():.3f}-{y.max():.3f} ms\n")
    keys = ["within_10pct", "within_5pct", "mape", "rmse_ms", "spearman", "kendall"]
    print("| train | model | " + " | ".join(keys) + " | fit s |")
    print("|" + "---|" * (len(keys) + 3))
    for n in (int(v) for v in args.train_sizes.split(",")):
        results: dict[str, list[dict]] = {}
        times: dict[str, float] = {}
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            train, test = order[:n], order[n:]
            tr, te = [archs[i] for i in train], [archs[i] for i in test]
            for model in ("linear", *[m for m in LatencyPredictor(space).models() if m != "linear"], "auto"):
                start = time.perf_counter()
                predictor = LatencyPredictor(space, model, seed=seed).fit(tr, y[train])
                times[model] = times.get(model, 0.0) + time.perf_counter() - start
                scores = predictor.score(te, y[test])
                if model == "auto":
                    scores["chose"] = predictor.kind_
                results.setdefault(model, []).append(scores)
        for model, runs in results.items():
            cells = " | ".join(f"{np.mean([r[k] for r in runs]):.4f}" for k in keys)
            chose = f" ({','.join(r['chose'] for r in runs)})" if model == "auto" else ""
            print(f"| {n} | {model}{chose} | {cells} | {times[model] / args.seeds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
