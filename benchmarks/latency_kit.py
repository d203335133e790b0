"""The latency kit measured on this machine: does its table fit a predictor, and does it agree
with `edgenas latency measure --device onnxruntime-cpu`?

    python benchmarks/latency_kit.py [--space nb201] [--n 1000] [--fit 800] [--compare 100]
        [--workdir runs/kit-bench] [--bare]

1. `edgenas latency kit --n N`; 2. run.py in a fresh virtual environment holding only numpy and
onnxruntime (pip; ``--bare`` links them from this installation instead, offline); 3. `latency fit`
(model auto) on the first ``--fit`` networks of the kit's table, `latency eval` on the rest;
4. `latency measure --device onnxruntime-cpu --calibrate` (paired with the same reference network
as the kit) on the kit's first ``--compare`` networks (the
same seed samples the same networks), measured right before run.py times those same networks
(a shared machine drifts over minutes), and for them the share of kit latencies within 10% / 5%
of measure's and the median ratio kit / measure; beside it the same figures for run.py timing
those networks a second time (the machine's own repeatability: no two tools agree better).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

EDGENAS = [sys.executable, "-m", "edgenas.cli"]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if out.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return out


def _python(args: argparse.Namespace) -> tuple[list[str], dict | None]:
    """The interpreter (and environment) that runs run.py: numpy and onnxruntime only."""
    if args.bare:
        from edgenas.hardware.kit import runner_only_environment

        return [sys.executable, "-S"], runner_only_environment(args.workdir / "site")
    venv = args.workdir / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "--quiet", "numpy", "onnxruntime"])
    return [str(venv / "bin" / "python")], None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--fit", type=int, default=800)
    parser.add_argument("--compare", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=Path("runs/kit-bench"))
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--analyse", action="store_true", help="only print the figures of an existing --workdir")
    args = parser.parse_args()
    if args.analyse:
        return analyse(args)
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    kit = args.workdir / "kit"
    start = time.time()
    _run(EDGENAS + ["latency", "kit", "--space", args.space, "--n", str(args.n), "-o", str(kit)])
    print(f"kit of {args.n} networks written in {time.time() - start:.0f} s")
    python, env = _python(args)
    measured = args.workdir / "measure.csv"
    start = time.time()
    _run(EDGENAS + ["latency", "measure", "--space", args.space, "--device", "onnxruntime-cpu", "--calibrate",
                    "--n", str(args.compare), "-o", str(measured)])
    _run(python + [str(kit / "run.py"), "--limit", str(args.compare)], env=env)
    repeat = args.workdir / "repeat.csv"
    _run(python + [str(kit / "run.py"), "--limit", str(args.compare), "--out", str(repeat)], env=env)
    _run(python + [str(kit / "run.py")], env=env)
    print(f"run.py measured {args.n} networks in {time.time() - start:.0f} s")
    analyse(args)


def _ratios(path: Path) -> dict[str, float]:
    """Latency over the reference network's, paired in the same rounds: the drift-free number
    (a table's latency_ms also carries the machine's speed at the moment its reference was timed)."""
    rows = list(csv.DictReader(path.open()))
    if "ratio" in rows[0]:
        return {r["arch"]: float(r["ratio"]) for r in rows}
    reference = json.loads(path.with_name(path.name + ".reference.json").read_text())["reference_ms"]
    return {r["arch"]: float(r["latency_ms"]) / reference for r in rows}


def _agreement(label: str, ours: dict[str, float], theirs: dict[str, float]) -> None:
    ratio = np.array([ours[a] / theirs[a] for a in theirs])
    print(f"{label} on {len(ratio)} networks: {100 * np.mean(np.abs(ratio - 1) <= 0.10):.1f}% within 10%, "
          f"{100 * np.mean(np.abs(ratio - 1) <= 0.05):.1f}% within 5%, median ratio {np.median(ratio):.3f}")


def analyse(args: argparse.Namespace) -> None:
    kit = args.workdir / "kit"
    table = kit / "latency.csv"
    rows = list(csv.DictReader(table.open()))
    reliable = np.mean([int(r["reliable"]) for r in rows])
    print(f"{len(rows)} networks in {table} ({100 * reliable:.1f}% reliable)")
    header = list(rows[0])
    for name, part in (("fit.csv", rows[: args.fit]), ("heldout.csv", rows[args.fit:])):
        with (args.workdir / name).open("w", newline="") as f:
            writer = csv.DictWriter(f, header)
            writer.writeheader()
            writer.writerows(part)
    predictor = args.workdir / "kit.npz"
    fitted = _run(EDGENAS + ["latency", "fit", "--space", args.space, "--table", str(args.workdir / "fit.csv"),
                             "-o", str(predictor)])
    print(fitted.stdout.strip().splitlines()[0])
    scores = json.loads(_run(EDGENAS + ["latency", "eval", "--predictor", str(predictor), "--table",
                                        str(args.workdir / "heldout.csv"), "--json"]).stdout)
    print(f"held out ({len(rows) - args.fit} networks): {100 * scores['within_10pct']:.1f}% within 10%, "
          f"{100 * scores['within_5pct']:.1f}% within 5%, MAPE {100 * scores['mape']:.2f}%")
    measured, repeat = args.workdir / "measure.csv", args.workdir / "repeat.csv"
    ours = {r["arch"]: float(r["latency_ms"]) for r in rows}
    for label, other in (("kit vs latency measure", measured), ("kit vs kit repeated", repeat)):
        _agreement(f"{label}, latency_ms", ours, {r["arch"]: float(r["latency_ms"]) for r in csv.DictReader(other.open())})
        _agreement(f"{label}, ratio to the reference", _ratios(table), _ratios(other))


if __name__ == "__main__":
    main()
