"""The rewrite counts among `transfer`'s penalised per-op corrections (its structure columns):
`transfer` alone from a foreign source at 10 and 20 networks, 8 splits, and `auto` with the
source at 20, without and with them.

    OMP_NUM_THREADS=1 python s39_transfer_rewrites.py --target T --from S
"""

from __future__ import annotations

import sys

import numpy as np

from edgenas.hardware import LatencyPredictor

sys.path.insert(0, "benchmarks/results/latency-loo-2026-12-06")
from _common import setup, splits, w10  # noqa: E402


class Rw(LatencyPredictor):
    def _structure(self, archs):
        return np.hstack([super()._structure(archs), [self.space.rewrite_features(a) for a in archs]])


def main() -> None:
    args, space, archs, y, sources = setup("10,20", 8)
    archs = list(archs)
    for n in (int(v) for v in args.sizes.split(",")):
        out = {k: [] for k in ("transfer", "transfer+rw", "auto", "auto+rw")}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            a_tr, a_te = [archs[i] for i in tr], [archs[i] for i in te]
            for name, cls, model in (("transfer", LatencyPredictor, "transfer"), ("transfer+rw", Rw, "transfer"),
                                     ("auto", LatencyPredictor, "auto"), ("auto+rw", Rw, "auto")):
                p = cls(space, model, seed=seed, sources=sources).fit(a_tr, y[tr])
                out[name].append(w10(p.predict(a_te), y[te]))
        print(f"{args.target} from {args.sources} N={n}: "
              + "  ".join(f"{k} {100 * np.mean(v):.1f}%" for k, v in out.items()), flush=True)


if __name__ == "__main__":
    main()
