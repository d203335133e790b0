"""Graph hypernetwork vs training, on NB201 cells and digits.

    python benchmarks/hypernet_digits.py [--archs 30] [--steps 400] [--epochs 4] [--channels 8]

Trains the hypernetwork on random cells, then for ``--archs`` other random cells compares the
accuracy with predicted weights (no training) with the accuracy after ``--epochs`` epochs of
real training (same small network: C channels, 1 cell per stage, 16x16 digits).
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
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    space = NB201Space()
    data = load_dataset("digits", resolution=16, seed=args.seed)
    start = time.perf_counter()
    hyper, losses = train_hypernet(space, data, steps=args.steps, channels=args.channels, seed=args.seed)
    print(f"hypernetwork: {args.steps} steps in {time.perf_counter() - start:.0f} s; loss "
          f"{np.mean(losses[:20]):.3f} (first 20) -> {np.mean(losses[-20:]):.3f} (last 20)")
    evaluator = HyperNetEvaluator(space, hyper, data, channels=args.channels)
    rng = np.random.default_rng(args.seed + 1)
    hyper_acc, trained_acc, t_hyper, t_train = [], [], 0.0, 0.0
    for _ in range(args.archs):
        arch = space.sample(rng)
        result = evaluator.evaluate(arch)
        hyper_acc.append(result["hyper_accuracy"])
        t_hyper += result["seconds"]
        torch.manual_seed(args.seed)
        model = space.build(arch, num_classes=data.num_classes, channels=args.channels, cells=1)
        trained = Trainer(TrainConfig(epochs=args.epochs, lr=0.05, seed=args.seed)).fit(model, data)
        trained_acc.append(100 * trained.val_accuracy)
        t_train += trained.seconds
    rho = stats.spearmanr(hyper_acc, trained_acc).statistic
    tau = stats.kendalltau(hyper_acc, trained_acc).statistic
    print(f"{args.archs} cells: Spearman {rho:.3f}, Kendall {tau:.3f} between predicted-weight accuracy "
          f"(mean {np.mean(hyper_acc):.1f}%) and trained accuracy (mean {np.mean(trained_acc):.1f}%)")
    print(f"seconds per cell: hypernetwork {t_hyper / args.archs:.3f}, training {t_train / args.archs:.2f}")


if __name__ == "__main__":
    main()
