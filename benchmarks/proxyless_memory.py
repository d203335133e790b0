"""Training memory of ProxylessNAS's binarised supernet against the mixed-op supernet.

    python benchmarks/proxyless_memory.py [--batch 64]

Memory kept for the backward pass: the bytes of every tensor autograd saves during one forward
(`torch.autograd.graph.saved_tensors_hooks`, each storage counted once), plus the input. On
`edgenas.oneshot.SMALL_IMAGES` at its largest width and resolution, Fashion-MNIST-sized input:
the largest single network of the space (built by `space.build`), the binarised supernet's weight
step on that path and on a sampled path, its two-path architecture step, and the mixed-op
(all paths, DARTS-style) supernet.
"""

from __future__ import annotations

import argparse

import torch

from edgenas.oneshot import largest
from edgenas.oneshot.progressive import SMALL_IMAGES
from edgenas.oneshot.proxyless import PathSupernet
from edgenas.spaces import MBConvSpace


def saved_bytes(run) -> int:
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = run()
    out.sum().backward()
    return sum(storages.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    torch.manual_seed(0)
    space = MBConvSpace(**SMALL_IMAGES)
    net = PathSupernet(space, num_classes=10)
    big = largest(space)
    single = space.build(big, num_classes=10)
    x = torch.randn(args.batch, 3, 28, 28)
    gen = torch.Generator().manual_seed(0)
    rows = {
        "largest single network": saved_bytes(lambda: single(x)),
        "binarised supernet, weight step on that path": saved_bytes(lambda: net(x, big)),
        "binarised supernet, weight step on a sampled path": saved_bytes(lambda: net(x, net.sample(gen))),
        "binarised supernet, two-path architecture step": saved_bytes(lambda: net.two_path_forward(x, gen)),
        "mixed-op supernet (all paths)": saved_bytes(lambda: net.mixed_forward(x)),
    }
    base = rows["largest single network"]
    print(f"batch {args.batch}, {len(net.pairs)} candidate ops per block, {len(net.slots)} blocks")
    for name, value in rows.items():
        print(f"{name:52s} {value / 2**20:8.1f} MiB  {value / base:5.2f}x")


if __name__ == "__main__":
    main()
