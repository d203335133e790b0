"""ProxylessNAS: does the derived network land on the latency target?

    python benchmarks/proxyless_targets.py [--device torch-cpu:1] [--losses mul-log,hard] [--epochs 6] [--arch-lr X]

For three targets (the 25th, 50th and 75th percentile of the layer-table latency of random
paths at the space's largest width and resolution) and each latency loss, searches
`SMALL_IMAGES` on 5,000 Fashion-MNIST images, then measures the derived (argmax) network end to
end on the device. Prints E[latency], the table latency of the argmax path, the measured latency
and the measured / target ratio (goal: within 10%).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from edgenas.data import load_dataset
from edgenas.oneshot.elastic import describe
from edgenas.oneshot.finder import layer_profile_costs
from edgenas.oneshot.progressive import SMALL_IMAGES
from edgenas.oneshot.proxyless import ProxylessConfig, proxyless_search
from edgenas.oneshot.specialize import parse_target
from edgenas.spaces import MBConvSpace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="torch-cpu:1")
    parser.add_argument("--losses", default="mul-log,hard")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--workdir", default="runs/ofa-bench")
    parser.add_argument("--arch-lr", type=float, default=ProxylessConfig.arch_lr)
    parser.add_argument("--quantiles", default="25,50,75")
    args = parser.parse_args()
    torch.set_num_threads(2)
    space = MBConvSpace(**SMALL_IMAGES)
    data = load_dataset("fashion-mnist", resolution=max(space.resolutions), seed=0)
    data = replace(data, x_train=data.x_train[:5000], y_train=data.y_train[:5000])
    target = parse_target(args.device, space, 10, None, args.workdir, layer_profile_costs(space, 10))
    codec = target.latency.codec
    rows = codec.sample(np.random.default_rng(0), 5000)
    rows[:, codec.column["width"]] = len(space.widths) - 1
    rows[:, codec.column["resolution"]] = len(space.resolutions) - 1
    table = target.latency(rows)
    for q in (int(v) for v in args.quantiles.split(",")):
        goal = float(np.percentile(table, q))
        for loss in args.losses.split(","):
            begin = time.perf_counter()
            config = ProxylessConfig(epochs=args.epochs, warmup_epochs=2, loss=loss, arch_lr=args.arch_lr)
            arch, _, history = proxyless_search(space, data, target.latency, goal, config)
            measured = target.measure(arch)["latency_ms"]
            print(f"p{q} target {goal:.3f} ms  {loss:10s} E[lat] {history[-1]['expected_ms']:.3f}  table "
                  f"{history[-1]['argmax_ms']:.3f}  measured {measured:.3f}  ratio {measured / goal:.2f}  "
                  f"({time.perf_counter() - begin:.0f} s)  {describe(arch)}", flush=True)


if __name__ == "__main__":
    main()
