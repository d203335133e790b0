"""Regret of the strategies under a hard latency limit on NAS-Bench-201 (the demo's search).

    python benchmarks/search_constrained.py [--limits 2,4] [--seeds 20] [--budgets 50,100]
        [--strategies guided,local,evolution,guided:top=10] [--accuracy nb201-cifar10] [--latency nb201-pi5-onnx]

Each run is `create_experiment(..., costs=["latency-table:LATENCY"], constraints=["latency_ms<=L"])`,
the path of `edgenas search --latency-table ... --max-latency-ms L`: infeasible cells are never
evaluated. Regret = the best accuracy of the table among cells under the limit minus the best
found after 50 / 100 evaluations; mean over seeds.
"""

from __future__ import annotations

import argparse
import statistics

from search_nb201 import print_paired, strategy_spec

from edgenas.estimate import TabularBenchmark
from edgenas.experiment import create_experiment
from edgenas.spaces import NB201Space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", default="2,4", help="latency limits in ms")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budgets", default="50,100")
    parser.add_argument("--strategies", default="guided,local,evolution")
    parser.add_argument("--accuracy", default="nb201-cifar10")
    parser.add_argument("--latency", default="nb201-pi5-onnx")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    space = NB201Space()
    accuracy = TabularBenchmark(args.accuracy, space)
    latency = TabularBenchmark(args.latency, space, metrics=["latency_ms"])
    metric = next((m for m in accuracy.metrics if "acc" in m), accuracy.metrics[0])
    print("| limit (ms) | feasible cells | strategy | " + " | ".join(f"mean regret @{b}" for b in budgets) + " |")
    print("|" + "---|" * (3 + len(budgets)))
    paired = []
    for limit in (float(v) for v in args.limits.split(",")):
        per_seed: dict[str, list[list[float]]] = {}
        feasible = [a for a in accuracy.archs() if latency.evaluate(a)["latency_ms"] <= limit]
        top = max(accuracy.evaluate(a)[metric] for a in feasible)
        for strategy in args.strategies.split(","):
            name, params = strategy_spec(strategy)
            regrets: list[list[float]] = [[] for _ in budgets]
            for seed in range(args.seeds):
                experiment = create_experiment(
                    name=f"{name}-{limit}-{seed}", space=space, evaluator=accuracy, objective=metric,
                    costs=[f"latency-table:{args.latency}"], constraints=[f"latency_ms<={limit!r}"],
                    strategy=name, strategy_params=params, seed=seed, storage="sqlite://:memory:")
                found = [t.metrics.get(metric, float("-inf")) for t in experiment.run(max(budgets)).trials]
                for i, budget in enumerate(budgets):
                    regrets[i].append(top - max(found[:budget]))
            cells = " | ".join(f"{statistics.mean(r):.3f}" for r in regrets)
            print(f"| {limit:g} | {len(feasible):,} | {strategy} | {cells} |", flush=True)
            per_seed[strategy] = regrets
        paired.append((limit, per_seed))
    for limit, per_seed in paired:
        if args.seeds > 1:
            print(f"\nLimit {limit:g} ms.", end=" ")
        print_paired(per_seed, budgets)


if __name__ == "__main__":
    main()
