"""How much room does a latency target leave? Stand-alone accuracy of random paths of the same latency.

    python benchmarks/proxyless_room.py [--results benchmarks/results/proxyless-alr005.json]
        [--key "torch-cpu:1 p50"] [--device torch-cpu:1] [--n 8] [--window 0.03] [--seeds 2]
        [--workdir runs/proxyless-room] [--supernet "runs/proxyless-alr005/torch-cpu:1 p50.pt"]

The ProxylessNAS goal is an export more accurate than the uniform k3e6 network of the same
latency after the same training. This asks whether the space holds such networks at all on the
task: from a `proxyless_targets.py` run's results (its target T, export and baseline, with their
accuracies), ``--n`` random paths of the supernet (largest width and resolution) whose layer-table
latency is within ``--window`` of T are trained from scratch with the same recipe and seeds
(`proxyless_targets.test_accuracy`) on the same Fashion-MNIST images. Prints each path's
accuracy beside the baseline's and the export's, how many paths are ahead of the baseline on
every seed, and the rank correlation of accuracy with the path's depth, mean kernel size and
mean expand ratio (what a search should learn to prefer here). With ``--supernet`` (the search's
checkpoint), each path's accuracy inherited from the supernet (validation split, batch-norm
statistics recalibrated on 2,000 training images) is set against its stand-alone accuracy: does
the supernet rank networks of one latency as training them does? Accuracies are stored in
``--workdir`` as they come (a rerun continues). The layer table is the device's LUT, cached in
``--workdir`` (copy the run's ``lut-*.json`` there to use the table the targets came from).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from edgenas.atomic import atomic_write
from edgenas.data import load_dataset
from edgenas.estimate.train import accuracy
from edgenas.oneshot.elastic import describe, recalibrate_bn
from edgenas.oneshot.finder import layer_profile_costs
from edgenas.oneshot.progressive import SMALL_IMAGES
from edgenas.oneshot.proxyless import PathSupernet, random_paths
from edgenas.oneshot.specialize import parse_target
from edgenas.spaces import Arch, MBConvSpace

sys.path.insert(0, str(Path(__file__).parent))
from proxyless_targets import test_accuracy  # noqa: E402


def blocks(space: MBConvSpace, arch: Arch) -> list[tuple[int, int]]:
    """(kernel, expand) of every block the path keeps."""
    return [(arch[f"s{s}_b{b}_kernel"], arch[f"s{s}_b{b}_expand"])
            for s in range(len(space.stages)) for b in range(arch[f"s{s}_depth"])]


class OnePath(torch.nn.Module):
    """One path of a `PathSupernet` as a plain model (for batch-norm recalibration and scoring)."""

    def __init__(self, net: PathSupernet, arch: Arch) -> None:
        super().__init__()
        self.net, self.arch = net, arch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x, self.arch)


def inherited(path: str, space: MBConvSpace, archs: list[Arch], data) -> list[float]:
    """Validation accuracy of each path with the supernet's weights, its BN statistics its own."""
    net = PathSupernet(space, data.num_classes)
    net.load_state_dict(torch.load(path, weights_only=True)["model"])
    out = []
    for arch in archs:
        model = recalibrate_bn(OnePath(net, arch), data.x_train[:2000])
        out.append(100.0 * accuracy(model, data.x_val, data.y_val))
    return out


def accuracies(stored: dict, arch_json: str) -> list[float]:
    return [v for k, v in stored.items() if k.rsplit(" ", 1)[0] == arch_json]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="benchmarks/results/proxyless-alr005.json")
    parser.add_argument("--key", default="torch-cpu:1 p50")
    parser.add_argument("--device", default="torch-cpu:1")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--window", type=float, default=0.03)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--train-epochs", type=int, default=10)
    parser.add_argument("--workdir", default="runs/proxyless-room")
    parser.add_argument("--supernet", default=None, help="the search's checkpoint: inherited accuracies too")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if not Path(args.results).is_file():
        sys.exit(f"error: no results {args.results}; run benchmarks/proxyless_targets.py first (its workdir's results.json)")
    if args.supernet and not Path(args.supernet).is_file():
        sys.exit(f"error: no supernet checkpoint {args.supernet}; give the .pt of that proxyless_targets.py run")
    run = json.loads(Path(args.results).read_text())
    if args.key not in run:
        sys.exit(f"error: {args.key!r} is not in {args.results}; its keys: {', '.join(run)}")
    res = run[args.key]
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    store = work / "room.json"
    stored = json.loads(store.read_text()) if store.exists() else {}

    space = MBConvSpace(**SMALL_IMAGES)
    data = load_dataset("fashion-mnist", resolution=max(space.resolutions), seed=0)
    data = replace(data, x_train=data.x_train[: args.train_size], y_train=data.y_train[: args.train_size])
    latency = parse_target(args.device, space, 10, None, work, layer_profile_costs(space, 10)).latency
    goal = res["target_ms"]
    rows = random_paths(latency.codec, 20000, seed=1)
    table = latency(rows)
    near = np.flatnonzero(np.abs(table / goal - 1) <= args.window)
    picked = np.random.default_rng(0).permutation(near)[: args.n]  # a larger --n extends a run
    paths = [latency.codec.decode(rows[i]) for i in picked]
    print(f"{args.key}: T = {goal:.3f} ms; {len(near)} of {len(rows)} random paths within {args.window:.0%} "
          f"by the table; training {len(paths)} x {args.seeds} seeds", flush=True)
    for arch in paths:
        for seed in range(args.seeds):
            key = f"{arch.to_json()} {seed}"
            if key not in stored:
                stored[key] = test_accuracy(space, arch, data, args.train_epochs, seed)
                atomic_write(store, lambda tmp: tmp.write_text(json.dumps(stored, indent=1)))  # a kill keeps the rest
        print(f"  {np.mean(accuracies(stored, arch.to_json())):.2f}  {describe(arch)}", flush=True)

    base = accuracies(res["baseline_accuracy"], res["baseline"])[: args.seeds]
    export = accuracies(res["searched_accuracy"], res["arch"])[: args.seeds]
    accs = np.array([accuracies(stored, a.to_json()) for a in paths])
    print(f"\nbaseline (k3e6) {np.mean(base):.2f} ({', '.join(f'{a:.2f}' for a in base)})  "
          f"{describe(space.parse(res['baseline']))}")
    print(f"export          {np.mean(export):.2f} ({', '.join(f'{a:.2f}' for a in export)})  "
          f"{describe(space.parse(res['arch']))}")
    means = accs.mean(1)
    within = float(np.sqrt(accs.var(1, ddof=1).mean()))  # pooled over the paths
    print(f"random paths    mean {means.mean():.2f}, best {means.max():.2f}, worst {means.min():.2f}; std of "
          f"the paths' means {means.std(ddof=1):.2f}, of which the seeds alone would give "
          f"{within / np.sqrt(accs.shape[1]):.2f} (seed-to-seed std within a path, pooled: {within:.2f})")
    ahead = int((accs > np.array(base)[None, :]).all(1).sum())
    print(f"ahead of the baseline on every seed: {ahead} of {len(paths)}; mean above the baseline's: "
          f"{int((means > np.mean(base)).sum())} of {len(paths)}")
    shapes = [blocks(space, a) for a in paths]
    for name, values in (("depth", [len(b) for b in shapes]),
                         ("mean kernel", [np.mean([k for k, _ in b]) for b in shapes]),
                         ("mean expand", [np.mean([e for _, e in b]) for b in shapes])):
        if len(set(values)) == 1:
            print(f"Spearman(accuracy, {name}): every path has {name} {values[0]:g}")
            continue
        print(f"Spearman(accuracy, {name}) = {spearmanr(values, means).statistic:+.2f}")
    if args.supernet:
        scored = paths + [space.parse(res["arch"])]
        inh = inherited(args.supernet, space, scored, data)
        alone = list(means) + [np.mean(export)]
        for arch, i, a in zip(scored, inh, alone):
            print(f"  inherited {i:.2f}  stand-alone {a:.2f}  {describe(arch)}")
        print(f"Spearman(inherited, stand-alone) over the {len(scored)} networks (the export last): "
              f"{spearmanr(inh, alone).statistic:+.2f}; the export's inherited rank: "
              f"{int((np.array(inh) > inh[-1]).sum()) + 1} of {len(scored)}")


if __name__ == "__main__":
    main()
