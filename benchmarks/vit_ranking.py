"""Does the weight-entangled ViT supernet rank sub-networks as stand-alone training does?

    python benchmarks/vit_ranking.py [--checkpoint runs/vit-bench-2.5/supernet.pt] [--n 8]
        [--train-size 10000] [--epochs 5] [--workdir runs/vit-ranking]

Samples ``--n`` distinct ViTs (seed 0), scores each by inherited validation accuracy from the
supernet and by training it from scratch (AdamW 1e-3, cosine, ``--epochs`` on the first
``--train-size`` Fashion-MNIST images, the images the supernet was trained on), and prints
Kendall's tau and Spearman's rho between the two, and the mean gap. Stand-alone results are kept
in ``--workdir`` (a rerun continues).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

from edgenas.data import load_dataset
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.oneshot.entangled import inherited_accuracy, load_entangled
from edgenas.threads import torch_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("runs/vit-bench-2.5/supernet.pt"))
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("runs/vit-ranking"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    supernet, _ = load_entangled(args.checkpoint)
    space = supernet.space
    data = load_dataset("fashion-mnist", resolution=space.resolution, seed=0)
    data = replace(data, x_train=data.x_train[:args.train_size], y_train=data.y_train[:args.train_size])
    inherited, alone = [], []
    with torch_threads(1):
        for i, arch in enumerate(space.sample_distinct(args.n, seed=0)):
            out = args.workdir / f"{i}.json"
            if out.exists():
                row = json.loads(out.read_text())
            else:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(0)
                    model = space.build(arch, num_classes=data.num_classes)
                result = Trainer(TrainConfig(epochs=args.epochs, optimizer="adamw", lr=1e-3, weight_decay=0.05)).fit(
                    model, data)
                row = {"arch": arch.to_json(), "inherited": inherited_accuracy(supernet, arch, data),
                       "alone": 100 * result.val_accuracy}
                out.write_text(json.dumps(row))
            inherited.append(row["inherited"])
            alone.append(row["alone"])
            print(f"{i}: inherited {row['inherited']:.2f}%, stand-alone {row['alone']:.2f}%", flush=True)
    gap = np.mean(np.array(alone) - np.array(inherited))
    print(f"Kendall tau {kendalltau(inherited, alone).statistic:.3f}, Spearman {spearmanr(inherited, alone).statistic:.3f}, "
          f"mean stand-alone - inherited {gap:.2f} points ({args.n} ViTs, validation accuracy)")


if __name__ == "__main__":
    main()
