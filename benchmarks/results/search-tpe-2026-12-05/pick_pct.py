import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, "benchmarks")
from nb201_landscape import SPACE, cells
from search_nb201 import run_ours
from search_noise_draws import write_draw

from edgenas.estimate import TabularBenchmark
from edgenas.experiment import Objective

std, shift = float(sys.argv[1]), float(sys.argv[2])
all_cells = cells()
keys = [SPACE.equivalence_key(a) for _, a in all_cells]
acc = TabularBenchmark("nb201-cifar10", SPACE)
tot = {"tpe": [], "gp": []}
with tempfile.TemporaryDirectory() as tmp:
    for d in range(100, 110):
        path = Path(tmp) / f"d{d}.csv"
        write_draw(path, all_cells, keys, acc, std, d, shift)
        table = TabularBenchmark(str(path), SPACE)
        per = {"tpe": [], "gp": []}
        for seed in range(5):
            f = run_ours("guided", seed, SPACE, table, Objective("score"), 100, {"tpe_every": 3})
            for i in range(10, len(f)):
                kind = "tpe" if (i - 10) % 3 == 2 else "gp"
                per[kind].append(np.mean(np.array(f[:i]) < f[i]))
        print(d, {k: round(float(np.mean(v)), 3) for k, v in per.items()}, flush=True)
        for k in tot:
            tot[k] += per[k]
print("all", {k: round(float(np.mean(v)), 3) for k, v in tot.items()})
