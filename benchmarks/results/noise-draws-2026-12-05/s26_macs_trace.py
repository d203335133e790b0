"""Scratch trace kept with the notes of 2026-12-05 (session 26): where `guided`'s asks land in MACs
on the opaque MACs soft-limit table, 6 seeds, 100 queries. Run from the repository root."""

import csv
from collections import Counter

from edgenas.spaces import NB201Space
from edgenas.strategies.guided import GuidedLocalSearch

OPTIMUM = 93.397
space = NB201Space()
with open("benchmarks/data/nb201-reward-macs.csv") as f:
    score = {row["arch"]: float(row["score"]) for row in csv.DictReader(f)}
with open("benchmarks/data/nb201-macs.csv") as f:
    macs = {row["arch"]: float(row["macs"]) / 1e6 for row in csv.DictReader(f)}
for seed in range(6):
    search, best, trace = GuidedLocalSearch(space, seed=seed), -1e9, []
    for _ in range(100):
        arch = search.ask()
        text = space.format(arch)
        search.tell(arch, score[text])
        best = max(best, score[text])
        trace.append(round(macs[text], 1))
    after = trace[10:]
    print(seed, "regret", round(OPTIMUM - best, 3), "asks over the limit", sum(m > 47.2 for m in after), "/ 90",
          "at it", sum(abs(m - 47.1) < 0.05 for m in after), "most asked M MACs", Counter(after).most_common(4))
