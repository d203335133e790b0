"""Seconds of `LatencyPredictor(space).fit` (auto) on N networks of the shipped Pi 5 table, median
of 3; run from the repository (after) and with PYTHONPATH at a worktree of the commit before."""
import statistics
import sys
import time

import numpy as np

import edgenas
from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import NB201Space

space = NB201Space()
archs, y = measured_networks(TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"]))
for n in (int(a) for a in sys.argv[1:] or ["20", "100"]):
    idx = np.random.default_rng(n).permutation(len(archs))[:n]
    times, kinds = [], set()
    for _ in range(3):
        start = time.perf_counter()
        kinds.add(LatencyPredictor(space).fit([archs[i] for i in idx], y[idx]).kind_)
        times.append(time.perf_counter() - start)
    print(f"{edgenas.__file__.split('/edgenas/')[0]}: N={n} auto fit {statistics.median(times):.2f} s ({', '.join(sorted(kinds))})")
