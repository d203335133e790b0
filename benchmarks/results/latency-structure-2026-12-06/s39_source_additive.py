"""Should a source's additive part (`LatencySource.additive`, a per-op ridge) take the rewrite
counts too? `transfer` alone from the Pi 5 at 10 and 20 networks, 8 splits, with the source's
additive part per-op (as before) or per-op + rewrites. Development pairs.

    OMP_NUM_THREADS=1 python s39_source_additive.py --target T --from S
"""

from __future__ import annotations

import sys

import numpy as np

from edgenas.hardware import LatencyPredictor
from edgenas.hardware.latency_predictor import LatencySource

sys.path.insert(0, "benchmarks/results/latency-loo-2026-12-06")
sys.path.insert(0, "benchmarks/results/latency-structure-2026-12-06")
from _common import setup, splits, w10  # noqa: E402
from s39_sharing import Lin  # noqa: E402


def main() -> None:
    args, space, archs, y, sources = setup("10,20", 8)
    archs = list(archs)
    with_rewrites = []
    for s in sources:
        known = list(s.lookup)
        vals = np.array([s.lookup[a] for a in known])
        with_rewrites.append(LatencySource(s.name, s.lookup, s.fallback, Lin(space, "linear").fit(known, vals),
                                           s.floor_ms))
    for n in (int(v) for v in args.sizes.split(",")):
        out = {"per-op": [], "+rewrites": []}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            a_tr, a_te = [archs[i] for i in tr], [archs[i] for i in te]
            for name, srcs in (("per-op", sources), ("+rewrites", with_rewrites)):
                p = LatencyPredictor(space, "transfer", seed=seed, sources=srcs).fit(a_tr, y[tr])
                out[name].append(w10(p.predict(a_te), y[te]))
        print(f"{args.target} from {args.sources} N={n}: "
              + "  ".join(f"{k} {100 * np.mean(v):.1f}%" for k, v in out.items()), flush=True)


if __name__ == "__main__":
    main()
