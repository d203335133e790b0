"""Once-for-All specialisation: one trained supernet, a network per device, no training.

    python benchmarks/ofa_specialize.py --checkpoint runs/ofa-bench/progressive.pt [--samples 150]
        [--min-accuracy A]

1. Fits the accuracy predictor on ``--samples`` sub-networks (validation accuracy after BN
   recalibration; the table is kept beside the checkpoint) and reports its held-out ranking.
2. For each device (torch-cpu at 1 thread, ONNX Runtime at 1 thread, a microcontroller),
   sets a limit that binds (the 40th percentile of that device's cost over random
   sub-networks) and searches; the pick is measured end to end on its device and its test
   accuracy is measured with inherited weights.
3. Measures every pick on every device: each pick should meet its own device's limit, the picks
   should differ, and on each device its own pick should be the most accurate of the picks that
   meet that device's limit -- or, with ``--min-accuracy`` (each device's pick is then its
   fastest network predicted at least that accurate, within its limits), the fastest of the picks
   there (latency measured end to end; the microcontroller's from MACs).
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
    parser.add_argument("--min-accuracy", type=float, default=None)
    parser.add_argument("--repeats", type=int, default=3, help="measurements per cell of the matrix (median)")
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
        pick = specialize(space, predictor, target, min_accuracy=args.min_accuracy)
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
        cells, fits, speed = [], [], []
        for p in picks:
            runs = [target.measure(p.arch) for _ in range(args.repeats)]
            m = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
            ok = all(m[k] <= v for k, v in own.limits.items())
            fits.append((ok, p.accuracy))
            speed.append(m["latency_ms"])
            shown = ["latency_ms", *(k for k in own.limits if k != "latency_ms")]
            cells.append(", ".join(f"{m[k]:.3g}" for k in shown) + (" ok" if ok else " --"))
        best = max(a for ok, a in fits if ok)
        fastest = speed[picks.index(own)] <= min(speed)
        print(f"{target.name:28s}" + "".join(f"{c:>28s}" for c in cells)
              + f"   own pick: most accurate of those that fit {own.accuracy >= best}, fastest {fastest} "
              f"(latency {', '.join(f'{v:.4g}' for v in speed)} ms)")


if __name__ == "__main__":
    main()
