"""auto at 1,000 networks of the 1,200-network PyTorch table, scored on all other networks and
on those whose passes agree within 5% (spread of log latency < 0.05). A table path may be given
(default: the 3-pass one)."""
import collections
import csv
import sys

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import create_space

space = create_space("nb201")
F = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/data/nb201-here-torch1-3pass-1200.csv"
t = collections.defaultdict(dict)
for r in csv.DictReader(open(F + ".passes")):
    t[r["arch"]][int(r["pass"])] = float(r["latency_ms"])
spread = {space.parse(a): np.ptp(np.log(list(v.values()))) for a, v in t.items()}
archs, y = measured_networks(TabularBenchmark(F, space, metrics=["latency_ms"]))
print("networks whose passes agree within 5%:", np.mean([spread[a] < 0.05 for a in archs]))
for seed in range(4):
    order = np.random.default_rng(seed).permutation(len(archs))
    tr, te = order[:1000], order[1000:]
    T = [archs[i] for i in te]
    p = LatencyPredictor(space, seed=seed).fit([archs[i] for i in tr], y[tr])
    err = np.abs(p.predict(T) / y[te] - 1)
    steady = np.array([spread[a] < 0.05 for a in T])
    print(seed, p.kind_, f"all {100*(err<0.1).mean():.1f}% ({100*(err<0.05).mean():.1f}%)",
          f"steady ({steady.sum()}) {100*(err[steady]<0.1).mean():.1f}% ({100*(err[steady]<0.05).mean():.1f}%)",
          f"unsteady {100*(err[~steady]<0.1).mean():.1f}%", flush=True)
