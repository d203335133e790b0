"""Vision transformers on this CPU: measured tables, and MACs against latency at equal MACs.

    python benchmarks/vit_latency.py [--n 1200] [--devices torch-cpu,onnxruntime-cpu]
        [--out benchmarks/data] [--plot docs/vit_macs_latency.png]

Measures ``--n`` sampled ViTs of the default ``vit`` space on each device with
`edgenas latency measure` (one thread, resumable: a rerun measures only what is missing) into
``OUT/vit-DEVICE.csv``. Then, per device, groups the measured networks whose MACs lie within
5% of each other and prints how far latency spreads inside a group (max / min), with the group
members' depth, width and heads: MACs do not decide latency for transformers either (only
measurements the device marked reliable, repeat spread under 10%, enter the groups). The
plot shows latency against MACs, coloured by depth. The predictors are benchmarked on the same
tables with ``python benchmarks/latency_predictors.py --space vit --table OUT/vit-DEVICE.csv``.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from edgenas.profile import profile
from edgenas.spaces import ViTSpace


def measure(device: str, n: int, out: Path) -> Path:
    path = out / f"vit-{device}.csv"
    cmd = [sys.executable, "-m", "edgenas.cli", "latency", "measure", "--space", "vit", "--device", device,
           "--n", str(n), "--threads", "1", "-o", str(path)]
    subprocess.run(cmd, check=True)
    return path


def read(path: Path, space: ViTSpace) -> tuple[list, np.ndarray, np.ndarray]:
    archs, latency, reliable = [], [], []
    with path.open() as f:
        for row in csv.DictReader(f):
            archs.append(space.parse(row["arch"]))
            latency.append(float(row["latency_ms"]))
            reliable.append(row["reliable"] == "1")
    return archs, np.array(latency), np.array(reliable)


def macs_of(space: ViTSpace, archs: list) -> np.ndarray:
    out = []
    for arch in archs:
        with torch.device("meta"):
            model = space.build(arch)
        out.append(profile(model, space.input_shape(arch)).macs)
    return np.array(out, dtype=float)


def describe(arch) -> str:
    heads = [int(arch[f"l{i}_heads"]) for i in range(int(arch["depth"]))]
    return f"p{arch['patch']} e{arch['embed']} d{arch['depth']} h{'/'.join(map(str, heads))}"


def spread_at_equal_macs(space: ViTSpace, archs: list, latency: np.ndarray, macs: np.ndarray) -> None:
    order = np.argsort(macs)
    best = None
    ratios = []
    for i in order:
        group = np.flatnonzero(np.abs(macs - macs[i]) <= 0.05 * macs[i])
        if len(group) < 2:
            continue
        ratio = latency[group].max() / latency[group].min()
        ratios.append(ratio)
        if best is None or ratio > best[0]:
            best = (ratio, group)
    print(f"  groups within 5% MACs: median latency spread {np.median(ratios):.2f}x, 90th percentile "
          f"{np.percentile(ratios, 90):.2f}x, largest {best[0]:.2f}x:")
    for j in (best[1][np.argmin(latency[best[1]])], best[1][np.argmax(latency[best[1]])]):
        print(f"    {describe(archs[j])}: {macs[j] / 1e6:.2f} M MACs, {latency[j]:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1200)
    parser.add_argument("--devices", default="torch-cpu,onnxruntime-cpu")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--plot", type=Path, default=Path("docs/vit_macs_latency.png"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    space = ViTSpace()
    tables = {device: measure(device, args.n, args.out) for device in args.devices.split(",")}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(tables), figsize=(5.2 * len(tables), 4), squeeze=False)
    for ax, (device, path) in zip(axes[0], tables.items()):
        archs, latency, reliable = read(path, space)
        count, share = len(archs), reliable.mean()
        archs, latency = [a for a, r in zip(archs, reliable) if r], latency[reliable]  # spread under 10%
        macs = macs_of(space, archs)
        print(f"{device}: {count} measured ViTs, {share:.0%} reliable and used here, {macs.min() / 1e6:.1f}-"
              f"{macs.max() / 1e6:.1f} M MACs, {latency.min():.3f}-{latency.max():.3f} ms; Spearman(MACs, latency) "
              f"{_spearman(macs, latency):.3f}")
        spread_at_equal_macs(space, archs, latency, macs)
        depth = np.array([int(a["depth"]) for a in archs])
        points = ax.scatter(macs / 1e6, latency, c=depth, s=6, cmap="viridis")
        ax.set_xlabel("MACs (M)")
        ax.set_ylabel("latency (ms)")
        ax.set_title(f"ViTs on {device}")
        fig.colorbar(points, ax=ax, label="depth")
    fig.tight_layout()
    fig.savefig(args.plot, dpi=110)
    print(f"plot: {args.plot}")


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


if __name__ == "__main__":
    main()
