"""Does a landscape repeat? Its best classes and random ones, scored again with another seed.

    python benchmarks/landscape_repeat.py [--table benchmarks/data/nb201-fmnist-short.csv]
        [--top 20] [--random 20] [--init-seed 1] [--proxy NAME]

A search's regret on a landscape is measured to the landscape's best cell. Where one training
run per class built it (`nb201_landscape.py train`), that best cell may owe its place to its
seed. This trains the ``--top`` best classes of ``--table`` and ``--random`` other classes once
more with the table's protocol (`nb201_landscape.py`'s defaults: the same images, epochs and
width), changing only the seed of the initial weights to ``--init-seed``, and prints both runs side by
side: the mean of the top classes against the random ones in each run (how much of the top's
lead survives), and the rank correlation of the two runs. Pass the protocol's options as they
were given to ``nb201_landscape.py train`` when the table was built with other ones. A proxy
landscape (``nb201_landscape.py proxy``) is scored again with ``--proxy NAME`` at seed
``--init-seed`` (the proxy's batch and initial weights both change).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).parent))
import nb201_landscape as landscape  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=Path("benchmarks/data/nb201-fmnist-short.csv"))
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--random", type=int, default=20)
    parser.add_argument("--init-seed", type=int, default=1)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-size", type=int, default=1500)
    parser.add_argument("--val-size", type=int, default=1000)
    parser.add_argument("--resolution", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0, help="the table's seed (images, batch order)")
    parser.add_argument("--proxy", default=None, help="the table is this zero-cost proxy's scores")
    args = parser.parse_args()
    args.kind = "proxy" if args.proxy else "train"

    if not args.table.is_file():
        sys.exit(f"error: no table {args.table}; build one with benchmarks/nb201_landscape.py")
    with args.table.open() as f:
        rows = list(csv.DictReader(f))
    score = next(c for c in rows[0] if c not in ("index", "arch", "measured"))
    classes: dict[str, tuple[str, float]] = {}
    for row in rows:
        arch = landscape.SPACE.parse(row["arch"])
        classes.setdefault(landscape.SPACE.equivalence_key(arch), (row["arch"], float(row[score])))
    ranked = sorted(classes, key=lambda k: -classes[k][1])
    rest = np.random.default_rng(0).choice(len(ranked) - args.top, args.random, replace=False)
    picked = ranked[: args.top] + [ranked[args.top + i] for i in sorted(rest)]

    if args.proxy:  # the proxy's seed sets its batch and initial weights at once
        args.seed = args.init_seed
    landscape._init(args)
    args.seed = args.init_seed  # training: the table's images and batches, then other initial weights
    pairs = []
    for i, key in enumerate(picked):
        arch, first = classes[key]
        again = landscape._SCORER(landscape.SPACE.parse(arch))
        pairs.append((first, again))
        group = "top" if i < args.top else "random"
        print(f"{group:6s} {first:6.2f} -> {again:6.2f}  {arch}", flush=True)
    runs = np.array(pairs)
    top, other = runs[: args.top], runs[args.top:]
    print(f"\n{args.table}: {len(ranked):,} classes")
    print(f"the table:        top {args.top} mean {top[:, 0].mean():.2f}, random {args.random} mean {other[:, 0].mean():.2f}")
    print(f"scored again:     top {args.top} mean {top[:, 1].mean():.2f}, random {args.random} mean {other[:, 1].mean():.2f}")
    lead = top[:, 0].mean() - other[:, 0].mean()
    kept = top[:, 1].mean() - other[:, 1].mean()
    print(f"the top's lead:   {lead:.2f} -> {kept:.2f} points ({kept / lead:.0%} of it survives)")
    print(f"Spearman between the runs, all {len(runs)} classes: {spearmanr(runs[:, 0], runs[:, 1]).statistic:.2f}")
    print(f"the table's best class scored again: {runs[0, 1]:.2f} (rank {int((runs[:, 1] > runs[0, 1]).sum()) + 1} "
          f"of the {len(runs)})")


if __name__ == "__main__":
    main()
