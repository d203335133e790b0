"""Scratch (session 37): `transfer` from a foreign source with the runtime's kernel counts among
its per-op corrections (`kernels="onnxruntime"`), and `auto` with both.

    OMP_NUM_THREADS=1 python s37_kernels.py --target T --from S [--sizes 10,20,100] [--seeds 4]

Test share within 10%, mean over the latency_transfer.py splits, and `auto`'s picks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import setup, splits

from edgenas.hardware import LatencyPredictor

SETUPS = {"transfer": ("transfer", True, None), "transfer+kernels": ("transfer", True, "onnxruntime"),
          "auto+kernels": ("auto", False, "onnxruntime"), "auto+sources": ("auto", True, None),
          "auto+sources+kernels": ("auto", True, "onnxruntime")}


def main() -> None:
    args, space, archs, y, sources = setup("10,20,100", 4)
    print(f"| target | source | N | {' | '.join(SETUPS)} | auto+sources+kernels picks |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in SETUPS}
        picks = []
        for seed, train, test in splits(len(archs), n, args.seeds):
            tr, te = [archs[i] for i in train], [archs[i] for i in test]
            for name, (model, with_sources, kernels) in SETUPS.items():
                fitted = LatencyPredictor(space, model, seed=seed, sources=sources if with_sources else (),
                                          kernels=kernels).fit(tr, y[train])
                out[name].append(fitted.score(te, y[test])["within_10pct"])
            picks.append(fitted.kind_)
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | "
              + " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in SETUPS) + f" | {','.join(picks)} |", flush=True)


if __name__ == "__main__":
    main()
