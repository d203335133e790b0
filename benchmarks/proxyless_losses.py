"""ProxylessNAS latency losses: does the search's E[latency] end on the target?

    python benchmarks/proxyless_losses.py [--dataset digits] [--device microcontroller]
        [--losses mul-log,add-linear,hard,target] [--quantiles 25,50,75] [--epochs 10]

For each loss and each target (percentiles of the cost of 5,000 random paths of `SMALL_IMAGES`
at its largest width and resolution, by the device's layer table: ``microcontroller`` is MACs at
a microcontroller's clock, ``torch-cpu:1`` a layer LUT measured here), runs `proxyless_search`
and prints E[latency] / T at the end, the argmax path's table latency / T, and the table latency
of the export placed in the window [0.95 T, T] (`place_on_target` without a device: the table is
all there is). No end-to-end measurement: this checks the loss, not the device.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from edgenas.data import load_dataset
from edgenas.oneshot.finder import layer_profile_costs
from edgenas.oneshot.progressive import SMALL_IMAGES
from edgenas.oneshot.proxyless import ProxylessConfig, place_on_target, proxyless_search, random_paths
from edgenas.oneshot.specialize import parse_target
from edgenas.spaces import MBConvSpace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--device", default="microcontroller")
    parser.add_argument("--losses", default="mul-log,add-linear,hard,target")
    parser.add_argument("--quantiles", default="25,50,75")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--warmup-epochs", type=int, default=3)
    parser.add_argument("--arch-lr", type=float, default=ProxylessConfig.arch_lr)
    parser.add_argument("--train-size", type=int, default=0, help="the first N training images (0: all)")
    parser.add_argument("--workdir", default="runs/proxyless-losses")
    args = parser.parse_args()
    torch.set_num_threads(1)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    space = MBConvSpace(**SMALL_IMAGES)
    data = load_dataset(args.dataset, resolution=max(space.resolutions), seed=0)
    if args.train_size:
        data = replace(data, x_train=data.x_train[: args.train_size], y_train=data.y_train[: args.train_size])
    latency = parse_target(args.device, space, data.num_classes, None, work, layer_profile_costs(space, data.num_classes)).latency
    table = latency(random_paths(latency.codec, 5000))
    print(f"{args.device} on {args.dataset}: random paths' cost {table.min():.4g}-{table.max():.4g} (median {np.median(table):.4g})")
    print("loss        target  T          E/T    argmax/T  export/T  max prob")
    summary: dict[str, list[float]] = {}
    for loss in args.losses.split(","):
        config = ProxylessConfig(epochs=args.epochs, warmup_epochs=args.warmup_epochs, loss=loss, arch_lr=args.arch_lr)
        for q in map(int, args.quantiles.split(",")):
            goal = float(np.percentile(table, q))
            _, net, history = proxyless_search(space, data, latency, goal, config, work / f"{loss}-p{q}.pt")
            placed = place_on_target(net, latency, goal)
            blocks, _ = net.probabilities()
            e, a, x = history[-1]["expected_ms"] / goal, history[-1]["argmax_ms"] / goal, placed.table_ms / goal
            summary.setdefault(loss, []).append(abs(np.log(e)))
            print(f"{loss:10s}  p{q:<5d} {goal:<10.4g} {e:.3f}  {a:.3f}     {x:.3f}     {float(blocks.detach().max(-1).values.mean()):.3f}",
                  flush=True)
    for loss, errors in summary.items():
        print(f"{loss}: E[latency] off the target by {100 * (np.exp(np.mean(errors)) - 1):.1f}% (geometric mean)")


if __name__ == "__main__":
    main()
