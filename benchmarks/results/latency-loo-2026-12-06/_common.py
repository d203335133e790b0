"""What the session-37 scratch scripts beside this file share: the command line (--target,
--from, --sizes, --seeds), the tables it names, and the splits of benchmarks/latency_transfer.py."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space


def setup(sizes: str = "10,20,100", seeds: int = 8):  # noqa: ANN201
    """(args, space, archs, y, sources) from the command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--from", dest="sources", required=True)
    parser.add_argument("--sizes", default=sizes)
    parser.add_argument("--seeds", type=int, default=seeds)
    args = parser.parse_args()
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(args.target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in args.sources.split(",")]
    return args, space, archs, y, sources


def splits(n_total: int, n: int, seeds: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(seed, train indices, test indices): latency_transfer.py's permutation, the first n train."""
    for seed in range(seeds):
        order = np.random.default_rng(seed).permutation(n_total)
        yield seed, order[:n], order[n:]


def w10(pred: np.ndarray, truth: np.ndarray) -> float:
    """Share of predictions within 10% of the truth."""
    return float(np.mean(np.abs(pred / truth - 1) <= 0.10))
