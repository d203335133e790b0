"""Scratch (session 37): `transfer` from a foreign source with the runtime's kernel counts among
its per-op corrections (`kernels="onnxruntime"`), and `auto` with both.

    OMP_NUM_THREADS=1 python s37_kernels.py --target T --from S [--sizes 10,20,100] [--seeds 4]

Test share within 10%, mean over the latency_transfer.py splits, and `auto`'s picks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space

SETUPS = {"transfer": ("transfer", True, None), "transfer+kernels": ("transfer", True, "onnxruntime"),
          "auto+kernels": ("auto", False, "onnxruntime"), "auto+sources": ("auto", True, None),
          "auto+sources+kernels": ("auto", True, "onnxruntime")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--from", dest="sources", required=True)
    parser.add_argument("--sizes", default="10,20,100")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(args.target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in args.sources.split(",")]
    print(f"| target | source | N | {' | '.join(SETUPS)} | auto+sources+kernels picks |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in SETUPS}
        picks = []
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = [archs[i] for i in order[:n]], [archs[i] for i in order[n:]]
            for name, (model, with_sources, kernels) in SETUPS.items():
                fitted = LatencyPredictor(space, model, seed=seed, sources=sources if with_sources else (),
                                          kernels=kernels).fit(tr, y[order[:n]])
                out[name].append(fitted.score(te, y[order[n:]])["within_10pct"])
            picks.append(fitted.kind_)
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | "
              + " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in SETUPS) + f" | {','.join(picks)} |", flush=True)


if __name__ == "__main__":
    main()
