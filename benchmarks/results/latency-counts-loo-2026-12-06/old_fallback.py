"""latency_transfer.py with the fallback of before session 43 (`hybrid+paths+gbm`), the rest of
the code as committed: the fallback's own effect (session 43, log unseen_old_fallback.txt)."""

import runpy
import sys

from edgenas.hardware.latency_predictor import LatencySource

LatencySource.fallback_model = staticmethod(lambda space: "hybrid+paths+gbm")
sys.argv[0] = "benchmarks/latency_transfer.py"
runpy.run_path("benchmarks/latency_transfer.py", run_name="__main__")
