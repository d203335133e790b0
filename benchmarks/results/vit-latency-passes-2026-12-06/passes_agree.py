"""How well the passes of the 3-pass ViT tables agree (share within 10% and 5%)."""
import csv

import numpy as np

for device in ("torch-cpu", "onnxruntime-cpu"):
    passes: dict[str, dict[str, float]] = {}
    with open(f"../../data/vit-{device}-3pass.csv.passes") as f:
        for r in csv.DictReader(f):
            passes.setdefault(r["arch"], {})[r["pass"]] = float(r["latency_ms"])
    a = np.array([[v["1"], v["2"], v["3"]] for v in passes.values()])

    def within(x, y, t=0.10):
        return round(100 * float(np.mean(np.abs(x / y - 1) <= t)), 1)

    print(device, len(a), "passes 1~2", within(a[:, 0], a[:, 1]), "2~3", within(a[:, 1], a[:, 2]),
          "1~3", within(a[:, 0], a[:, 2]), "| within 5%: 2~3", within(a[:, 1], a[:, 2], 0.05))
