"""Which hold-out figure should `auto` maximise when it picks a latency model from few networks?

    python benchmarks/latency_auto_choice.py --tables A.csv,B.csv [--sizes 10,20,50] [--seeds 4]
        [--models linear,gbm,...]

For each table, N and seed: N measured networks train, the rest (at most 2,000) test. Every
model's out-of-fold predictions on the N networks (5 folds, as `auto` makes them below 300)
give its hold-out figures; each rule picks a model, or combines several, and the share of test
networks within 10% of that choice is printed (mean over seeds). Rules: ``w10`` (`auto`'s own:
share within 10%, then MAPE), ``mape``, ``mdape`` (median APE), ``logrmse``, ``w5+w10+w20``;
``top2`` / ``top3`` (geometric mean of the 2 / 3 best by ``w10``), ``top2-log`` (the 2 best by
``logrmse``), ``median-all`` (the median of every model); ``oracle``, the best single model on
the test networks (what no rule can beat by picking); then each model's own share.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

PICKS = ("w10", "mape", "mdape", "logrmse", "w5+w10+w20")
BLENDS = ("top2", "top3", "top2-log", "median-all")


def figures(pred: np.ndarray, true: np.ndarray) -> dict[str, tuple[float, ...]]:
    ape = np.abs(pred / true - 1)
    within = [np.mean(ape <= t) for t in (0.05, 0.10, 0.20)]
    return {"w10": (within[1], -ape.mean()), "mape": (-ape.mean(),), "mdape": (-np.median(ape),),
            "logrmse": (-np.sqrt(np.mean(np.log(pred / true) ** 2)),), "w5+w10+w20": (sum(within), -ape.mean())}


def within_10(pred: np.ndarray, true: np.ndarray) -> float:
    return float(np.mean(np.abs(pred / true - 1) <= 0.10))


def one_split(space, archs, y, n: int, seed: int, models: list[str]) -> dict[str, float]:  # noqa: ANN001
    order = np.random.default_rng(100 + seed).permutation(len(y))
    train, test = order[:n], order[n:][:2000]
    a_train, a_test = [archs[i] for i in train], [archs[i] for i in test]
    predictor = LatencyPredictor(space, "auto", seed=seed)
    folds = np.array_split(np.random.default_rng(seed).permutation(n), 5)
    held = np.concatenate(folds)
    fig, pred = {}, {}
    for kind in models:
        out_of_fold = predictor._out_of_fold(kind, a_train, y[train], folds)
        fig[kind] = figures(out_of_fold[held], y[train][held])
        pred[kind] = predictor._predict_kind(kind, predictor._fit_kind(kind, a_train, y[train]), a_test)
    truth = y[test]
    out = {rule: within_10(pred[max(fig, key=lambda k: fig[k][rule])], truth) for rule in PICKS}

    def blend(kinds: list[str]) -> np.ndarray:
        return np.exp(np.mean([np.log(pred[k]) for k in kinds], axis=0))

    by_w10 = sorted(fig, key=lambda k: fig[k]["w10"], reverse=True)
    by_log = sorted(fig, key=lambda k: fig[k]["logrmse"], reverse=True)
    out |= {"top2": within_10(blend(by_w10[:2]), truth), "top3": within_10(blend(by_w10[:3]), truth),
            "top2-log": within_10(blend(by_log[:2]), truth),
            "median-all": within_10(np.median([pred[k] for k in fig], axis=0), truth),
            "oracle": max(within_10(p, truth) for p in pred.values())}
    return out | {f"model {kind}": within_10(p, truth) for kind, p in pred.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True)
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--sizes", default="10,20,50")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--models", default=None, help="default: every model `auto` chooses among")
    args = parser.parse_args()
    space = create_space(args.space)
    available = LatencyPredictor(space).models()
    models = args.models.split(",") if args.models else list(available)
    unknown = set(models) - set(available)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose among {', '.join(available)}")
    rules = [*PICKS, *BLENDS, "oracle", *(f"model {kind}" for kind in models)]
    print("| table | N | " + " | ".join(rules) + " |")
    print("|" + "---|" * (len(rules) + 2))
    for path in args.tables.split(","):
        archs, y = measured_networks(TabularBenchmark(path, space, metrics=["latency_ms"]))
        y = np.asarray(y, dtype=np.float64)
        for n in (int(s) for s in args.sizes.split(",")):
            start = time.perf_counter()
            runs = [one_split(space, archs, y, n, seed, models) for seed in range(args.seeds)]
            cells = " | ".join(f"{100 * np.mean([r[rule] for r in runs]):.1f}%" for rule in rules)
            print(f"| {path.split('/')[-1]} | {n} | {cells} |  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
