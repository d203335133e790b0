"""Layer-wise latency lookup tables: measure each distinct layer once, predict by summing.

The lecture's first latency model. It assumes latency is additive over layers; `additivity`
measures how well that holds against end-to-end measurements.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from edgenas.atomic import atomic_write
from edgenas.errors import ConfigError, DataError
from edgenas.hardware.devices import Device
from edgenas.learn import regression_metrics
from edgenas.spaces import Arch, SearchSpace

__all__ = ["LatencyLUT", "build_lut", "additivity"]


def _specs(space: SearchSpace, arch: Arch) -> list[tuple[str, Callable[[], Any], tuple]]:
    specs = getattr(space, "layer_specs", None)
    if specs is None:
        raise ConfigError(f"space {space.name} cannot be split into layers for a lookup table (use mbconv)")
    return specs(arch)


class LatencyLUT:
    """Map from layer key (op, channels, stride, kernel, expand, resolution) to milliseconds."""

    def __init__(self, space: SearchSpace, entries: dict[str, float], device: dict[str, Any]) -> None:
        self.space, self.entries, self.device = space, dict(entries), device

    def predict(self, arch: Arch) -> float:
        total = 0.0
        for key, _, _ in _specs(self.space, arch):
            if key not in self.entries:
                raise DataError(f"layer {key} is not in the lookup table; rebuild it for this space")
            total += self.entries[key]
        return total

    def save(self, path: str | Path) -> Path:
        text = json.dumps({"format": "edgenas-lut", "space": self.space.name, "space_config": self.space.get_params(),
                           "device": self.device, "entries": self.entries}, indent=1)
        return atomic_write(path, lambda tmp: tmp.write_text(text))

    @classmethod
    def load(cls, path: str | Path, space: SearchSpace) -> LatencyLUT:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"cannot read lookup table {path}: {exc}") from None
        if data.get("format") != "edgenas-lut" or data.get("space") != space.name:
            raise DataError(f"{path} is not a lookup table for space {space.name}")
        return cls(space, data["entries"], data["device"])


def build_lut(space: SearchSpace, device: Device, archs: list[Arch] | None = None, samples: int = 2000,
              seed: int = 0, progress: Callable[[int, int], None] | None = None) -> LatencyLUT:
    """Measure every distinct layer configuration the space produces once.

    Configurations are collected from ``archs`` or from ``samples`` random architectures plus
    every (kernel, expand) at every block position, so a table built here covers the space's
    networks at its width and resolution choices.
    """
    import torch

    rng = np.random.default_rng(seed)
    pool = list(archs) if archs is not None else [space.sample(rng) for _ in range(samples)]
    layers: dict[str, tuple[Callable[[], Any], tuple]] = {}
    for arch in pool:
        for key, factory, shape in _specs(space, arch):
            layers.setdefault(key, (factory, shape))
    entries = {}
    for i, (key, (factory, shape)) in enumerate(sorted(layers.items())):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            module = factory()
        entries[key] = device.measure(module, shape).median_ms
        if progress:
            progress(i + 1, len(layers))
    return LatencyLUT(space, entries, device.get_params())


def additivity(lut: LatencyLUT, device: Device, archs: list[Arch],
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """LUT sums against end-to-end measurements of the same networks."""
    predicted, measured = [], []
    for i, arch in enumerate(archs):
        predicted.append(lut.predict(arch))
        measured.append(device.latency(lut.space, arch))
        if progress:
            progress(i + 1, len(archs))
    p, m = np.array(predicted), np.array(measured)
    out: dict[str, Any] = regression_metrics(p, m)
    out["rmse_ms"] = out.pop("rmse")
    out["mean_ratio_lut_over_measured"] = float(np.mean(p / m))
    out["n"] = len(archs)
    out["pairs"] = [[float(a), float(b)] for a, b in zip(p, m)]
    return out
