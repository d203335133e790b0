"""Differentiable search on NAS-Bench-201: the derived cells' CIFAR-10 accuracy from the table.

    python benchmarks/darts_nb201.py [--methods darts,darts2,gdas,rsps] [--seeds 3] [--epochs 10]
        [--train-size 5000] [--resolution 16] [--channels 8] [--cells 1] [--dataset fashion-mnist]
        [--arch-start N] [--first-seed 0]
    python benchmarks/darts_nb201.py --memory

Each method searches the NB201 cell on ``--dataset`` (weights on one half of the training images,
architecture on the other) with ``--seeds`` seeds; the derived cell is looked up in the shipped
NAS-Bench-201 table (200-epoch CIFAR-10 test accuracy). Prints mean +- std per method, the wall
time per search on this machine (one thread), and the cells. Results are kept in ``--workdir``
(a rerun continues). ``--memory``: the bytes autograd keeps for one training step of the mixed-op
supernet (DARTS) against one sampled path (GDAS, RSPS), at the search's size.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from edgenas.data import load_dataset
from edgenas.estimate import TabularBenchmark
from edgenas.oneshot.darts import CellSupernet, DartsConfig, cell_search
from edgenas.spaces import NB201Space
from edgenas.threads import torch_threads


def memory(args: argparse.Namespace) -> None:
    from proxyless_memory import saved_bytes

    space = NB201Space()
    torch.manual_seed(0)
    net = CellSupernet(space, 10, channels=args.channels, cells=args.cells)
    x, y = torch.randn(64, 3, args.resolution, args.resolution), torch.randint(0, 10, (64,))
    gen = torch.Generator().manual_seed(0)
    rows = {"mixed-op supernet (DARTS weight or architecture step)": lambda: F.cross_entropy(net(x), y),
            "one sampled path (GDAS, Gumbel hard one-hot)": lambda: F.cross_entropy(net.gumbel(x, 1.0, gen), y),
            "one path with shared weights (RSPS)": lambda: F.cross_entropy(net.path(x, space.sample(
                np.random.default_rng(0))), y)}
    base = None
    for name, run in rows.items():
        size = saved_bytes(run)
        base = base or size
        print(f"{name:55s} {size / 2**20:8.1f} MiB  {size / base:5.2f}x the mixed-op supernet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="darts,darts2,gdas,rsps")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--resolution", type=int, default=16)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--cells", type=int, default=1)
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--table", default="nb201-cifar10")
    parser.add_argument("--workdir", default="runs/darts-bench")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--affine", action="store_true", help="learnt BatchNorm scale and shift inside the cells")
    parser.add_argument("--arch-start", type=int, default=None, help="first epoch with architecture steps "
                        "(default: DartsConfig's)")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    args = parser.parse_args()
    if args.memory:
        memory(args)
        return
    space = NB201Space()
    table = TabularBenchmark(args.table, space)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    store = work / "results.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    data = load_dataset(args.dataset, resolution=args.resolution, seed=0)
    data = replace(data, x_train=data.x_train[: args.train_size], y_train=data.y_train[: args.train_size])
    setting = (f"{args.dataset} n{args.train_size} r{args.resolution} c{args.channels}x{args.cells} e{args.epochs}"
               + (" affine" if args.affine else "")
               + f" w{DartsConfig(epochs=args.epochs, arch_start=args.arch_start).arch_start}")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    for method in args.methods.split(","):
        for seed in seeds:
            key = f"{setting} {method} {seed}"
            if key not in results:
                config = DartsConfig(method=method, epochs=args.epochs, channels=args.channels, cells=args.cells,
                                     affine=args.affine, arch_start=args.arch_start, seed=seed)
                begin = time.perf_counter()
                with torch_threads(1):
                    arch, _, history = cell_search(space, data, config, work / f"{key}.pt")
                results[key] = {"arch": space.format(arch), "seconds": time.perf_counter() - begin,
                                **table.evaluate(arch), "history": [{k: v for k, v in h.items() if k != "alpha"}
                                                                    for h in history]}
                store.write_text(json.dumps(results, indent=1))
            r = results[key]
            print(f"{method:7s} seed {seed}: {r['test_accuracy']:.2f}%  {r['seconds']:.0f} s  {r['arch']}", flush=True)
        accs = [results[f"{setting} {method} {s}"]["test_accuracy"] for s in seeds]
        secs = [results[f"{setting} {method} {s}"]["seconds"] for s in seeds]
        print(f"{method:7s} CIFAR-10 (table) {np.mean(accs):.2f} +- {np.std(accs):.2f}  search {np.mean(secs):.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
