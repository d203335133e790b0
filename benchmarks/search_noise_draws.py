"""Regret over many draws of a noisy NAS-Bench-201 landscape, against Optuna TPE and an oracle.

    python benchmarks/search_noise_draws.py [--std 0.75] [--shift 0] [--draws 20] [--first-draw 100]
        [--seeds 10] [--budgets 50,100] [--strategies guided,local] [--no-optuna]
        [--references 100,300]

One noisy table (``nb201_landscape.py noisy --std S --seed K``: CIFAR-10 accuracy plus N(0, S)
per equivalence class) is a single draw of the noise, and on it the regret measures which
strategy met that draw's luckiest class as much as which one searches better. This runs every
strategy on ``--draws`` draws (seeds ``--first-draw`` on, each built exactly as the ``noisy``
command builds it) and prints the mean regret over draws with its standard error, and the ratio
to TPE's. Draws of separate ranges are independent landscapes, so defaults chosen on one range
can be checked on another.

The oracle knows every class's noise-free accuracy and asks the classes best first: no strategy
does better in expectation over draws (the noise is independent of everything it can learn),
so its regret is the floor of what a search can reach at this noise. ``--references K,...``
adds graded references between the oracle and random sampling: 10 random classes, then random
ones of the K best by noise-free accuracy (how far into the top a strategy's walk must stay).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from nb201_landscape import SPACE, cells, noisy_classes, write_table
from search_nb201 import best_so_far, run_optuna, run_ours, strategy_spec

from edgenas.estimate import TabularBenchmark
from edgenas.experiment import Objective


def task_shift(keys: list[str], arch_of: dict[str, object], scale: float, seed: int) -> np.ndarray:
    """A seeded random linear function of each class's features (edge ops one-hot and the
    space's structure features: op counts, live paths, depth), scaled to std ``scale`` over the
    classes: another task's systematic difference from CIFAR-10 (which ops pay off where), not
    noise, so a search can learn it and the task's top moves away from CIFAR-10's."""
    x = np.array([np.concatenate([SPACE.encode(arch_of[k]), SPACE.structure_features(arch_of[k])]) for k in keys],
                 dtype=np.float64)
    spread = x.std(0)
    x = (x[:, spread > 0] - x[:, spread > 0].mean(0)) / spread[spread > 0]
    shift = x @ np.random.default_rng([seed, 11]).standard_normal(x.shape[1])
    return shift / shift.std() * scale


def write_draw(path: Path, all_cells: list, cell_keys: list[str], accuracy: TabularBenchmark, std: float,
               seed: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The ``noisy`` table of this seed, written to ``path`` (``cell_keys``: each cell's
    equivalence class, computed once for every draw), plus ``task_shift`` of std ``shift``;
    returns the classes' noise-free values (the oracle's knowledge) and the noisy values as
    the table holds them."""
    keys, clean, noisy = noisy_classes(all_cells, accuracy, std, seed)
    if shift:
        arch_of = dict(zip(cell_keys, (arch for _, arch in all_cells)))
        moved = task_shift(keys, arch_of, shift, seed)
        clean, noisy = clean + moved, noisy + moved
    value = {key: float(f"{v:.6g}") for key, v in zip(keys, noisy)}
    write_table(path, all_cells, value, set(keys), cell_keys)
    return clean, np.array([value[key] for key in keys])


def oracle_regret(clean: np.ndarray, noisy: np.ndarray, budgets: list[int]) -> list[float]:
    """Regret after asking the classes in order of their noise-free accuracy."""
    order = np.argsort(-clean, kind="stable")
    return [float(noisy.max() - noisy[order[:b]].max()) for b in budgets]


def top_k_regret(clean: np.ndarray, noisy: np.ndarray, budgets: list[int], k: int, initial: int = 10,
                 repeats: int = 200, seed: int = 0) -> list[float]:
    """Mean regret of a reference that asks ``initial`` random classes, then random classes
    of the ``k`` best by noise-free accuracy: what a search reaches whose every move after
    its random start lands somewhere in that top. Between the oracle (asks the top in order)
    and random sampling, it says how far into the top a strategy's walk must stay."""
    rng = np.random.default_rng(seed)
    top = np.argsort(-clean, kind="stable")[:k]
    out = np.zeros(len(budgets))
    for _ in range(repeats):
        start = rng.choice(len(clean), initial, replace=False)
        rest = rng.permutation(top[~np.isin(top, start)])
        asked = np.concatenate([start, rest])
        out += [noisy.max() - noisy[asked[:b]].max() for b in budgets]
    return (out / repeats).tolist()


def mean_regrets(table: TabularBenchmark, optimum: float, specs: dict[str, tuple[str, dict]],
                 args: argparse.Namespace, budgets: list[int]) -> dict[str, np.ndarray]:
    """Each strategy's (and TPE's) regret per budget on one draw, the mean over seeds."""
    runs = {label: (lambda seed, name=name, params=params:
                    run_ours(name, seed, SPACE, table, Objective("score"), max(budgets), params))
            for label, (name, params) in specs.items()}
    if not args.no_optuna:
        runs["optuna-tpe"] = lambda seed: run_optuna("optuna-tpe", seed, SPACE, lambda a: table.evaluate(a)["score"],
                                                     max(budgets))
    return {name: np.mean([[optimum - best for best in best_so_far(run(seed), budgets)] for seed in range(args.seeds)],
                          axis=0)
            for name, run in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--std", type=float, default=0.75, help="the per-class noise's standard deviation")
    parser.add_argument("--shift", type=float, default=0.0, help="std of a seeded systematic difference from "
                        "CIFAR-10 per draw (a random linear function of the cells' features): another task")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--first-draw", type=int, default=100, help="the first draw's seed")
    parser.add_argument("--seeds", type=int, default=10, help="search seeds per draw")
    parser.add_argument("--budgets", default="50,100")
    parser.add_argument("--strategies", default="guided,local")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--references", default="", help="K1,K2,...: also the regret of 10 random classes, then "
                        "random ones of the K best by noise-free accuracy (how far into the top a walk must stay)")
    args = parser.parse_args()
    if args.draws < 2 or args.seeds < 1 or args.shift < 0:
        raise SystemExit("error: --draws must be >= 2 (a standard error needs two), --seeds >= 1 and --shift >= 0")
    budgets = [int(b) for b in args.budgets.split(",")]
    try:
        references = [int(k) for k in args.references.split(",") if k]
    except ValueError:
        references = [0]
    if any(k < 1 for k in references):
        raise SystemExit(f"error: --references takes positive class counts, e.g. 100,300; got {args.references!r}")
    specs = {label: strategy_spec(label) for label in args.strategies.split(",")}
    names = list(specs) + ([] if args.no_optuna else ["optuna-tpe"]) + ["oracle"] + [f"top-{k}" for k in references]
    all_cells = cells()
    cell_keys = [SPACE.equivalence_key(arch) for _, arch in all_cells]
    accuracy = TabularBenchmark("nb201-cifar10", SPACE)
    regret = {name: [] for name in names}  # per draw: the mean over seeds, per budget
    print(f"noise std {args.std}{f', task shift std {args.shift}' if args.shift else ''}, draws {args.first_draw}-{args.first_draw + args.draws - 1}, {args.seeds} seeds "
          f"per draw, budgets {budgets} distinct queries", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for draw in range(args.first_draw, args.first_draw + args.draws):
            path = Path(tmp) / f"draw{draw}.csv"
            clean, noisy = write_draw(path, all_cells, cell_keys, accuracy, args.std, draw, args.shift)
            table = TabularBenchmark(str(path), SPACE)
            for name, mean in mean_regrets(table, float(noisy.max()), specs, args, budgets).items():
                regret[name].append(mean)
            regret["oracle"].append(np.array(oracle_regret(clean, noisy, budgets)))
            for k in references:
                regret[f"top-{k}"].append(np.array(top_k_regret(clean, noisy, budgets, k, seed=draw)))
            line = ", ".join(f"{name} " + " / ".join(f"{r:.3f}" for r in regret[name][-1]) for name in names)
            print(f"draw {draw}: {line}", flush=True)

    print("\nMean regret over draws (± standard error), and its ratio to TPE's\n")
    header = "| strategy | " + " | ".join(f"@{b}" for b in budgets) + " | " + \
             " | ".join(f"/ TPE @{b}" for b in budgets) + " |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name in names:
        rows = np.array(regret[name])
        cells_ = " | ".join(f"{m:.3f} ± {s:.3f}" for m, s in zip(rows.mean(0), rows.std(0, ddof=1) / np.sqrt(len(rows))))
        if "optuna-tpe" in regret:
            tpe = np.array(regret["optuna-tpe"]).mean(0)
            cells_ += " | " + " | ".join(f"{m / t:.2f}" if t > 0 else "inf" for m, t in zip(rows.mean(0), tpe))
        else:
            cells_ += " | " + " | ".join("—" for _ in budgets)
        print(f"| {name} | {cells_} |")
    first = names[0]
    if len(specs) > 1:
        print(f"\nPaired over draws: each strategy's mean regret minus {first}'s (± standard error)\n")
        for name in list(specs)[1:]:
            diff = np.array(regret[name]) - np.array(regret[first])
            se = diff.std(0, ddof=1) / np.sqrt(len(diff))
            print(f"{name}: " + ", ".join(f"@{b} {m:+.3f} ± {e:.3f}" for b, m, e in zip(budgets, diff.mean(0), se)))


if __name__ == "__main__":
    main()
