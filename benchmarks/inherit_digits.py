"""Net2Net inheritance vs training from scratch, on mbconv children and digits.

    python benchmarks/inherit_digits.py [--children 5] [--parent-epochs 8] [--k 1,2]

Trains one parent, then for each of ``--children`` random *growing* mutations (larger kernel,
larger expand ratio or one more block) compares the validation accuracy after k epochs of
fine-tuning from inherited weights with k epochs from scratch (same child, data and seed).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from edgenas.data import load_dataset
from edgenas.estimate.inherit import grows, inherit
from edgenas.estimate.train import TrainConfig, Trainer, accuracy
from edgenas.spaces import MBConvSpace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5)
    parser.add_argument("--parent-epochs", type=int, default=8)
    parser.add_argument("--k", default="1,2")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    space = MBConvSpace(depths=(1, 2, 3), resolutions=(32,), widths=(0.5,), head_channels=256)
    data = load_dataset("digits", resolution=32, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    parent = space.validate({**{k: v[0] for k, v in space.choices.items()}})
    torch.manual_seed(args.seed)
    parent_model = space.build(parent, num_classes=10)
    Trainer(TrainConfig(epochs=args.parent_epochs, lr=0.05, seed=args.seed)).fit(parent_model, data)
    print(f"parent {args.parent_epochs} epochs: val {100 * accuracy(parent_model, data.x_val, data.y_val):.2f}%")
    children = []
    while len(children) < args.children:
        child = space.mutate(parent, rng)
        if grows(space, parent, child) and child not in children:
            children.append(child)
    print("| k epochs | child | changed | inherited: before tuning | inherited + k | scratch k |")
    print("|---|---|---|---|---|---|")
    for k in (int(v) for v in args.k.split(",")):
        gains = []
        for i, child in enumerate(children):
            changed = ", ".join(f"{key}={child[key]}" for key in space.choices if child[key] != parent[key])
            torch.manual_seed(args.seed)
            model = inherit(space, parent, parent_model, child, 10)
            before = accuracy(model, data.x_val, data.y_val)
            tuned = Trainer(TrainConfig(epochs=k, lr=0.01, warmup_epochs=0.0, seed=args.seed)).fit(model, data)
            torch.manual_seed(args.seed)
            scratch = Trainer(TrainConfig(epochs=k, lr=0.05, seed=args.seed)).fit(space.build(child, num_classes=10), data)
            gains.append(tuned.val_accuracy - scratch.val_accuracy)
            print(f"| {k} | {i} | {changed} | {100 * before:.2f}% | {100 * tuned.val_accuracy:.2f}% | "
                  f"{100 * scratch.val_accuracy:.2f}% |", flush=True)
        print(f"| {k} | mean gain of inheritance | | | {100 * np.mean(gains):+.2f} points | |")


if __name__ == "__main__":
    main()
