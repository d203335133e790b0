"""Milliseconds of `LatencyPredictor.predict` for one architecture per call (200 calls) and for
200 at once, each kind fitted on 100 networks of the shipped Pi 5 table; run from the repository
and with PYTHONPATH at a worktree of 96d5986 (session 44's last commit)."""
import time

import edgenas
from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import NB201Space

space = NB201Space()
archs, y = measured_networks(TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"]))
test = archs[200:400]
for kind in ("gbm", "hybrid", "counts", "paths", "gbm+paths"):
    predictor = LatencyPredictor(space, kind).fit(archs[:100], y[:100])
    predictor.predict(test[:1])
    start = time.perf_counter()
    for arch in test:
        predictor.predict([arch])
    one = (time.perf_counter() - start) / len(test)
    start = time.perf_counter()
    predictor.predict(test)
    batch = time.perf_counter() - start
    print(edgenas.__file__.split("/edgenas/")[0], kind, f"one arch {one * 1000:.2f} ms; 200 at once {batch * 1000:.1f} ms")
