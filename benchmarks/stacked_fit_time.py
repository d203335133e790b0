"""Time of the PyTorch regressors' folds trained together: each network's own `stacked_forward`
against `torch.func.vmap` (what `_train_many` used before session 44), in the same run.

    python benchmarks/stacked_fit_time.py [--networks 60] [--folds 5] [--repeats 3] [--epochs N]

Fits `fit_many` (one model per fold, as `auto`'s cross-validation does; the path model trains
its seeded restarts too) on ``--networks`` networks of the shipped Pi 5 table's NB201 cells, in
log latency, both ways, and prints the median seconds of ``--repeats`` fits, their ratio, and the
largest difference between the two ways' predictions on 400 other networks.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import MLP, DagRegressor, PathRegressor, _DagNet, _PathNet, _Perceptron
from edgenas.spaces import create_space


def _fit(regressor, x: np.ndarray, y: np.ndarray, weights: np.ndarray, net_class: type, stacked: bool):
    """`fit_many` with the net class's `stacked_forward` hidden when not ``stacked`` (vmap then)."""
    method = net_class.__dict__["stacked_forward"]
    if not stacked:
        delattr(net_class, "stacked_forward")
    try:
        start = time.perf_counter()
        models = regressor.fit_many(x, y, weights)
        return time.perf_counter() - start, models
    finally:
        if not stacked:
            net_class.stacked_forward = method


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=60)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None, help="override every regressor's epochs (tests)")
    args = parser.parse_args()
    if args.networks < 2 * args.folds or args.folds < 2 or args.repeats < 1:
        parser.error("--folds must be >= 2, --networks >= 2 x --folds and --repeats >= 1")
    space = create_space("nb201")
    archs, latency = measured_networks(TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"]))
    order = np.random.default_rng(0).permutation(len(archs))
    train, test = order[: args.networks], order[args.networks: args.networks + 400]
    y = np.log(latency[train])
    weights = np.ones((args.folds, len(train)))
    for f, rows in enumerate(np.array_split(np.arange(len(train)), args.folds)):
        weights[f, rows] = 0.0
    edges = space.cell_edges
    ops = space.encoding_size // len(edges)
    cases = [("mlp", MLP(seed=0), _Perceptron, False), ("graph", DagRegressor(edges, ops, seed=0), _DagNet, True),
             ("paths", PathRegressor(edges, ops, seed=0), _PathNet, True)]
    print(f"{args.networks} networks, {args.folds} folds, median of {args.repeats} fits (1 thread)\n")
    print("| model | vmap (s) | stacked (s) | stacked / vmap | largest prediction difference |")
    print("|---|---|---|---|---|")
    for name, regressor, net_class, one_hot_only in cases:
        if args.epochs:
            regressor.epochs = args.epochs
        features = LatencyPredictor(space, name)
        x, x_test = features.features([archs[i] for i in train], one_hot_only), \
            features.features([archs[i] for i in test], one_hot_only)
        regressor.fit_many(x[:10], y[:10], np.ones((2, 10)))  # warm-up: imports, first allocations
        times: dict[bool, list[float]] = {False: [], True: []}
        preds = {}
        for _ in range(args.repeats):
            for stacked in (False, True):
                seconds, models = _fit(regressor, x, y, weights, net_class, stacked)
                times[stacked].append(seconds)
                preds[stacked] = np.concatenate([m.predict(x_test) for m in models])
        vmap_s, stacked_s = statistics.median(times[False]), statistics.median(times[True])
        print(f"| {name} | {vmap_s:.2f} | {stacked_s:.2f} | {stacked_s / vmap_s:.2f} | "
              f"{np.max(np.abs(preds[True] - preds[False])):.1e} |", flush=True)


if __name__ == "__main__":
    main()
