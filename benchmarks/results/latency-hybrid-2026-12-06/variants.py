"""`hybrid` variants (session 41), scored alone and inside `auto`, on one table:

    python benchmarks/results/latency-hybrid-2026-12-06/variants.py SPACE TABLE VARIANT [--sizes 100,1000] [--seeds 3]

VARIANT: ``now`` (the library), ``clip`` (the floor of the ridge base at prediction the one
used in fitting, 1e-3 x the smallest latency, and the prediction kept within 4x the training
range, as the log models), ``std`` (clip, and the ridge base on standardised features with
penalty 1), ``linear`` (clip, and the base the ``linear`` model's ridge: one-hot ops and the
space's rewrite counts). On the ViT ONNX Runtime table the library's `hybrid` predicted 0 to
170 times the measured latency on its 1% tails from 100 networks.
"""
import argparse
import math

import numpy as np

import edgenas.hardware.latency_predictor as lp
from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.learn import GradientBoosting, Ridge, regression_metrics
from edgenas.spaces import create_space

parser = argparse.ArgumentParser()
parser.add_argument("space")
parser.add_argument("table")
parser.add_argument("variant", choices=["now", "clip", "std", "linear"])
parser.add_argument("--sizes", default="100,1000")
parser.add_argument("--seeds", type=int, default=3)
parser.add_argument("--models", default="hybrid,auto")
args = parser.parse_args()

fit_kind, predict_kind = LatencyPredictor._fit_kind, LatencyPredictor._predict_kind


def base_features(self, archs, variant):
    if variant == "linear":
        return self._additive_features(archs, self.rewrites and self.kernels is None)
    return self.features(archs)


def patched_fit(self, kind, archs, y):
    if kind != "hybrid" or args.variant == "now":
        return fit_kind(self, kind, archs, y)
    X = base_features(self, archs, args.variant)
    parts = {"log_range": [float(np.log(y).min()), float(np.log(y).max())], "floor": 1e-3 * float(y.min())}
    if args.variant == "std":
        parts["mean"], parts["scale"] = X.mean(0), np.where(X.std(0) > 1e-12, X.std(0), 1.0)
        ridge = Ridge(alpha=1.0).fit((X - parts["mean"]) / parts["scale"], y)
        base = ridge.predict((X - parts["mean"]) / parts["scale"])
    else:
        ridge = Ridge().fit(X, y)
        base = ridge.predict(X)
    base = np.maximum(base, parts["floor"])
    G = self.features(archs)
    parts.update(ridge=ridge, gbm=GradientBoosting(n_estimators=300, seed=self.seed).fit(G, np.log(y / base)))
    return parts


def patched_predict(self, kind, parts, archs):
    if kind != "hybrid" or args.variant == "now":
        return predict_kind(self, kind, parts, archs)
    X = base_features(self, archs, args.variant)
    if args.variant == "std":
        X = (X - parts["mean"]) / parts["scale"]
    base = np.maximum(parts["ridge"].predict(X), parts["floor"])
    lo, hi = parts["log_range"]
    out = np.log(base) + parts["gbm"].predict(self.features(archs))
    return np.exp(np.clip(out, lo - math.log(4), hi + math.log(4)))


LatencyPredictor._fit_kind, LatencyPredictor._predict_kind = patched_fit, patched_predict
assert lp  # the module patched through its class
space = create_space(args.space)
archs, y = measured_networks(TabularBenchmark(args.table, space, metrics=["latency_ms"]))
print(f"{args.table} variant {args.variant}: within 10% (within 5%), mean of {args.seeds} seeds")
for n in (int(v) for v in args.sizes.split(",")):
    if n >= len(archs):
        continue
    for model in args.models.split(","):
        w10, w5, chose = [], [], []
        for seed in range(args.seeds):
            order = np.random.default_rng(seed).permutation(len(archs))
            train, test = order[:n], order[n:]
            pred = LatencyPredictor(space, model, seed=seed).fit([archs[i] for i in train], y[train])
            m = regression_metrics(pred.predict([archs[i] for i in test]), y[test])
            w10.append(m["within_10pct"])
            w5.append(m["within_5pct"])
            chose.append(pred.kind_)
        print(f"  N={n} {model}: {100 * np.mean(w10):.1f}% ({100 * np.mean(w5):.1f}%)"
              + (f" chose {','.join(chose)}" if model == "auto" else ""), flush=True)
