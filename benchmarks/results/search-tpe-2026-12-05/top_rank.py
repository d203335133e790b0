"""Per held-out shifted draw: CIFAR-10 rank of the draw's top class, guided (linear) vs TPE regret."""
import re
import sys

import numpy as np

sys.path.insert(0, "benchmarks")
from nb201_landscape import SPACE, cells, noisy_classes
from search_noise_draws import task_shift

from edgenas.estimate import TabularBenchmark

shift, first, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ours, tpe_log = sys.argv[4], sys.argv[5]
def per(path, label):
    out = {}
    for line in open(path):
        m = re.match(r"draw (\d+): (.*)", line)
        if m:
            for part in m.group(2).split(", "):
                name, vals = part.rsplit(" ", 3)[0], part.rsplit(" ", 3)[1:]
                if name == label:
                    out[int(m.group(1))] = (float(vals[0]), float(vals[2]))
    return out
g, t = per(ours, "guided"), per(tpe_log, "optuna-tpe")
all_cells = cells()
acc = TabularBenchmark("nb201-cifar10", SPACE)
rows = []
for d in range(first, first + n):
    keys, clean, noisy = noisy_classes(all_cells, acc, 0.5, d)
    arch_of = {SPACE.equivalence_key(a): a for _, a in all_cells}
    base = clean.copy()
    moved = task_shift(keys, arch_of, shift, d)
    top = int(np.argmax(noisy + moved))
    rank = int((base > base[top]).sum()) + 1
    gap = np.sort(noisy + moved)[-1] - np.sort(noisy + moved)[-2]
    rows.append((d, rank, gap, *g[d], *t[d]))
    print(f"draw {d}: top's CIFAR-10 class rank {rank:5d}, gap {gap:.2f}, guided {g[d][0]:.3f}/{g[d][1]:.3f}, tpe {t[d][0]:.3f}/{t[d][1]:.3f}", flush=True)
r = np.array(rows)
for name, mask in (("top in C10's 100 best", r[:, 1] <= 100), ("others", r[:, 1] > 100)):
    s = r[mask]
    print(f"{name}: {mask.sum()} draws, guided {s[:,3].mean():.3f}/{s[:,4].mean():.3f}, tpe {s[:,5].mean():.3f}/{s[:,6].mean():.3f}, ratio {s[:,3].mean()/s[:,5].mean():.2f}/{s[:,4].mean()/s[:,6].mean():.2f}")
