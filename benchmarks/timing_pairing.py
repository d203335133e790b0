"""Does timing a network paired with a reference network repeat better than timing it alone?

    python benchmarks/timing_pairing.py [--kit FOLDER | --resolution 32] [--n 30] [--passes 2]
        [--protocols alone,paired] [--runtime onnxruntime] [--out TABLE.csv]

Takes ``--n`` networks of a latency kit (`edgenas latency kit`; without ``--kit``, a kit of
seed-0 NB201 networks at ``--resolution`` px written to a temporary folder) and times each, per
pass, with `kit_runner.measure` (ONNX Runtime, one thread): alone (the lowest round median)
and paired with the kit's reference network (the ratio of medians in rounds that alternate the
two). The protocols alternate network by network, and passes run one after the other over all
networks, so every protocol and pass sees the same machine. Prints, per protocol, the share of
networks whose first two passes agree within 10% and 5%, and the median ratio; with four or
more passes, also the same for the median of the odd passes against the median of the even
ones (does repeating a measurement later, and keeping the median, buy repeatability?).
``--out`` writes the first protocol's median over all passes as a latency table
(``arch,latency_ms``; paired ratios times the reference's lowest round median) that `edgenas
latency fit` and `benchmarks/latency_transfer.py` read: a development device at another input size.
With ``--out`` every timing is appended to ``OUT.partial`` as it is taken, and a stopped run
resumes there. ``--runtime torchscript`` times each kit network rebuilt in PyTorch (seed-0
weights, the kit's input shape), traced and frozen by TorchScript (batch norm folded into the
convolutions, no Python between the operators: what TorchMobile runs, on this machine's kernels)
instead of its ONNX file under ONNX Runtime: a development device of another framework.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from edgenas.hardware.kit_runner import measure

PROTOCOL = {"warmup_s": 0.1, "round_s": 0.05, "rounds": 3, "target_spread": 0.02, "max_s": 3.0}


def _runner(kit: Path, network: dict, runtime: str = "onnxruntime"):
    if runtime == "torchscript":
        return _torchscript_runner(network)
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(kit / network["file"]), options, providers=["CPUExecutionProvider"])
    feed = {"x": np.random.default_rng(0).standard_normal(network["input_shape"]).astype(np.float32)}
    return lambda: session.run(None, feed)


def _torchscript_runner(network: dict):
    """The kit network rebuilt from its arch string, traced and frozen, one thread."""
    import warnings

    import torch

    from edgenas.spaces import NB201Space

    torch.set_num_threads(1)
    space = NB201Space()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = space.build(space.parse(network["arch"])).eval()
    x = torch.randn(*network["input_shape"], generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated in PyTorch 2.13
        frozen = torch.jit.freeze(torch.jit.trace(model, x).eval())

    def run() -> None:
        with torch.inference_mode():
            frozen(x)

    return run


def _nb201_kit(n: int, resolution: int, folder: Path) -> Path:
    """A kit of ``n`` seed-0 NB201 networks whose input is ``resolution`` px square (the
    networks end in global pooling, so any size runs)."""
    from edgenas.hardware.kit import write_kit
    from edgenas.spaces import NB201Space

    class Sized(NB201Space):
        def input_shape(self, arch):  # noqa: ANN001, ANN202 - one override of the space's shape
            return (1, 3, resolution, resolution)

    space = Sized()
    write_kit(space, space.sample_distinct(n, seed=0), folder / "kit")
    return folder / "kit"


def _agreement(name: str, ratio: np.ndarray) -> str:
    return (f"{name}: agree within 10% for {100 * np.mean(np.abs(ratio - 1) <= 0.10):.1f}% of {len(ratio)} "
            f"networks, within 5% for {100 * np.mean(np.abs(ratio - 1) <= 0.05):.1f}%, "
            f"median ratio {np.median(ratio):.3f}")


class _Log:
    """Every timing of a run with ``--out``, appended to ``OUT.partial`` as it is taken: a run
    stopped after an hour starts again where it was (same kit networks and protocols).
    Without ``--out`` it only times."""

    def __init__(self, out: Path | None, settings: dict) -> None:
        self.path = out and out.with_name(out.name + ".partial")
        self.done: dict[str, float] = {}
        if self.path is None:
            return
        if self.path.is_file():
            lines = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
            if not lines or lines[0] != settings:
                raise SystemExit(f"{self.path} holds timings of other networks or protocols: delete it, or rerun "
                                 "with the settings that wrote it")
            self.done = {k: v for line in lines[1:] for k, v in line.items()}
        else:
            self._append(settings)

    def _append(self, line: dict) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(line) + "\n")

    def get(self, key: str, time_it: Callable[[Any], float], run: Any) -> float:
        if key not in self.done:
            self.done[key] = float(time_it(run))
            if self.path is not None:
                self._append({key: self.done[key]})
        return self.done[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kit", type=Path, help="a kit folder (default: write an NB201 kit)")
    parser.add_argument("--resolution", type=int, default=32, help="input px of the written kit")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--protocols", default="alone,paired")
    parser.add_argument("--out", type=Path, help="write the first protocol's median latencies here")
    parser.add_argument("--runtime", default="onnxruntime", help="onnxruntime (the kit's files) or torchscript")
    args = parser.parse_args()
    protocols = args.protocols.split(",")
    if args.passes < 2 or not set(protocols) <= {"alone", "paired"}:
        parser.error("--passes must be at least 2 and --protocols a list of alone, paired")
    if args.runtime not in ("onnxruntime", "torchscript"):
        parser.error(f"--runtime is onnxruntime or torchscript, not {args.runtime!r}")
    with tempfile.TemporaryDirectory() as tmp:
        kit = args.kit or _nb201_kit(args.n, args.resolution, Path(tmp))
        if not (kit / "manifest.json").is_file():
            parser.error(f"no manifest.json in {kit}; make a kit with `edgenas latency kit` or leave out --kit")
        manifest = json.loads((kit / "manifest.json").read_text())
        networks = manifest["networks"][: args.n]
        log = _Log(args.out, {"archs": [n["arch"] for n in networks], "protocols": protocols,
                              **({"runtime": args.runtime} if args.runtime != "onnxruntime" else {})})
        reference = _runner(kit, manifest["reference"], args.runtime)
        timers = {"alone": lambda run: measure(run, **PROTOCOL)["latency_ms"],
                  "paired": lambda run: measure(run, **PROTOCOL, reference=reference)["ratio"]}
        scale = log.get("scale", timers["alone"], reference) if args.out and protocols[0] == "paired" else 1.0
        runs = [_runner(kit, n, args.runtime) for n in networks]
        values: dict[str, list[list[float]]] = {name: [] for name in protocols}
        for p in range(args.passes):
            for passes in values.values():
                passes.append([])
            for i, run in enumerate(runs):
                for name in protocols:
                    values[name][-1].append(log.get(f"{p}/{name}/{i}", timers[name], run))
    if args.out:
        name = protocols[0]
        medians = np.median(np.array(values[name]), axis=0) * scale
        with args.out.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["arch", "latency_ms"])
            writer.writerows([n["arch"], f"{ms:.6g}"] for n, ms in zip(manifest["networks"], medians))
        print(f"wrote {args.out}: {len(medians)} networks, the median of {args.passes} {name} passes")
        log.path.unlink()
    for name, passes in values.items():
        table = np.array(passes)
        print(_agreement(f"{name}, passes 1 and 2", table[1] / table[0]))
        if len(table) >= 4:
            print(_agreement(f"{name}, median of odd passes against even ones",
                             np.median(table[1::2], axis=0) / np.median(table[0::2], axis=0)))


if __name__ == "__main__":
    main()
