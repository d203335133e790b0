"""Scratch: ViTSpace.structure_features with the block-type counts appended (monkeypatched),
`linear` and `auto` against the space as it is. Same splits as layer_counts_scratch.py."""
import sys

import numpy as np
from layer_counts_scratch import S, counts, rows, within

from edgenas.hardware import LatencyPredictor
from edgenas.spaces import ViTSpace

path, which = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "1"
sizes = [int(v) for v in (sys.argv[3] if len(sys.argv) > 3 else "100").split(",")]
table = rows(path, which)
archs = [S.parse(k) for k in table]
y = np.array(list(table.values()))
plain = ViTSpace.structure_features
with_counts = lambda self, a: np.concatenate([plain(self, a), counts(a)])  # noqa: E731
for n in sizes:
    for label, fn in (("as is", plain), ("+counts", with_counts)):
        ViTSpace.structure_features = fn
        res, chose = {"linear": [], "auto": []}, []
        for seed in range(3):
            o = np.random.default_rng(seed).permutation(len(y))
            tr, te = o[:n], o[n:]
            for kind in res:
                p = LatencyPredictor(S, kind, seed=seed).fit([archs[i] for i in tr], y[tr])
                res[kind].append(within(p.predict([archs[i] for i in te]), y[te]))
                if kind == "auto":
                    chose.append(p.kind_)
        print(n, label, {k: round(100 * np.mean(v), 1) for k, v in res.items()}, chose, flush=True)
