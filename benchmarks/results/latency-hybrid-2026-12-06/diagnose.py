"""Why `hybrid` misses on the ViT ONNX Runtime table (session 41): its ridge base and the
final prediction on the networks not fitted, one split of 100.

    python benchmarks/results/latency-hybrid-2026-12-06/diagnose.py benchmarks/data/vit-onnxruntime-cpu-5pass.csv
"""
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

space = create_space(sys.argv[1] if len(sys.argv) > 2 else "vit")
archs, y = measured_networks(TabularBenchmark(sys.argv[-1], space, metrics=["latency_ms"]))
for seed in range(3):
    order = np.random.default_rng(seed).permutation(len(archs))
    tr, te = order[:100], order[100:]
    pred = LatencyPredictor(space, "hybrid", seed=seed).fit([archs[i] for i in tr], y[tr])
    X_te = pred.features([archs[i] for i in te])
    X_tr = pred.features([archs[i] for i in tr])
    parts = pred.parts_ if hasattr(pred, "parts_") else None
    ratio = pred.predict([archs[i] for i in te]) / y[te]
    print(f"seed {seed}: features {X_tr.shape[1]}, rank {np.linalg.matrix_rank(X_tr)}; "
          f"ratio pred/true quantiles 1/10/50/90/99%: {np.percentile(ratio, [1, 10, 50, 90, 99]).round(3)}")
