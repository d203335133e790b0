"""Scratch (session 37): `transfer`'s correction penalty chosen per fit by exact leave-one-out.

    OMP_NUM_THREADS=1 python s37_loo.py --target T --from S [--sizes 10,20,100] [--seeds 8]

`transfer` (session 36) penalises its per-op corrections at a fixed strength, 100. Here the
strength is chosen on the training networks among STRENGTHS by the ridge's exact leave-one-out
residuals in log space (hat matrix; the intercept unpenalised), by two rules: the most
leave-one-out predictions within 10% (ties to the stronger penalty), and the least
leave-one-out squared log error. Test share within 10%, mean over the latency_transfer.py splits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import setup, splits, w10

from edgenas.hardware import LatencyPredictor
from edgenas.learn import Ridge

STRENGTHS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 1e4)
ALPHA = 1e-2


def loo_residuals(X: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Exact leave-one-out residuals of `Ridge(alpha)` (intercept unpenalised)."""
    Xc = X - X.mean(0)
    inv = np.linalg.inv(Xc.T @ Xc + alpha * np.eye(X.shape[1]))
    hat = 1.0 / len(y) + np.einsum("ij,jk,ik->i", Xc, inv, Xc)
    fitted = Ridge(alpha).fit(X, y).predict(X)
    return (y - fitted) / np.maximum(1 - hat, 1e-9)


def main() -> None:
    args, space, archs, y, sources = setup("10,20,100", 8)
    p = LatencyPredictor(space, "transfer", sources=sources)
    S = p._source_ms(archs)
    base = p._power_law_features(archs, S, True)
    struct = p._structure(archs)
    cols = ["paths", *(f"a={a:g}" for a in (10.0, 100.0, 1000.0)), "loo-w10", "loo-mse"]
    print(f"| target | source | N | {' | '.join(cols)} | loo-w10 picks | loo-mse picks |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in cols}
        picks = {"loo-w10": [], "loo-mse": []}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            fitted = LatencyPredictor(space, "paths", seed=seed).fit([archs[i] for i in tr], y[tr])
            out["paths"].append(w10(fitted.predict([archs[i] for i in te]), y[te]))
            mu, sd = struct[tr].mean(0), struct[tr].std(0)
            keep = sd > 1e-9
            z = (struct[:, keep] - mu[keep]) / sd[keep]
            ly = np.log(y[tr])
            test, loo_w10, loo_mse = {}, {}, {}
            for a in STRENGTHS:
                X = np.hstack([base, z / np.sqrt(a / ALPHA)])
                test[a] = w10(np.exp(Ridge(ALPHA).fit(X[tr], ly).predict(X[te])), y[te])
                r = loo_residuals(X[tr], ly, ALPHA)
                loo_w10[a] = float(np.mean(np.abs(np.exp(-r) - 1) <= 0.10))  # pred/true = exp(-r)
                loo_mse[a] = float(np.mean(r**2))
            for a in (10.0, 100.0, 1000.0):
                out[f"a={a:g}"].append(test[a])
            best_w = max(STRENGTHS, key=lambda a: (loo_w10[a], a))
            best_m = min(STRENGTHS, key=lambda a: loo_mse[a])
            out["loo-w10"].append(test[best_w])
            out["loo-mse"].append(test[best_m])
            picks["loo-w10"].append(best_w)
            picks["loo-mse"].append(best_m)
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | "
              + " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in cols) + " | "
              + " | ".join(",".join(f"{a:g}" for a in picks[k]) for k in picks) + " |", flush=True)


if __name__ == "__main__":
    main()
