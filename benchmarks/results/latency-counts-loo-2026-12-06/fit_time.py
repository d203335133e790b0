"""Seconds to fit each fallback on 2,000 Pi 5 networks, one thread (session 43; one run, the first fit pays the imports)."""
import time

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware.latency_predictor import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

space = create_space("nb201")
archs, y = measured_networks(TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"]))
pick = np.random.default_rng(0).permutation(len(archs))[:2000]
for m in ("hybrid+paths+gbm", "counts+hybrid+paths", "hybrid+paths+gbm+counts"):
    t = time.perf_counter()
    LatencyPredictor(space, m).fit([archs[i] for i in pick], y[pick])
    print(m, f"{time.perf_counter() - t:.1f} s", flush=True)
