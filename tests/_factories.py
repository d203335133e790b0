"""Model factories the CLI tests load as ``_factories:NAME``."""

from __future__ import annotations

import torch
from torch import nn


def tiny() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))


def broken() -> nn.Module:
    raise RuntimeError("weights file not found")


def not_a_model() -> int:
    return 3


class DataDependent(nn.Module):
    """Reads tensor values in forward: cannot run on meta tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x) if float(x.sum()) >= 0 else self.b(x)


def data_dependent() -> nn.Module:
    return DataDependent()


# -- toy search problems -------------------------------------------------------------------
from edgenas.estimate import Evaluator  # noqa: E402
from edgenas.spaces import Arch, SearchSpace  # noqa: E402


class ToySpace(SearchSpace):
    """4 choices x 4 values = 256 architectures."""

    name = "toy"

    def __init__(self) -> None:
        super().__init__({f"c{i}": (0, 1, 2, 3) for i in range(4)})


class Additive(Evaluator):
    """score = sum of weighted choices; unique optimum at all 3s (value 3 * 10 = 30)."""

    metrics = ("score", "cost")

    def __init__(self, sleep: float = 0.0) -> None:
        self.sleep = sleep

    def evaluate(self, arch: Arch) -> dict[str, float]:
        import time

        if self.sleep:
            time.sleep(self.sleep)
        score = sum(w * int(arch[f"c{i}"]) for i, w in enumerate((4, 3, 2, 1)))
        return {"score": float(score), "cost": float(int(arch["c0"]) + int(arch["c1"]))}


class CheapCost(Evaluator):
    metrics = ("cost",)
    cheap = True

    def evaluate(self, arch: Arch) -> dict[str, float]:
        return {"cost": float(int(arch["c0"]) + int(arch["c1"]))}


class DiesOnce(Additive):
    """Kills its worker process the first time it sees each of a few architectures."""

    def __init__(self, marker_dir: str) -> None:
        super().__init__()
        self.marker_dir = marker_dir

    def get_params(self) -> dict:
        return {"type": "DiesOnce"}

    def evaluate(self, arch: Arch) -> dict[str, float]:
        import os
        from pathlib import Path

        marker = Path(self.marker_dir) / arch.to_json().replace('"', "").replace(":", "_")
        if int(arch["c0"]) == 2 and not marker.exists():
            marker.write_text("died")
            os._exit(1)  # the worker process dies mid-evaluation
        return super().evaluate(arch)


# -- small copies of the shipped tables --------------------------------------------------------
def small_table(key: str, path, rows: slice):
    """Write the header and ``rows`` of shipped table ``key`` to ``path`` (CSV); returns path."""
    import gzip

    from edgenas.estimate import shipped_table

    lines = gzip.decompress(shipped_table(key).read_bytes()).decode().splitlines()
    path.write_text("\n".join([lines[0], *lines[1:][rows]]) + "\n")
    return path


def fashion_mnist_folder(folder, train: int = 50, test: int = 20):
    """Random images in Fashion-MNIST's four idx files (gzip), as Zalando publishes them."""
    import gzip

    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", train), ("t10k", test)):
        for kind, data in (("images-idx3", rng.integers(0, 255, (n, 28, 28))), ("labels-idx1", np.arange(n) % 10)):
            header = bytes([0, 0, 8, data.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in data.shape)
            (folder / f"{split}-{kind}-ubyte.gz").write_bytes(gzip.compress(header + data.astype(np.uint8).tobytes()))
    return folder


# -- a tiny Once-for-All supernet ----------------------------------------------------------
TINY_OFA = {"depths": [1, 2], "kernels": [3, 5, 7], "expands": [2, 3], "widths": [0.75, 1.0], "resolutions": [8, 12],
            "stages": [[16, 2], [24, 1]], "head_channels": 64}


# the CLI tests' space: few distinct layers, so device lookup tables are quick to measure
TINY_CLI = {"depths": [1, 2], "kernels": [3, 5], "expands": [2, 3], "widths": [1.0], "resolutions": [8],
            "stages": [[16, 2], [24, 1]], "head_channels": 32}


def tiny_digits(n: int = 256, resolution: int = 12):
    from dataclasses import replace

    from edgenas.data import load_dataset

    data = load_dataset("digits", resolution=resolution)
    return replace(data, x_train=data.x_train[:n], y_train=data.y_train[:n])


def tiny_supernet(path, n: int = 256, space: dict | None = None, **epochs):
    """Train a tiny supernet (``TINY_OFA`` unless ``space``) on ``n`` digits (one epoch per
    phase unless ``epochs`` say)."""
    from edgenas.oneshot.progressive import OFAConfig, train_supernet
    from edgenas.spaces import MBConvSpace

    config = {"full_epochs": 1, "kernel_epochs": 1, "depth_epochs": 1, "expand_epochs": 1, "width_epochs": 1,
              "batch_size": 64} | epochs
    train_supernet(MBConvSpace(**(space or TINY_OFA)), tiny_digits(n), OFAConfig(**config), checkpoint=path)
    return path
