"""From 30 networks on, keep a model that uses the sources only if its held-out share within 10%
beats the best model without them by more than one standard error (the rule `_choose` already
applies between `transfer-ops` and `transfer`). Both `auto` fits (with and without the sources)
use the same folds, so the rule reads their `validation_` figures. Within 10% on the networks not
fitted, 4 splits: without sources, with them (as now), with the rule at margins of 0, 0.5 and 1
standard error (second version: the first, 1 SE only, wrote margin_dev_*.txt, margin_heldout_*.txt).

    OMP_NUM_THREADS=1 python s39_source_margin.py --target T --from S [--sizes 100]
"""

from __future__ import annotations

import math
import sys

import numpy as np

from edgenas.hardware import LatencyPredictor

sys.path.insert(0, "benchmarks/results/latency-loo-2026-12-06")
from _common import setup, splits, w10  # noqa: E402


def main() -> None:
    args, space, archs, y, sources = setup("100", 4)
    archs = list(archs)
    for n in (int(v) for v in args.sizes.split(",")):
        margins = (0.0, 0.5, 1.0)
        out = {"none": [], "sources": [], **{f"rule{m}": [] for m in margins}}
        kept = {m: [] for m in margins}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            a_tr, a_te = [archs[i] for i in tr], [archs[i] for i in te]
            free = LatencyPredictor(space, seed=seed).fit(a_tr, y[tr])
            both = LatencyPredictor(space, seed=seed, sources=sources).fit(a_tr, y[tr])
            n_held = n if n < LatencyPredictor.CV_BELOW else max(2, n // 5)
            share_free = max(v[0] for v in free.validation_.values())
            share_both = both.validation_[both.kind_][0]
            se = math.sqrt(max(share_free * (1 - share_free), 1.0 / n_held) / n_held)
            p_free, p_both = free.predict(a_te), both.predict(a_te)
            out["none"].append(w10(p_free, y[te]))
            out["sources"].append(w10(p_both, y[te]))
            for m in margins:
                with_sources = share_both > share_free + m * se
                kept[m].append("s" if with_sources else "f")
                out[f"rule{m}"].append(w10(p_both if with_sources else p_free, y[te]))
        print(f"{args.target} from {args.sources} N={n}: "
              + "  ".join(f"{k} {100 * np.mean(v):.1f}%" for k, v in out.items()) + "  (kept " + " ".join("".join(v) for v in kept.values()) + ")",
              flush=True)


if __name__ == "__main__":
    main()
