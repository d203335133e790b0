"""One run of `guided` (or a variant of s46_variants.py) on one shifted draw: each query's
fitness and its rank among the draw's 4,930 classes, then the kernel parameters of the last fits.

    python benchmarks/results/search-parents-2026-12-07/trajectory.py DRAW SEED [STRATEGY] [SHIFT]

(noise std 0.5, the draw built as `search_noise_draws.py --shift SHIFT` builds it; SHIFT 2.0 by default)
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]

import s46_variants  # noqa: E402,F401  (registers the variants)
from nb201_landscape import SPACE, cells, noisy_classes  # noqa: E402
from search_noise_draws import write_draw  # noqa: E402

from edgenas.estimate import TabularBenchmark  # noqa: E402
from edgenas.experiment import Experiment, Objective  # noqa: E402
from edgenas.strategies import guided  # noqa: E402

draw, seed = int(sys.argv[1]), int(sys.argv[2])
strategy = sys.argv[3] if len(sys.argv) > 3 else "guided"
shift = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
all_cells = cells()
cell_keys = [SPACE.equivalence_key(a) for _, a in all_cells]
accuracy = TabularBenchmark("nb201-cifar10", SPACE)
picks = []
best_fit = guided._best_fit


def spy(grid, chol, alpha, loglik):
    picks.append(grid[int(np.argmax(loglik))])
    return best_fit(grid, chol, alpha, loglik)


guided._best_fit = spy
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "draw.csv"
    _, noisy = write_draw(path, all_cells, cell_keys, accuracy, 0.5, draw, shift)
    keys, _, _ = noisy_classes(all_cells, accuracy, 0.5, draw)
    rank_of = {keys[i]: r for r, i in enumerate(np.argsort(-noisy))}
    exp = Experiment(name="run", space=SPACE, evaluator=TabularBenchmark(str(path), SPACE), objective=Objective("score"),
                     strategy=strategy, seed=seed, storage="sqlite://:memory:")
    best = -np.inf
    for i, trial in enumerate(exp.run(50).trials, start=1):
        best = max(best, trial.fitness)
        rank = rank_of[SPACE.equivalence_key(SPACE.parse(trial.arch))]
        print(f"{i:3d} {trial.fitness:7.2f} rank {rank:5d} best {best:.2f} {trial.arch}")
    print(f"optimum {noisy.max():.2f}; last fits (noise, prior share, linear share, length scale): {picks[-6:]}")
