"""Scratch (session 40): `linear` and `auto` on the 3-pass ViT tables with the block counts
(`ViTSpace.rewrite_features`, rewrites=True, the default) and without them (rewrites=False:
the one-hot choices, as before). Train on N, score on every other network, seeds 0-2.

    OMP_NUM_THREADS=1 python vit_counts.py TABLE.csv N[,N] [KIND,KIND] [COUNTS,COUNTS]
"""
import sys
import time

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.spaces import ViTSpace

space = ViTSpace()
archs, y = measured_networks(TabularBenchmark(sys.argv[1], space, metrics=["latency_ms"]))
for n in (int(v) for v in sys.argv[2].split(",")):
    for kind in (sys.argv[3] if len(sys.argv) > 3 else "linear,auto").split(","):
        for rewrites in [v == "True" for v in (sys.argv[4] if len(sys.argv) > 4 else "False,True").split(",")]:
            share, share5, chose, start = [], [], [], time.time()
            for seed in range(3):
                o = np.random.default_rng(seed).permutation(len(y))
                tr, te = o[:n], o[n:]
                p = LatencyPredictor(space, kind, seed=seed, rewrites=rewrites).fit([archs[i] for i in tr], y[tr])
                s = p.score([archs[i] for i in te], y[te])
                share.append(s["within_10pct"])
                share5.append(s["within_5pct"])
                chose.append(p.kind_)
            print(f"N={n} {kind:6s} counts={rewrites!s:5s} within 10% {100 * np.mean(share):.1f} "
                  f"(5% {100 * np.mean(share5):.1f}) {[round(100 * v, 1) for v in share]} {chose} "
                  f"{time.time() - start:.0f} s", flush=True)
