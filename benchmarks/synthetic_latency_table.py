"""Write a latency table for a simulated NB201 device whose latency is *not* additive, to check
that a latency predictor is not tuned to the (nearly additive) Pi 5 table.

    python benchmarks/synthetic_latency_table.py [--kind critical-path|barrier] [--noise 0.02]
        [--seed 0] -o runs/critical_path.csv

Two simulated devices, neither additive:
* ``critical-path`` runs a cell's branches in parallel: a node is ready when its slowest input
  is, so a cell costs its critical path; network latency 1 + 3 * path^1.3 ms.
* ``barrier`` runs the cell node by node with a barrier after each; the edges into a node run
  in parallel but share memory bandwidth (the slowest edge plus half of the others), and the
  network costs 1 + 2 * cell^1.1 ms.
Both are multiplied by log-normal measurement noise. Rows are the
networks that ran in the shipped Pi 5 table (one per isomorphism class), so the file has the
same format and the same train/test discipline: feed it to ``latency_predictors.py --table``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import measured_networks
from edgenas.spaces import NB201Space
from edgenas.spaces.nb201 import EDGES

OP_MS = {"none": 0.0, "skip_connect": 0.05, "nor_conv_1x1": 0.6, "nor_conv_3x3": 1.5, "avg_pool_3x3": 0.3}


def critical_path_ms(ops: tuple[str, ...]) -> float:
    finish = [0.0, 0.0, 0.0, 0.0]
    for (dst, src), op in zip(EDGES, ops):
        finish[dst] = max(finish[dst], finish[src] + OP_MS[op])
    return 1.0 + 3 * finish[3] ** 1.3


def barrier_ms(ops: tuple[str, ...]) -> float:
    cell = 0.0
    for node in (1, 2, 3):
        costs = [OP_MS[op] for (dst, _), op in zip(EDGES, ops) if dst == node]
        cell += max(costs) + 0.5 * (sum(costs) - max(costs))
    return 1.0 + 2 * cell ** 1.1


DEVICES = {"critical-path": critical_path_ms, "barrier": barrier_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=sorted(DEVICES), default="critical-path")
    parser.add_argument("--noise", type=float, default=0.02, help="log-normal sigma of the measurement noise")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default="runs/critical_path.csv")
    args = parser.parse_args()
    space = NB201Space()
    archs, _ = measured_networks(TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"]))
    rng = np.random.default_rng(args.seed)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["arch", "latency_ms"])
        for arch in archs:
            latency = DEVICES[args.kind](space.ops(arch)) * float(np.exp(rng.normal(0.0, args.noise)))
            writer.writerow([space.format(arch), f"{latency:.5f}"])
    print(f"wrote {len(archs)} networks to {out}")


if __name__ == "__main__":
    main()
