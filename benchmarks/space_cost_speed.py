"""Structure features of a space's networks: the whole network profiled against its layers
profiled once each (`network_cost`), in one run.

    python benchmarks/space_cost_speed.py [--archs 200] [--spaces mbconv,vit,autodeeplab,nb201]

A latency predictor's structure features, a search's MACs / peak-memory constraint
(`ProfileCost`) and the OFA finder need a network's profile counts for every architecture they
see. For ``--archs`` distinct random architectures of each space (then as many more: what a
search meets once the space's layers have been seen) it times the anchor, building the whole
network on the meta device and profiling it (what every one of them did before), and
`network_cost` with its cache emptied first, checks that both give the same counts for every
architecture, and prints milliseconds per architecture and the ratio.
"""

from __future__ import annotations

import argparse
import time

import torch

from edgenas.profile import profile
from edgenas.spaces import create_space
from edgenas.spaces._layers import NetworkCost, _layer_profile, network_cost


def whole_counts(space, arch) -> NetworkCost:  # noqa: ANN001
    """The anchor: the whole network built on the meta device and profiled."""
    with torch.device("meta"):
        model = space.build(arch)
    return NetworkCost.of(profile(model, space.input_shape(arch)))


def layered_counts(space, arch) -> NetworkCost:  # noqa: ANN001
    return network_cost(space.layers(arch))


def timed(fn, space, archs) -> tuple[float, list]:  # noqa: ANN001
    start = time.perf_counter()
    out = [fn(space, arch) for arch in archs]
    return (time.perf_counter() - start) / len(archs) * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=200, help="distinct architectures per space and half")
    parser.add_argument("--spaces", default="mbconv,vit,autodeeplab,nb201")
    args = parser.parse_args()
    if args.archs < 1:
        raise SystemExit(f"error: --archs must be at least 1, got {args.archs}")
    torch.set_num_threads(1)
    print(f"{args.archs} + {args.archs} distinct architectures per space, 1 thread; ms per architecture\n")
    print("| space | whole network | layers, first half (cold cache) | layers, second half | speed-up, second half | counts equal |")
    print("|---|---|---|---|---|---|")
    for name in args.spaces.split(","):
        try:
            space = create_space(name)
        except Exception as exc:  # noqa: BLE001  (the registry's message names the spaces)
            raise SystemExit(f"error: {exc}") from None
        if not hasattr(space, "layers"):
            raise SystemExit(f"error: space {name!r} does not describe its networks as layers; choose among "
                             "mbconv, vit, autodeeplab, nb201")
        archs = space.sample_distinct(2 * args.archs, seed=0)
        whole_ms, whole = timed(whole_counts, space, archs)
        _layer_profile.cache_clear()
        first_ms, first = timed(layered_counts, space, archs[: args.archs])
        second_ms, second = timed(layered_counts, space, archs[args.archs:])
        equal = sum(a == b for a, b in zip(whole, first + second))
        print(f"| {name} | {whole_ms:.1f} | {first_ms:.1f} | {second_ms:.1f} | {whole_ms / second_ms:.0f}x | "
              f"{equal} of {len(archs)} |")


if __name__ == "__main__":
    main()
