"""Paired difference of two strategies over the draws of two `search_noise_draws.py` logs.

    python benchmarks/pair_noise_draws.py BEFORE.txt LABEL_A AFTER.txt LABEL_B

The per-draw regrets a run prints are deterministic (the draw's table and the search seeds fix
them), so a strategy added later pairs with one measured before on the same draws without
running it again. Prints B - A at each budget, mean over the draws both logs hold ± its
standard error.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

DRAW_LINE = re.compile(r"draw (\d+): (.*)")
BUDGETS = re.compile(r"budgets \[([\d, ]+)\]")


def per_draw(path: Path, log: str, label: str) -> dict[int, list[float]]:
    """{draw: regret per budget} of one strategy in a log ('draw N: name a / b, name c / d')."""
    out = {}
    for line in log.splitlines():
        match = DRAW_LINE.match(line)
        if not match:
            continue
        for part in match.group(2).split(", "):
            name, _, values = part.partition(" ")
            if name == label:
                out[int(match.group(1))] = [float(v) for v in values.split(" / ")]
    if not out:
        raise SystemExit(f"error: {path} has no per-draw figures of {label!r}; give a label its 'draw N:' lines name")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log_a", type=Path)
    parser.add_argument("label_a")
    parser.add_argument("log_b", type=Path)
    parser.add_argument("label_b")
    args = parser.parse_args()
    for path in (args.log_a, args.log_b):
        if not path.is_file():
            raise SystemExit(f"error: no log {path}; give the output of benchmarks/search_noise_draws.py")
    log_a = args.log_a.read_text()
    a, b = per_draw(args.log_a, log_a, args.label_a), per_draw(args.log_b, args.log_b.read_text(), args.label_b)
    draws = sorted(set(a) & set(b))
    if len(draws) < 2:
        raise SystemExit("error: the two logs share fewer than two draws; run them on the same --first-draw range")
    found = BUDGETS.search(log_a)
    budgets = found.group(1).split(", ") if found else [str(i + 1) for i in range(len(a[draws[0]]))]
    diff = np.array([b[d] for d in draws]) - np.array([a[d] for d in draws])
    se = diff.std(0, ddof=1) / np.sqrt(len(draws))
    print(f"{args.label_b} - {args.label_a} over {len(draws)} draws ({draws[0]}-{draws[-1]}): "
          + ", ".join(f"@{n} {m:+.3f} ± {e:.3f}" for n, m, e in zip(budgets, diff.mean(0), se)))


if __name__ == "__main__":
    main()
