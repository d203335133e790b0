"""Scratch: does a count of each block type (embed, tokens, heads, MLP width) make a linear
model of ViT latency near exact? Reads pass 1 of the .passes files (or the medians)."""
import csv
import sys

import numpy as np
from sklearn.linear_model import RidgeCV

from edgenas.hardware import LatencyPredictor
from edgenas.spaces import ViTSpace

S = ViTSpace()


def rows(path, which):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            if which == "median" or r.get("pass") == which:
                out[r["arch"]] = float(r["latency_ms"])
    return out


def counts(a):
    e, p, d = int(a["embed"]), int(a["patch"]), int(a["depth"])
    v = np.zeros((len(S.embeds), len(S.patches), len(S.heads), len(S.mlp_ratios)))
    for i in range(d):
        v[S.embeds.index(e), S.patches.index(p), S.heads.index(int(a[f"l{i}_heads"])),
          S.mlp_ratios.index(float(a[f"l{i}_mlp"]))] += 1
    fixed = np.zeros((len(S.embeds), len(S.patches)))
    fixed[S.embeds.index(e), S.patches.index(p)] = 1
    return np.concatenate([v.ravel(), fixed.ravel()])


def within(pred, y, r=0.10):
    return float(np.mean(np.abs(pred / y - 1) <= r))


path, which = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "1"
table = rows(path, which)
archs = [S.parse(k) for k in table]
y = np.array(list(table.values()))
X = np.array([counts(a) for a in archs])
print(path, which, len(y))
for n in (100, 300):
    if len(y) < n + 50:
        continue
    res = {"counts-ridge-ms": [], "counts-ridge-log": [], "linear": [], "auto": []}
    for seed in range(3):
        o = np.random.default_rng(seed).permutation(len(y))
        tr, te = o[:n], o[n:]
        m = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(X[tr], y[tr])
        res["counts-ridge-ms"].append(within(m.predict(X[te]), y[te]))
        m = RidgeCV(alphas=np.logspace(-4, 2, 13)).fit(X[tr], np.log(y[tr]))
        res["counts-ridge-log"].append(within(np.exp(m.predict(X[te])), y[te]))
        for kind in ("linear", "auto"):
            if kind == "auto" and n > 100:
                continue
            p = LatencyPredictor(S, kind, seed=seed).fit([archs[i] for i in tr], y[tr])
            res[kind].append(within(p.predict([archs[i] for i in te]), y[te]))
    print(n, {k: round(100 * np.mean(v), 1) for k, v in res.items() if v}, flush=True)
