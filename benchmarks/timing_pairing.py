"""Does timing a network paired with a reference network repeat better than timing it alone?

    python benchmarks/timing_pairing.py [--kit runs/kit-bench/kit] [--n 30] [--passes 2]

Takes ``--n`` networks of a latency kit (`edgenas latency kit`) and times each, per pass, both
ways with `kit_runner.measure` (ONNX Runtime, one thread): alone (the lowest round median) and
paired with the kit's reference network (the ratio of medians in rounds that alternate the two).
The two protocols alternate network by network, so both see the same machine. Prints, per
protocol, the share of networks whose two passes agree within 10% and 5%, and the median ratio.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from edgenas.hardware.kit_runner import measure

PROTOCOL = {"warmup_s": 0.1, "round_s": 0.05, "rounds": 3, "target_spread": 0.02, "max_s": 3.0}


def _runner(kit: Path, network: dict):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(kit / network["file"]), options, providers=["CPUExecutionProvider"])
    feed = {"x": np.random.default_rng(0).standard_normal(network["input_shape"]).astype(np.float32)}
    return lambda: session.run(None, feed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kit", type=Path, default=Path("runs/kit-bench/kit"))
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    manifest = json.loads((args.kit / "manifest.json").read_text())
    reference = _runner(args.kit, manifest["reference"])
    runs = [_runner(args.kit, n) for n in manifest["networks"][: args.n]]
    values: dict[str, list[list[float]]] = {"alone": [], "paired": []}
    for _ in range(args.passes):
        values["alone"].append([])
        values["paired"].append([])
        for run in runs:
            values["alone"][-1].append(measure(run, **PROTOCOL)["latency_ms"])
            values["paired"][-1].append(measure(run, **PROTOCOL, reference=reference)["ratio"])
    for name, passes in values.items():
        ratio = np.array(passes[-1]) / np.array(passes[0])
        print(f"{name}: passes agree within 10% for {100 * np.mean(np.abs(ratio - 1) <= 0.10):.1f}% of "
              f"{len(ratio)} networks, within 5% for {100 * np.mean(np.abs(ratio - 1) <= 0.05):.1f}%, "
              f"median ratio {np.median(ratio):.3f}")


if __name__ == "__main__":
    main()
