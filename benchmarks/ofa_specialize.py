"""Once-for-All specialisation: one trained supernet, a network per device, no training.

    python benchmarks/ofa_specialize.py --checkpoint runs/ofa-bench/progressive.pt [--samples 150]

1. Fits the accuracy predictor on ``--samples`` sub-networks (validation accuracy after BN
   recalibration; the table is kept beside the checkpoint) and reports its held-out ranking.
2. For each device (torch-cpu at 1 thread, ONNX Runtime at 1 thread, a microcontroller),
   sets a limit that binds (the 40th percentile of that device's cost over random
   sub-networks) and searches; the pick is measured end to end on its device and its test
   accuracy is measured with inherited weights.
3. Measures every pick on every device: each pick should meet its own device's limit, the picks
   should differ, and on each device its own pick should be the most accurate of the picks that
   meet that device's limit.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from edgenas.data import load_dataset
from edgenas.oneshot.elastic import describe
from edgenas.oneshot.finder import ChoiceCodec, Constraint, layer_profile_costs
from edgenas.oneshot.progressive import load_supernet, subnet_accuracy
from edgenas.oneshot.specialize import (
    SubnetAccuracyPredictor,
    Target,
    accuracy_dataset,
    parse_target,
    specialize,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="runs/ofa-bench/progressive.pt")
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--quantile", type=float, default=40)
    parser.add_argument("--workdir", default="runs/ofa-bench")
    args = parser.parse_args()
    torch.set_num_threads(2)
    supernet, _ = load_supernet(args.checkpoint)
    space, classes = supernet.space, supernet.num_classes
    data = load_dataset(args.dataset, resolution=max(space.resolutions), seed=0)
    table = Path(args.checkpoint).with_suffix(".accuracy.csv")
    archs, acc = accuracy_dataset(supernet, data, table, samples=args.samples)
    order = np.random.default_rng(0).permutation(len(archs))
    held, train = order[: len(order) // 5], order[len(order) // 5:]
    probe = SubnetAccuracyPredictor(space).fit([archs[i] for i in train], acc[train])
    pred = probe.predict([archs[i] for i in held])
    print(f"accuracy predictor on {len(held)} held-out sub-networks: Kendall tau "
          f"{stats.kendalltau(pred, acc[held]).statistic:.3f}, RMSE {np.sqrt(np.mean((pred - acc[held]) ** 2)):.2f} "
          f"points (accuracy range {acc.min():.1f}-{acc.max():.1f}%)")
    predictor = SubnetAccuracyPredictor(space).fit(archs, acc)

    codec = ChoiceCodec(space)
    costs = layer_profile_costs(space, classes)
    sample = codec.sample(np.random.default_rng(1), 5000)
    targets: list[Target] = []
    for spec in ("torch-cpu:1", "onnxruntime-cpu:1"):
        device = parse_target(spec, space, classes, None, args.workdir, costs)
        limit = float(np.percentile(device.latency(sample), args.quantile))
        targets.append(Target(spec, [Constraint(device.latency, limit, "latency_ms")], device.measure, device.latency))
    sram = float(np.percentile(costs["peak_memory_bytes"](sample), args.quantile)) / 1024
    flash = float(np.percentile(costs["weight_bytes"](sample), args.quantile)) / 1024
    targets.append(parse_target(f"microcontroller:{sram:.2f}:{flash:.2f}", space, classes, None, args.workdir, costs))

    picks = []
    for target in targets:
        pick = specialize(space, predictor, target)
        pick.accuracy = subnet_accuracy(supernet, pick.arch, data, split="test")
        picks.append(pick)
        limits = ", ".join(f"{k} <= {v:.4g}" for k, v in pick.limits.items())
        measured = ", ".join(f"{k} {pick.measured[k]:.4g}" for k in pick.limits)
        print(f"{target.name:28s} {limits:52s} measured {measured:42s} meets {pick.meets()}  "
              f"predicted {pick.predicted_accuracy:.2f}%  test {pick.accuracy:.2f}%  "
              f"(recalibrated {pick.calibrations}x)  {describe(pick.arch)}", flush=True)
    print(f"distinct picks: {len({p.arch for p in picks})} of {len(picks)}")
    print("\nevery pick on every device (rows: device; columns: the pick made for ...):")
    print(" " * 28 + "".join(f"{p.device[:22]:>24s}" for p in picks))
    for target, own in zip(targets, picks):
        cells, fits = [], []
        for p in picks:
            m = target.measure(p.arch)
            ok = all(m[k] <= v for k, v in own.limits.items())
            fits.append((ok, p.accuracy))
            cells.append(", ".join(f"{m[k]:.3g}" for k in own.limits) + (" ok" if ok else " --"))
        best = max(a for ok, a in fits if ok)
        print(f"{target.name:28s}" + "".join(f"{c:>24s}" for c in cells)
              + f"   own pick most accurate of those that fit: {own.accuracy >= best}")


if __name__ == "__main__":
    main()
