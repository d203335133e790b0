"""latency_transfer.py with `counts`' ridge penalty fixed (first argument: a number) or chosen
per fit by leave-one-out over a grid (first argument: comma-separated grid), as scanned in
session 43 (logs scan_*.txt; the scan ran against a COUNTS_ALPHA constant since replaced by the
grid COUNTS_ALPHAS, which this sets to one value or the grid):

    OMP_NUM_THREADS=1 python benchmarks/results/latency-counts-loo-2026-12-06/scan.py 0.1 \\
        --tables TABLE --sizes 10,20 --seeds 4 --test-max 2000
"""

import runpy
import sys

import edgenas.hardware.latency_predictor as lp

lp.COUNTS_ALPHAS = tuple(float(v) for v in sys.argv.pop(1).split(","))
sys.argv[0] = "benchmarks/latency_transfer.py"
runpy.run_path("benchmarks/latency_transfer.py", run_name="__main__")
