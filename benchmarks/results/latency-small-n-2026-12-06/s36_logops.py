"""Scratch (session 36): `transfer` with per-op corrections in log space, from few networks.

    OMP_NUM_THREADS=1 python s36_logops.py --target T --from S [--sizes 10,20] [--seeds 8]

Ridge of log latency on the source's log latency and log additive part (as `transfer`) plus the
space's structure features (op counts, live ops, depth; standardised), for several ridge
strengths; beside `transfer` and `paths`. Test share within 10%, mean over the
latency_transfer.py splits.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.learn import Ridge
from edgenas.spaces import create_space

ALPHAS = (1.0, 10.0, 100.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--from", dest="sources", required=True)
    parser.add_argument("--sizes", default="10,20")
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(args.target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in args.sources.split(",")]
    p = LatencyPredictor(space, "transfer", sources=sources)
    S = p._source_ms(archs)
    base = p._power_law_features(archs, S, True)
    struct = p.features(archs)[:, space.encoding_size:]
    cols = ["paths", "transfer", *(f"logops a={a:g}" for a in ALPHAS)]
    print(f"| target | source | N | {' | '.join(cols)} |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in cols}
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            tr, te = order[:n], order[n:]

            def w10(pred: np.ndarray, truth: np.ndarray = y[te]) -> float:
                return float(np.mean(np.abs(pred / truth - 1) <= 0.10))

            for m in ("paths", "transfer"):
                fitted = LatencyPredictor(space, m, seed=seed, sources=sources).fit([archs[i] for i in tr], y[tr])
                out[m].append(w10(fitted.predict([archs[i] for i in te])))
            mu, sd = struct[tr].mean(0), struct[tr].std(0)
            keep = sd > 1e-9
            z = (struct[:, keep] - mu[keep]) / sd[keep]
            for a in ALPHAS:
                # the power-law columns lightly penalised (as `transfer`), the corrections by a
                scale = np.sqrt(a / 1e-2)
                X = np.hstack([base, z / scale])
                ridge = Ridge(alpha=1e-2).fit(X[tr], np.log(y[tr]))
                out[f"logops a={a:g}"].append(w10(np.exp(ridge.predict(X[te]))))
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | "
              + " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in cols) + " |", flush=True)


if __name__ == "__main__":
    main()
