"""Regret of every strategy on a NAS-Bench-201 table, side by side with Optuna, in one run.

    python benchmarks/search_nb201.py [--table FILE.csv] [--metric COL] [--seeds 20]
        [--budgets 50,100,300] [--strategies grid,random,evolution,reinforce,local]

For each strategy and seed one search runs to the largest budget (counted in *distinct*
table queries); the best accuracy found after 50 / 100 / 300 distinct queries gives the regret
to the table's optimum. Optuna's TPESampler and RandomSampler (``pip install optuna``) search
the same table with the six edges as categorical parameters; ``warm-local`` first ranks a pool
of random cells with a zero-cost proxy (no table query) and starts local search from the best; repeated suggestions are answered
from a cache and do not count as queries. Prints mean and median regret per budget.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from edgenas.estimate import TabularBenchmark
from edgenas.experiment import Experiment, Objective
from edgenas.spaces import Arch, NB201Space
from edgenas.spaces.nb201 import OPS


def best_so_far(values: list[float], budgets: list[int]) -> list[float]:
    out, best = [], float("-inf")
    marks = iter(sorted(budgets))
    mark = next(marks)
    for i, v in enumerate(values, start=1):
        best = max(best, v)
        while mark is not None and i == mark:
            out.append(best)
            mark = next(marks, None)
    while len(out) < len(budgets):
        out.append(best)
    return out


def run_ours(strategy: str, seed: int, space: NB201Space, table: TabularBenchmark, metric: str,
             budget: int, params: dict | None = None) -> list[float]:
    exp = Experiment(name=f"{strategy}-{seed}", space=space, evaluator=table, objective=Objective(metric),
                     strategy=strategy, strategy_params=params or {}, seed=seed, storage="sqlite://:memory:")
    return [t.metrics[metric] for t in exp.run(budget).trials]


def run_optuna(sampler_name: str, seed: int, space: NB201Space, table: TabularBenchmark, metric: str,
               budget: int) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.TPESampler(seed=seed) if sampler_name == "optuna-tpe"
               else optuna.samplers.RandomSampler(seed=seed))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    seen: dict[Arch, float] = {}
    order: list[float] = []
    for _ in range(budget * 20):
        trial = study.ask()
        arch = Arch({k: trial.suggest_categorical(k, OPS) for k in space.choices})
        if arch not in seen:
            seen[arch] = table.evaluate(arch)[metric]
            order.append(seen[arch])
        study.tell(trial, seen[arch])
        if len(order) >= budget:
            break
    return order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="nb201-cifar10", help="CSV path or shipped table name")
    parser.add_argument("--metric", default=None, help="column to maximise (default: first *acc* column)")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budgets", default="50,100,300")
    parser.add_argument("--strategies", default="grid,random,evolution,reinforce,local,warm-local,bananas")
    parser.add_argument("--warm-proxy", default="params", help="zero-cost proxy ranking warm-local's pool")
    parser.add_argument("--warm-pool", type=int, default=200)
    parser.add_argument("--no-optuna", action="store_true")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    space = NB201Space()
    table = TabularBenchmark(args.table, space)
    metric = args.metric or next((m for m in table.metrics if "acc" in m), table.metrics[0])
    _, optimum = table.best(metric)
    print(f"table {table.path} ({len(table.rows):,} cells), metric {metric}, optimum {optimum:.3f}; "
          f"{args.seeds} seeds; budgets {budgets} distinct queries\n")

    warm = {"proxy": args.warm_proxy, "pool": args.warm_pool}
    runners: dict[str, Callable[..., list[float]]] = {
        s: (lambda seed, s=s: run_ours(s, seed, space, table, metric, max(budgets), warm if s == "warm-local" else None))
        for s in args.strategies.split(",")
    }
    if not args.no_optuna:
        try:
            import optuna  # noqa: F401

            for name in ("optuna-tpe", "optuna-random"):
                runners[name] = lambda seed, name=name: run_optuna(name, seed, space, table, metric, max(budgets))
        except ImportError:
            print("optuna not installed: pip install optuna to add the TPE / random baselines\n")

    header = "| strategy | " + " | ".join(f"mean regret @{b} | median @{b}" for b in budgets) + " | s/run |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, runner in runners.items():
        regrets: list[list[float]] = [[] for _ in budgets]
        start = time.perf_counter()
        for seed in range(args.seeds):
            for i, best in enumerate(best_so_far(runner(seed), budgets)):
                regrets[i].append(optimum - best)
        seconds = (time.perf_counter() - start) / args.seeds
        cells = " | ".join(f"{statistics.mean(r):.3f} | {statistics.median(r):.3f}" for r in regrets)
        print(f"| {name} | {cells} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
