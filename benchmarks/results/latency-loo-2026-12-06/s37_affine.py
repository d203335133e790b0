"""Scratch (session 37): an affine map in milliseconds from the source, against `transfer`'s power law.

    OMP_NUM_THREADS=1 python s37_affine.py --target T --from S [--sizes 10,20,100] [--seeds 8]

Every NB201 network has the same stem, residual blocks and head: a constant part whose cost
scales from one device to another otherwise than the cells'. A power law of the source's
latency (`transfer`) cannot hold a constant; an affine map y = a + b S can. Variants: `affine`
(ridge of ms on S and the source's additive part), `affine+corr` (plus the structure features,
standardised and penalised as `transfer`'s corrections), `affine-w` (the affine map fitted by
relative error: weights 1 / y^2). Test share within 10%, mean over the latency_transfer.py splits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import setup, splits, w10

from edgenas.hardware import LatencyPredictor
from edgenas.learn import Ridge


def weighted_affine(X: np.ndarray, y: np.ndarray, Xte: np.ndarray, pen: np.ndarray) -> np.ndarray:
    """Least squares of y/y = 1 on X/y (relative error), intercept as a column, penalties ``pen``."""
    A = np.hstack([np.ones((len(X), 1)), X]) / y[:, None]
    gram = A.T @ A + np.diag(np.concatenate([[0.0], pen]))
    coef = np.linalg.solve(gram, A.T @ np.ones(len(y)))
    return np.hstack([np.ones((len(Xte), 1)), Xte]) @ coef


def main() -> None:
    args, space, archs, y, sources = setup("10,20,100", 8)
    p = LatencyPredictor(space, "transfer", sources=sources)
    S = p._source_ms(archs)
    SA = np.exp(p._power_law_features(archs, S, True))  # source ms and additive ms
    struct = p._structure(archs)
    cols = ["transfer", "affine", "affine+corr", "affine-w", "affine-w+corr", "affine-w S only"]
    print(f"| target | source | N | {' | '.join(cols)} |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in cols}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            fitted = LatencyPredictor(space, "transfer", seed=seed, sources=sources).fit([archs[i] for i in tr], y[tr])
            out["transfer"].append(w10(fitted.predict([archs[i] for i in te]), y[te]))
            out["affine"].append(w10(Ridge(1e-6).fit(SA[tr], y[tr]).predict(SA[te]), y[te]))
            mu, sd = struct[tr].mean(0), struct[tr].std(0)
            keep = sd > 1e-9
            # corrections in ms: standardised, scaled to the target's spread, penalised heavily
            z = (struct[:, keep] - mu[keep]) / sd[keep] * y[tr].std()
            X = np.hstack([SA, z])
            pen = np.concatenate([np.zeros(SA.shape[1]) + 1e-6, np.full(z.shape[1], 100.0 * n)])
            Xc = X[tr] - X[tr].mean(0)
            coef = np.linalg.solve(Xc.T @ Xc + np.diag(pen), Xc.T @ (y[tr] - y[tr].mean()))
            out["affine+corr"].append(w10((X[te] - X[tr].mean(0)) @ coef + y[tr].mean(), y[te]))
            out["affine-w"].append(w10(weighted_affine(SA[tr], y[tr], SA[te], np.full(SA.shape[1], 1e-9)), y[te]))
            zw = z / y[tr].std() * np.median(y[tr])
            Xw = np.hstack([SA, zw])
            penw = np.concatenate([np.full(SA.shape[1], 1e-9), np.full(zw.shape[1], 100.0)])
            out["affine-w+corr"].append(w10(weighted_affine(Xw[tr], y[tr], Xw[te], penw), y[te]))
            out["affine-w S only"].append(w10(weighted_affine(S[tr], y[tr], S[te], np.full(S.shape[1], 1e-9)), y[te]))
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | "
              + " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in cols) + " |", flush=True)


if __name__ == "__main__":
    main()
