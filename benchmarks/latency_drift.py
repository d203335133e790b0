"""Does a drift-calibrated measurement agree with itself when the machine's speed changes?

    python benchmarks/latency_drift.py [--space vit] [--device torch-cpu] [--n 150] [--load 2]
        [--workdir runs/drift-bench]

Measures the same ``--n`` networks (`edgenas latency measure`, one thread) four times: plain and
``--calibrate``d on the quiet machine, then both again while ``--load`` busy-loop processes share
it (a shared host's slow phase; the calibrated pass keeps the quiet pass's reference scale).
Prints, for plain and for calibrated, the share of networks whose two measurements agree within
10% and 5%, and the median ratio loaded / quiet.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np


def measure(args: argparse.Namespace, path: Path, calibrate: bool) -> dict[str, float]:
    cmd = [sys.executable, "-m", "edgenas.cli", "latency", "measure", "--space", args.space, "--device", args.device,
           "--n", str(args.n), "-o", str(path)] + (["--calibrate"] if calibrate else [])
    subprocess.run(cmd, check=True, capture_output=True)
    return {row["arch"]: float(row["latency_ms"]) for row in csv.DictReader(path.open())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="vit")
    parser.add_argument("--device", default="torch-cpu")
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--load", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("runs/drift-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    w = args.workdir
    quiet = {"plain": measure(args, w / "quiet-plain.csv", False), "calibrated": measure(args, w / "quiet-cal.csv", True)}
    shutil.copy(w / "quiet-cal.csv.reference.json", w / "loaded-cal.csv.reference.json")  # the quiet scale
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    try:
        loaded = {"plain": measure(args, w / "loaded-plain.csv", False),
                  "calibrated": measure(args, w / "loaded-cal.csv", True)}
    finally:
        for hog in hogs:
            hog.kill()
    print(f"{args.n} {args.space} networks on {args.device}, quiet vs {args.load} busy processes beside it:")
    print("| measurement | within 10% | within 5% | median loaded / quiet |\n|---|---|---|---|")
    for kind in ("plain", "calibrated"):
        ratio = np.array([loaded[kind][a] / quiet[kind][a] for a in quiet[kind]])
        print(f"| {kind} | {np.mean(np.abs(ratio - 1) <= 0.10):.1%} | {np.mean(np.abs(ratio - 1) <= 0.05):.1%} | "
              f"{np.median(ratio):.3f} |")


if __name__ == "__main__":
    main()
