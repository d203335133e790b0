"""Regret of every strategy on NAS-Bench-201 tables, side by side with Optuna, in one run.

    python benchmarks/search_nb201.py [--tables FILE.csv[:COL],...] [--seeds 20]
        [--budgets 50,100,300] [--strategies grid,random,evolution,reinforce,local,guided]

A strategy may carry parameters other than its defaults: ``guided:initial=5+top=10``.
``--reward-cost nb201-pi5-onnx:latency_ms [--reward-weight -0.07]`` searches MnasNet's reward
(every table's metric x (cost / target) ** weight) with the cost as a cheap evaluator, as
``edgenas search --latency-table ... --reward-target-ms T`` runs it; Optuna sees the reward.

``--tables`` takes any tables of the 15,625 cells (``index,arch,METRIC...``; a shipped table's
name or a path, ``:COL`` naming the column to maximise, default the first *acc* column, else
the first metric). The summary at the end sets every strategy's mean regret against Optuna
TPE's on each table (the ratio: below 0.5 is half of TPE's regret).

For each strategy and seed one search runs to the largest budget (counted in *distinct*
table queries); the best accuracy found after 50 / 100 / 300 distinct queries gives the regret
to the table's optimum. Optuna's TPESampler and RandomSampler (``pip install optuna``) search
the same table with the six edges as categorical parameters; ``warm-local`` first ranks a pool
of random cells with a zero-cost proxy (no table query) and starts local search from the best; repeated suggestions are answered
from a cache and do not count as queries. Prints mean and median regret per budget.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from edgenas.errors import EdgeNASError
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


def run_ours(strategy: str, seed: int, space: NB201Space, table: TabularBenchmark, objective: Objective,
             budget: int, params: dict | None = None, cost: TabularBenchmark | None = None) -> list[float]:
    """Fitness per distinct query, in order; a reward's cost table is a cheap evaluator, as
    ``edgenas search --latency-table`` makes it (the strategy knows the cost before asking)."""
    exp = Experiment(name=f"{strategy}-{seed}", space=space, evaluator=table, objective=objective,
                     costs=[cost] if cost else [], strategy=strategy, strategy_params=params or {}, seed=seed,
                     storage="sqlite://:memory:")
    return [t.fitness for t in exp.run(budget).trials]


def run_optuna(sampler_name: str, seed: int, space: NB201Space, fitness: Callable[[Arch], float],
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
            seen[arch] = fitness(arch)
            order.append(seen[arch])
        study.tell(trial, seen[arch])
        if len(order) >= budget:
            break
    return order


def strategy_spec(label: str) -> tuple[str, dict]:
    """``guided:initial=5+top=10`` -> ("guided", {"initial": 5, "top": 10}): a strategy with
    parameters other than its defaults, so a parameter check is one command."""
    name, _, rest = label.partition(":")
    params = {}
    for item in filter(None, rest.split("+")):
        key, eq, value = item.partition("=")
        if not eq:
            raise SystemExit(f"strategy parameter {item!r} in {label!r} is not KEY=VALUE; write e.g. guided:initial=5")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value  # a word: the strategy says if it does not know it
    return name, params


def compare(space: NB201Space, spec: str, args: argparse.Namespace, budgets: list[int]) -> dict[str, list[float]]:
    """Print one table's regrets; return each runner's mean regret per budget."""
    path, _, metric = spec.partition(":")
    table = TabularBenchmark(path, space)
    metric = metric or next((m for m in table.metrics if "acc" in m), table.metrics[0])
    objective, cost = Objective(metric), None
    if args.reward_cost:
        cost_path, _, cost_metric = args.reward_cost.partition(":")
        cost = TabularBenchmark(cost_path, space, metrics=[cost_metric] if cost_metric else None, cheap=True)
        cost_metric = cost_metric or cost.metrics[0]
        target = args.reward_target or statistics.median(cost.evaluate(a)[cost_metric] for a in table.archs())
        below = args.reward_weight if args.reward_weight_below is None else args.reward_weight_below
        objective = Objective(metric, cost_metric=cost_metric, cost_target=target, weight_below=below,
                              weight_above=args.reward_weight)

    def fitness(arch: Arch) -> float:
        return objective.fitness({**table.evaluate(arch), **(cost.evaluate(arch) if cost else {})})

    optimum = max(fitness(a) for a in table.archs())
    reward = f" x ({objective.cost_metric} / {objective.cost_target:.4g}) ** ({objective.weight_below:g} below, " \
             f"{objective.weight_above:g} above)" if cost else ""
    print(f"table {table.path} ({len(table.rows):,} cells), metric {metric}{reward}, optimum {optimum:.3f}; "
          f"{args.seeds} seeds; budgets {budgets} distinct queries\n")

    warm = {"proxy": args.warm_proxy, "pool": args.warm_pool}
    runners: dict[str, Callable[..., list[float]]] = {}
    for label in args.strategies.split(","):
        name, params = strategy_spec(label)
        params = {**(warm if name == "warm-local" else {}), **params}
        runners[label] = lambda seed, name=name, params=params: run_ours(name, seed, space, table, objective,
                                                                         max(budgets), params, cost)
    if not args.no_optuna:
        try:
            import optuna  # noqa: F401

            for name in ("optuna-tpe", "optuna-random"):
                runners[name] = lambda seed, name=name: run_optuna(name, seed, space, fitness, max(budgets))
        except ImportError:
            print("optuna not installed: pip install optuna to add the TPE / random baselines\n")

    means: dict[str, list[float]] = {}
    per_seed: dict[str, list[list[float]]] = {}
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
        means[name] = [statistics.mean(r) for r in regrets]
        per_seed[name] = regrets
    print()
    print_paired(per_seed, budgets)
    return means


def print_paired(per_seed: dict[str, list[list[float]]], budgets: list[int]) -> None:
    """Each runner's regret minus the first's, per budget, over the same seeds (mean ± standard
    error): paired differences are far less noisy than the means."""
    first, *others = per_seed
    if not others or len(per_seed[first][0]) < 2:
        return
    print(f"Paired over seeds: each strategy's regret minus {first}'s (mean ± standard error)\n")
    for name in others:
        cells = []
        for b, mine, base in zip(budgets, per_seed[name], per_seed[first]):
            diff = [m - r for m, r in zip(mine, base)]
            cells.append(f"@{b} {statistics.mean(diff):+.3f} ± {statistics.stdev(diff) / len(diff) ** 0.5:.3f}")
        print(f"{name}: {', '.join(cells)}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="nb201-cifar10", help="CSV paths or shipped table names, ':COL' to pick the metric")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budgets", default="50,100,300")
    parser.add_argument("--strategies", default="grid,random,evolution,reinforce,local,guided,warm-local,bananas")
    parser.add_argument("--warm-proxy", default="params", help="zero-cost proxy ranking warm-local's pool")
    parser.add_argument("--warm-pool", type=int, default=200)
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--reward-cost", default=None, metavar="TABLE[:COL]",
                        help="search the MnasNet reward metric x (cost / target) ** weight, the cost from this "
                             "table (e.g. nb201-pi5-onnx:latency_ms), known to our strategies before each query")
    parser.add_argument("--reward-weight", type=float, default=-0.07)
    parser.add_argument("--reward-weight-below", type=float, default=None, help="default --reward-weight")
    parser.add_argument("--reward-target", type=float, default=None, help="default the cost's median")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    space = NB201Space()
    try:
        results = {spec: compare(space, spec, args, budgets) for spec in args.tables.split(",")}
    except EdgeNASError as exc:  # a missing table or column: one line, not a traceback
        raise SystemExit(f"error: {exc}") from None
    if "optuna-tpe" not in next(iter(results.values())):
        return
    print("Mean regret against Optuna TPE's (ratio < 0.5: half of TPE's regret)\n")
    header = "| table | strategy | " + " | ".join(f"@{b} | TPE @{b} | ratio @{b}" for b in budgets) + " |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for spec, means in results.items():
        tpe = means["optuna-tpe"]
        for name, mine in means.items():
            if name.startswith("optuna"):
                continue
            cells = " | ".join(f"{m:.3f} | {t:.3f} | {m / t if t > 0 else float('inf'):.2f}"
                               for m, t in zip(mine, tpe))
            print(f"| {spec} | {name} | {cells} |")


if __name__ == "__main__":
    main()
