"""Build a development search landscape over the 15,625 NAS-Bench-201 cells: a table nobody tuned to.

    python benchmarks/nb201_landscape.py proxy --proxy meco -o benchmarks/data/nb201-meco.csv
    python benchmarks/nb201_landscape.py train -o benchmarks/data/nb201-fmnist-short.csv [--jobs 2]
    python benchmarks/nb201_landscape.py noisy --std 0.5 -o benchmarks/data/nb201-cifar10-noisy.csv
    python benchmarks/nb201_landscape.py reward -o benchmarks/data/nb201-reward-pi5.csv [--weight -0.07]
        [--cost latency_ms|macs] [--weight-below W] [--target T]

One network per equivalence class (``NB201Space.equivalence_key``: cells computing the same
function) is scored, in a seeded random order, and every cell of the class gets its score, so
the table is complete and a search sees the same value for isomorphic cells, as in the real
benchmark. ``proxy`` scores each class with a zero-cost proxy (digits batches, seeded init);
``train`` trains a small NB201 network (``--channels`` C, one cell per stage) for ``--epochs``
on ``--train-size`` Fashion-MNIST images at ``--resolution`` px and reports validation accuracy:
a noisy short-training landscape, the kind a search on a new task meets. ``noisy`` adds seeded
Gaussian noise of ``--std`` to the shipped CIFAR-10 accuracy of each class: one training seed's
figure instead of the mean over seeds (the real spread is about 0.1-0.5 points on CIFAR-10).
``reward`` scores every cell (not class: isomorphic cells run different ops) with MnasNet's
trade-off on measured data, shipped CIFAR-10 accuracy x (Pi 5 ONNX latency / ``--target``) **
``--weight`` (``Objective``'s scalarisation; target default the table's median latency): the
landscape of a user who trades accuracy for speed, whose optimum is not CIFAR-10's. ``--cost
macs`` trades against profiled MACs instead, and ``--weight-below 0`` makes the target a
soft limit (no reward for going under it), MnasNet's other setting.

Scores are appended to ``OUT.partial`` as they come, so a stopped run resumes where it was; once
every class is scored and the table written, the partial files are removed.
The table (``index,arch,score``; ``index`` as in the shipped NB201 tables) is written when
every class is scored; ``--fill`` writes it earlier, the classes not yet scored predicted by a
boosted-tree model fitted on the scored ones (NAS-Bench-301's surrogate idea), and a
``measured`` column (1/0) says which rows were scored.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from edgenas.spaces import Arch, NB201Space

SPACE = NB201Space()


def cells() -> list[tuple[int, Arch]]:
    """(NB201 index, arch) of every cell, in the benchmark's index order."""
    from edgenas.estimate.tabular import _read_text, shipped_table

    text = _read_text(shipped_table("nb201-cifar10"))
    rows = [(int(r["index"]), SPACE.parse(r["arch"])) for r in csv.DictReader(text.splitlines())]
    return sorted(rows, key=lambda r: r[0])


def classes(all_cells: list[tuple[int, Arch]], seed: int) -> list[tuple[str, Arch]]:
    """One representative (the lowest index) per equivalence class, in a seeded random order."""
    reps: dict[str, Arch] = {}
    for _, arch in all_cells:
        reps.setdefault(SPACE.equivalence_key(arch), arch)
    keys = sorted(reps)
    order = np.random.default_rng(seed).permutation(len(keys))
    return [(keys[i], reps[keys[i]]) for i in order]


def noisy_classes(all_cells: list[tuple[int, Arch]], accuracy, std: float, seed: int
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The ``noisy`` landscape: each class (in its seeded order), its CIFAR-10 accuracy, and
    that accuracy plus one seeded N(0, ``std``) draw."""
    rng = np.random.default_rng([seed, 7])
    reps = classes(all_cells, seed)
    clean = np.array([accuracy.evaluate(arch)["test_accuracy"] for _, arch in reps])
    return [key for key, _ in reps], clean, clean + std * rng.standard_normal(len(reps))


def write_table(out: Path, all_cells: list[tuple[int, Arch]], values: dict[str, float], measured: set[str],
                cell_keys: list[str] | None = None) -> None:
    """Every cell with its class's value (``cell_keys``: each cell's class, when known)."""
    keys = cell_keys or [SPACE.equivalence_key(arch) for _, arch in all_cells]
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "arch", "score", "measured"])
        for (index, arch), key in zip(all_cells, keys):
            w.writerow([index, SPACE.format(arch), f"{values[key]:.6g}", int(key in measured)])


_SCORER = None


def _init(args: argparse.Namespace) -> None:
    import torch

    global _SCORER
    torch.set_num_threads(1)
    if args.kind == "proxy":
        from edgenas.estimate.proxies import ProxyEvaluator

        evaluator = ProxyEvaluator(SPACE, [args.proxy], data="digits", seed=args.seed)
        _SCORER = lambda arch: evaluator.evaluate(arch)[args.proxy]  # noqa: E731
        return
    from edgenas.data import load_dataset
    from edgenas.estimate.train import TrainConfig, Trainer

    data = load_dataset("fashion-mnist", resolution=args.resolution, channels=3, seed=args.seed)
    n, v = args.train_size, args.val_size
    data = dataclasses.replace(data, x_train=data.x_train[:n], y_train=data.y_train[:n],
                               x_val=data.x_val[:v], y_val=data.y_val[:v], x_test=data.x_test[:1], y_test=data.y_test[:1])
    config = TrainConfig(epochs=args.epochs, batch_size=64, lr=0.05, warmup_epochs=0.2, seed=args.seed)

    def score(arch: Arch) -> float:
        torch.manual_seed(args.seed)
        model = SPACE.build(arch, num_classes=10, channels=args.channels, cells=1)
        return 100.0 * Trainer(config).fit(model, data).history[-1]["val_accuracy"]

    _SCORER = score


def _score(item: tuple[str, str]) -> tuple[str, float]:
    key, arch_json = item
    return key, float(_SCORER(Arch.from_json(arch_json)))


def read_partial(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    with path.open() as f:
        return {row[0]: float(row[1]) for row in csv.reader(f) if len(row) == 2}


def fill_missing(all_cells: list[tuple[int, Arch]], scored: dict[str, float], seed: int) -> dict[str, float]:
    from edgenas.learn import GradientBoosting

    reps = {SPACE.equivalence_key(a): a for _, a in all_cells}
    known = sorted(scored)
    missing = sorted(set(reps) - set(scored))
    if not missing:
        return dict(scored)
    features = lambda keys: np.array([np.concatenate([SPACE.encode(reps[k]), SPACE.structure_features(reps[k])])  # noqa: E731
                                      for k in keys])
    model = GradientBoosting(seed=seed).fit(features(known), np.array([scored[k] for k in known]))
    return {**dict(zip(missing, model.predict(features(missing)).tolist())), **scored}


def write_reward(out: Path, cost: str, weight: float, weight_below: float | None, target: float | None) -> None:
    """The MnasNet reward of every cell from the shipped accuracy table and a cost: the Pi 5
    latency table (``latency_ms``) or the profiled MACs (``macs``)."""
    from edgenas.estimate import TabularBenchmark
    from edgenas.experiment import Objective
    from edgenas.hardware.cost import ProfileCost

    accuracy = TabularBenchmark("nb201-cifar10", SPACE)
    all_cells = cells()
    if cost == "latency_ms":
        source = TabularBenchmark("nb201-pi5-onnx", SPACE)
        costs = [source.evaluate(arch)["latency_ms"] for _, arch in all_cells]
    else:  # every edge maps C to C channels at one size: a cell's MACs depend on its ops, not their places
        profiler, by_ops = ProfileCost(SPACE), {}
        for _, arch in all_cells:
            by_ops.setdefault(tuple(sorted(SPACE.ops(arch))), arch)
        macs = {ops: profiler.evaluate(arch)["macs"] for ops, arch in by_ops.items()}
        costs = [macs[tuple(sorted(SPACE.ops(arch)))] for _, arch in all_cells]
        cost_table = out.with_name("nb201-macs.csv")
        with cost_table.open("w", newline="") as f:
            csv.writer(f).writerows([("index", "arch", "macs"),
                                     *((i, SPACE.format(a), f"{c:.0f}") for (i, a), c in zip(all_cells, costs))])
        print(f"wrote {cost_table}: the cost table (search with it as a cheap cost)")
    target = target or float(np.median(costs))
    below = weight if weight_below is None else weight_below
    objective = Objective("test_accuracy", cost_metric=cost, cost_target=target, weight_below=below,
                          weight_above=weight)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "arch", "score", "measured"])
        for (index, arch), c in zip(all_cells, costs):
            reward = objective.fitness({**accuracy.evaluate(arch), cost: c})
            w.writerow([index, SPACE.format(arch), f"{reward:.6g}", 1])
    print(f"wrote {out}: {len(all_cells):,} cells, {cost} target {target:.4g}, weight {below} below, {weight} above")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("proxy", "train", "noisy", "reward"))
    parser.add_argument("-o", "--out", required=True, type=Path)
    parser.add_argument("--proxy", default="meco")
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-size", type=int, default=1500)
    parser.add_argument("--val-size", type=int, default=1000)
    parser.add_argument("--resolution", type=int, default=16)
    parser.add_argument("--std", type=float, default=0.5, help="noisy: the noise's standard deviation")
    parser.add_argument("--weight", type=float, default=-0.07, help="reward: the latency exponent")
    parser.add_argument("--weight-below", type=float, default=None,
                        help="reward: the exponent below the target (default --weight; 0 is a hard-ish limit)")
    parser.add_argument("--target", type=float, default=None, help="reward: the cost target (default its median)")
    parser.add_argument("--cost", choices=("latency_ms", "macs"), default="latency_ms",
                        help="reward: the Pi 5 ONNX latency table, or MACs profiled per cell")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="score at most this many classes in this run")
    parser.add_argument("--shard", default="0/1", help="K/N: score every N-th class from the K-th (N processes, "
                        "each its own partial file; the table is written from all of them)")
    parser.add_argument("--fill", action="store_true", help="write the table now; unscored classes predicted")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.kind == "reward":
        return write_reward(args.out, args.cost, args.weight, args.weight_below, args.target)

    all_cells = cells()
    if args.kind == "noisy":
        from edgenas.estimate import TabularBenchmark

        keys, _, noisy = noisy_classes(all_cells, TabularBenchmark("nb201-cifar10", SPACE), args.std, args.seed)
        write_table(args.out, all_cells, dict(zip(keys, noisy.tolist())), set(keys))
        print(f"wrote {args.out}: {len(all_cells):,} cells, {len(keys):,} classes")
        return
    todo_all = classes(all_cells, args.seed)
    k, n = (int(v) for v in args.shard.split("/"))
    partials = [args.out.with_name(args.out.name + (".partial" if i == 0 else f".partial{i}")) for i in range(max(n, 8))]
    partial = partials[k]
    scored = {key: v for p in partials for key, v in read_partial(p).items()}
    todo = [(key, a.to_json()) for key, a in todo_all[k::n] if key not in scored][: args.limit]
    print(f"{len(todo_all):,} classes, {len(scored):,} scored, {len(todo):,} to score now", flush=True)
    start = time.perf_counter()
    if todo and not args.fill:
        ctx = get_context("spawn")
        with ctx.Pool(args.jobs, initializer=_init, initargs=(args,)) as pool, partial.open("a") as f:
            for i, (key, value) in enumerate(pool.imap(_score, todo, chunksize=4), start=1):
                f.write(f"{key},{value!r}\n")
                f.flush()
                os.fsync(f.fileno())
                scored[key] = value
                if i % 50 == 0 or i == len(todo):
                    rate = (time.perf_counter() - start) / i
                    print(f"{i:,}/{len(todo):,} scored, {rate:.2f} s each", flush=True)
    scored = {key: v for p in partials for key, v in read_partial(p).items()}  # other shards' too
    if len(scored) < len(todo_all) and not args.fill:
        print(f"{len(todo_all) - len(scored):,} classes left; run again to go on, or --fill to write the table now")
        return
    write_table(args.out, all_cells, fill_missing(all_cells, scored, args.seed), set(scored))
    if len(scored) == len(todo_all):  # complete: the table holds every score, the resume logs are spent
        for p in partials:
            p.unlink(missing_ok=True)
    print(f"wrote {args.out}: {len(all_cells):,} cells, {len(scored):,} of {len(todo_all):,} classes scored")


if __name__ == "__main__":
    sys.exit(main())
