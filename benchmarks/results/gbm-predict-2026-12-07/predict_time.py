"""Milliseconds of `LatencyPredictor.predict` for one architecture per call (200 calls) and for
200 at once, each kind fitted on 100 networks of the shipped Pi 5 table; run from the repository
and with PYTHONPATH at a worktree of the commit before."""
import edgenas
import time, numpy as np
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.estimate import TabularBenchmark
from edgenas.spaces import NB201Space
s=NB201Space()
archs,y=measured_networks(TabularBenchmark("nb201-pi5-onnx", s, metrics=["latency_ms"]))
for kind in ("gbm","hybrid","counts","paths","gbm+paths"):
    p=LatencyPredictor(s,kind).fit(archs[:100],y[:100])
    test=archs[200:400]
    p.predict(test[:1])
    t=time.perf_counter(); [p.predict([a]) for a in test]; one=(time.perf_counter()-t)/len(test)
    t=time.perf_counter(); p.predict(test); batch=(time.perf_counter()-t)
    print(edgenas.__file__.split("/edgenas/")[0], kind, f"one arch {one*1000:.2f} ms; 200 at once {batch*1000:.1f} ms")
