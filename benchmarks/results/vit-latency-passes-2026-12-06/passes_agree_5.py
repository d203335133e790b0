"""How well the passes of the 5-pass onnxruntime-cpu ViT table agree (session 41): each pass
against the next, and the median of passes 1-3 against the median of 4-5 (two independent
estimates of each network's latency)."""
import csv

import numpy as np

passes: dict[str, dict[str, float]] = {}
with open("../../data/vit-onnxruntime-cpu-5pass.csv.passes") as f:
    for r in csv.DictReader(f):
        passes.setdefault(r["arch"], {})[r["pass"]] = float(r["latency_ms"])
a = np.array([[v[str(k)] for k in range(1, 6)] for v in passes.values()])


def within(x, y, t=0.10):
    return round(100 * float(np.mean(np.abs(x / y - 1) <= t)), 1)


print("onnxruntime-cpu", len(a), "networks; within 10% (within 5%)")
for i in range(4):
    print(f"  pass {i + 1} ~ {i + 2}: {within(a[:, i], a[:, i + 1])}% ({within(a[:, i], a[:, i + 1], 0.05)}%)")
print(f"  pass 4 ~ 5 vs 2 ~ 3 above; passes 2,3 ~ 4,5 medians: "
      f"{within(np.median(a[:, 1:3], 1), np.median(a[:, 3:5], 1))}%")
m13, m45 = np.median(a[:, :3], 1), np.median(a[:, 3:], 1)
print(f"  median of 1-3 ~ mean of 4-5: {within(m13, m45)}% ({within(m13, m45, 0.05)}%)")
