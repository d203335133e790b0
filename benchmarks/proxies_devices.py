"""The same NB201 cells scored by every proxy on the CPU and on a CUDA device: seconds per
proxy on each, and the scores side by side (they must agree; a proxy that silently returns
the worst score on one device is flagged).

    python benchmarks/proxies_devices.py [--cells 2] [--threads 4]

Needs a CUDA GPU; exits 1 when any score disagrees by more than 5%.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from edgenas.estimate import TabularBenchmark
from edgenas.estimate.proxies import WORST, list_proxies
from edgenas.estimate.proxies.evaluator import ProxyEvaluator
from edgenas.spaces import NB201Space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device here: run this on a GPU machine")
    torch.set_num_threads(args.threads)
    space = NB201Space()
    archs = TabularBenchmark("nb201-cifar10", space).archs()
    pick = [archs[i] for i in np.random.default_rng(args.seed).permutation(len(archs))[: args.cells]]
    names = list_proxies()
    scores = {}
    for device in ("cpu", "cuda"):
        evaluator = ProxyEvaluator(space, names, device=device, seed=args.seed)
        start = time.perf_counter()
        scores[device] = [evaluator.evaluate(a) for a in pick]
        per_proxy = {p: round(s / len(pick), 3) for p, s in evaluator.seconds.items()}
        print(f"{device}: {(time.perf_counter() - start) / len(pick):.2f} s per cell; per proxy {per_proxy}")
    bad = 0
    for i, arch in enumerate(pick):
        for p in names:
            c, g = scores["cpu"][i][p], scores["cuda"][i][p]
            off = (c <= WORST) != (g <= WORST) or abs(c - g) > 0.05 * max(abs(c), 1e-12)
            bad += off
            print(f"{space.format(arch)[:44]:44s} {p:10s} cpu {c:.6g} cuda {g:.6g}{'  <-- differs' if off else ''}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
