"""A device that runs a cell's branches in parallel (the tests' critical-path latency on the Pi 5
table's networks): `auto`, `paths` and `counts` from 10 and 20 networks, 4 splits (session 42).

    python benchmarks/results/latency-counts-2026-12-06/parallel.py
"""
import sys

sys.path.insert(0, "tests")
import numpy as np
from test_hardware import _critical_path_latency

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

space = create_space("nb201")
archs, _ = measured_networks(TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"]))
y = np.array([_critical_path_latency(space, a) for a in archs])
for n in (10, 20):
    for model in ("auto", "paths", "counts"):
        w, ch = [], []
        for seed in range(4):
            o = np.random.default_rng(seed).permutation(len(archs))
            tr, te = o[:n], o[n:2000]
            f = LatencyPredictor(space, model, seed=seed).fit([archs[i] for i in tr], y[tr])
            w.append(f.score([archs[i] for i in te], y[te])["within_10pct"])
            ch.append(f.kind_)
        print(n, model, round(100 * np.mean(w), 1), ch, flush=True)
