"""Scratch (session 37): the source's latency re-expressed in the runtime's kernels, as one more
power-law feature of `transfer`.

    OMP_NUM_THREADS=1 python s37_kernel_source.py --target T --from S [--sizes 10,20,100] [--seeds 4]

A ridge of the source's milliseconds on the kernel counts (ONNX Runtime's optimised graph on this
machine, `kernels="onnxruntime"`), fitted on the source's measurements of the target table's
networks other than the test split's... simplified here: on all networks of the target table
but the split's test networks (the source has measured them all; the target's test latencies are
never seen). Its prediction, log, joins `transfer`'s features (with the kernel counts among the
corrections as `kernels="onnxruntime"` gives). Test share within 10%, mean over the splits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import setup, splits, w10

from edgenas.hardware import LatencyPredictor
from edgenas.learn import Ridge


def main() -> None:
    args, space, archs, y, sources = setup("10,20,100", 4)
    probe = LatencyPredictor(space, "transfer", sources=sources, kernels="onnxruntime").fit(archs[:50], y[:50])
    K = probe._kernel_columns(archs)
    S = probe._source_ms(archs)
    base = probe._power_law_features(archs, S, True)
    struct = probe._structure(archs)
    cols = ["transfer+kernels", "+kernel source", "kernel source alone"]
    print(f"| target | source | N | {' | '.join(cols)} |")
    for n in (int(v) for v in args.sizes.split(",")):
        out = {c: [] for c in cols}
        for seed, tr, te in splits(len(archs), n, args.seeds):
            fitted = LatencyPredictor(space, "transfer", seed=seed, sources=sources,
                                      kernels="onnxruntime").fit([archs[i] for i in tr], y[tr])
            out["transfer+kernels"].append(w10(fitted.predict([archs[i] for i in te]), y[te]))
            # the source in kernel space, fitted on the source's own latency of the other networks
            # (the Pi 5 table holds every cell; its values of the test networks are left out too)
            others = np.setdiff1d(np.arange(len(archs)), te)
            src = np.maximum(Ridge(1.0).fit(K[others], S[others, 0]).predict(K), 1e-3)
            out["kernel source alone"].append(w10(np.exp(Ridge(1e-2).fit(np.log(src[tr, None]), np.log(y[tr]))
                                                      .predict(np.log(src[te, None]))), y[te]))
            mu, sd = struct[tr].mean(0), struct[tr].std(0)
            keep = sd > 1e-9
            z = (struct[:, keep] - mu[keep]) / sd[keep] / np.sqrt(100 / 1e-2)
            X = np.hstack([base, np.log(src)[:, None], z])
            out["+kernel source"].append(w10(np.exp(Ridge(1e-2).fit(X[tr], np.log(y[tr])).predict(X[te])), y[te]))
        print(f"| {Path(args.target).stem} | {Path(args.sources).stem} | {n} | "
              + " | ".join(f"{100 * np.mean(out[c]):.1f}" for c in cols) + " |", flush=True)


if __name__ == "__main__":
    main()
