"""The "fastest network" landscape of the default-prior check: every NB201 cell scored by minus
its log Pi 5 ONNX latency, plus N(0, 0.05) per measured network (seeded 0), so that synflow,
which grows with a network's size, ranks the task backwards.

    python benchmarks/results/search-default-prior-2026-12-05/neg_latency_table.py neg-latency.csv
"""

import csv
import gzip
import sys

import numpy as np

from edgenas.estimate import shipped_table

rows = list(csv.DictReader(gzip.open(shipped_table("nb201-pi5-onnx"), "rt")))
rng = np.random.default_rng(0)
noise: dict[str, float] = {}
with open(sys.argv[1], "w") as f:
    f.write("arch,score\n")
    for row in rows:
        if row["measured_arch"] not in noise:
            noise[row["measured_arch"]] = rng.normal(0, 0.05)
        f.write(f"{row['arch']},{-np.log(float(row['latency_ms'])) + noise[row['measured_arch']]:.5f}\n")
