"""Graph hypernetwork vs training, on NB201 cells and digits.

    python benchmarks/hypernet_digits.py [--archs 30] [--steps 800] [--archs-per-step 4]
        [--epochs 3] [--train-seeds 2] [--channels 4] [--resolution 8]

Trains the hypernetwork on random cells, then for ``--archs`` other random cells compares the
accuracy and loss with predicted weights (no training) with the accuracy after ``--epochs``
epochs of real training (same small network: C channels, 1 cell per stage, digits at ``--resolution``).
With ``--train-seeds`` >= 2 every cell is trained once per seed: the target is the mean, and
the Spearman between two seeds' accuracies is printed as the ceiling any estimator can reach
against a single training run. The defaults (4 channels, native 8x8 digits) keep the task hard
enough that the cell matters: with 8 channels at 16x16 every cell reaches ~96% and two
training seeds agree only at Spearman 0.29, so no ranking can be measured.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from scipy import stats

from edgenas.data import load_dataset
from edgenas.estimate.hypernet import HyperNetEvaluator, train_hypernet
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.spaces import NB201Space


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--archs-per-step", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-seeds", type=int, default=2)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--resolution", type=int, default=8, help="digits are 8x8; larger is upsampled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    space = NB201Space()
    data = load_dataset("digits", resolution=args.resolution, seed=args.seed)
    start = time.perf_counter()
    hyper, losses = train_hypernet(space, data, steps=args.steps, channels=args.channels,
                                   archs_per_step=args.archs_per_step, seed=args.seed)
    print(f"hypernetwork: {args.steps} steps x {args.archs_per_step} cells in {time.perf_counter() - start:.0f} s; "
          f"loss {np.mean(losses[:20]):.3f} (first 20) -> {np.mean(losses[-20:]):.3f} (last 20)")
    evaluator = HyperNetEvaluator(space, hyper, data, channels=args.channels)
    rng = np.random.default_rng(args.seed + 1)
    hyper_acc, hyper_loss, trained, t_hyper, t_train = [], [], [], 0.0, 0.0
    for _ in range(args.archs):
        arch = space.sample(rng)
        result = evaluator.evaluate(arch)
        hyper_acc.append(result["hyper_accuracy"])
        hyper_loss.append(result["hyper_loss"])
        t_hyper += result["seconds"]
        runs = []
        for s in range(args.train_seeds):
            torch.manual_seed(args.seed + s)
            model = space.build(arch, num_classes=data.num_classes, channels=args.channels, cells=1)
            fit = Trainer(TrainConfig(epochs=args.epochs, lr=0.05, seed=args.seed + s)).fit(model, data)
            runs.append(100 * fit.val_accuracy)
            t_train += fit.seconds
        trained.append(runs)
    trained = np.array(trained)
    target = trained.mean(1)
    for name, score in (("accuracy", hyper_acc), ("-loss", -np.array(hyper_loss))):
        rho = stats.spearmanr(score, target).statistic
        tau = stats.kendalltau(score, target).statistic
        print(f"{args.archs} cells: predicted-weight {name} vs trained accuracy: Spearman {rho:.3f}, Kendall {tau:.3f}")
    print(f"predicted-weight accuracy mean {np.mean(hyper_acc):.1f}%; trained accuracy mean {target.mean():.1f}% "
          f"(range {target.min():.1f}-{target.max():.1f}), mean of {args.train_seeds} seed(s)")
    if args.train_seeds >= 2:
        ceiling = stats.spearmanr(trained[:, 0], trained[:, 1]).statistic
        print(f"ceiling: Spearman between two training seeds of the same cells {ceiling:.3f}")
    print(f"seconds per cell: hypernetwork {t_hyper / args.archs:.3f}, training {t_train / args.archs / args.train_seeds:.2f}")


if __name__ == "__main__":
    main()
