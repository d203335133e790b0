"""Layer-wise latency lookup tables: measure each distinct layer once, predict by summing.

The lecture's first latency model. It assumes latency is additive over layers; `additivity`
measures how well that holds against end-to-end measurements.
"""

from __future__ import annotations

import inspect
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
from edgenas.spaces._layers import Layer

__all__ = ["LatencyLUT", "build_lut", "additivity"]


def _layers(space: SearchSpace, arch: Arch, layer_args: dict[str, Any] | None = None) -> list[Layer]:
    layers = getattr(space, "layers", None)
    if layers is None:
        raise ConfigError(f"space {space.name} has no layer description for a lookup table (use mbconv)")
    return layers(arch, **(layer_args or {}))


def _with_defaults(space: SearchSpace, layer_args: dict[str, Any]) -> dict[str, Any]:
    """``layer_args`` completed by the defaults of the space's ``layers`` (a table saved without
    ``num_classes`` was built with the default head)."""
    params = inspect.signature(space.layers).parameters.values()
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty} | layer_args


class LatencyLUT:
    """Map from layer key (op, channels, stride, kernel, expand, resolution) to milliseconds.
    ``layer_args`` are the arguments of the space's ``layers`` the networks are built with (for
    example ``num_classes``)."""

    def __init__(self, space: SearchSpace, entries: dict[str, float], device: dict[str, Any],
                 layer_args: dict[str, Any] | None = None) -> None:
        self.space, self.entries, self.device = space, dict(entries), device
        self.layer_args = dict(layer_args or {})

    def get(self, layer: Layer) -> float:
        if layer.key not in self.entries:
            raise DataError(f"layer {layer.key} is not in the lookup table; rebuild it for this space")
        return self.entries[layer.key]

    def predict(self, arch: Arch) -> float:
        return sum(self.get(layer) for layer in _layers(self.space, arch, self.layer_args))

    def save(self, path: str | Path) -> Path:
        text = json.dumps({"format": "edgenas-lut", "space": self.space.name, "space_config": self.space.get_params(),
                           "device": self.device, "layer_args": self.layer_args, "entries": self.entries}, indent=1)
        return atomic_write(path, lambda tmp: tmp.write_text(text))

    @classmethod
    def load(cls, path: str | Path, space: SearchSpace, layer_args: dict[str, Any] | None = None) -> LatencyLUT:
        """The table at ``path``; refused when it was built for another configuration of
        ``space`` or, when ``layer_args`` are given, with other ones (another head)."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"cannot read lookup table {path}: {exc}") from None
        if data.get("format") != "edgenas-lut" or data.get("space") != space.name:
            raise DataError(f"{path} is not a lookup table for space {space.name}")
        if data.get("space_config", space.get_params()) != space.get_params():
            raise DataError(f"{path} is a lookup table of another {space.name} configuration; build one for this space")
        table = cls(space, data["entries"], data["device"], data.get("layer_args"))
        if layer_args is not None:
            have, want = _with_defaults(space, table.layer_args), _with_defaults(space, layer_args)
            key = next((k for k in sorted(want) if have.get(k) != want[k]), None)
            if key is not None:
                raise DataError(f"{path} was measured with {key}={have.get(key)} and this run has {key}={want[key]}; "
                                f"rebuild it: edgenas latency lut --{key.replace('_', '-')} {want[key]} --space-config ...")
        return table


def build_lut(space: SearchSpace, device: Device, archs: list[Arch] | None = None, samples: int = 200,
              seed: int = 0, progress: Callable[[int, int], None] | None = None,
              layer_args: dict[str, Any] | None = None) -> LatencyLUT:
    """Measure every distinct layer (by `Layer.key`) once.

    Layers are collected from ``archs`` when given; otherwise from the space's
    ``covering_archs()`` (mbconv: every (kernel, expand) at every block position, for every
    width and resolution, which is every layer the space can produce) plus ``samples`` random
    architectures for spaces that cannot enumerate their layers.
    """
    import torch

    rng = np.random.default_rng(seed)
    if archs is not None:
        pool = list(archs)
    else:
        covering = getattr(space, "covering_archs", None)
        pool = list(covering()) if covering else []
        pool += [space.sample(rng) for _ in range(0 if covering else samples)]
    layers: dict[str, Layer] = {}
    for arch in pool:
        for layer in _layers(space, arch, layer_args):
            layers.setdefault(layer.key, layer)
    entries = {}
    device = device.for_layers() if hasattr(device, "for_layers") else device
    for i, (key, layer) in enumerate(sorted(layers.items())):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            module = layer.build()
        entries[key] = device.measure(module, layer.input_shape).median_ms
        if progress:
            progress(i + 1, len(layers))
    return LatencyLUT(space, entries, device.get_params(), layer_args)


def additivity(lut: LatencyLUT, device: Device, archs: list[Arch],
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """LUT sums against end-to-end measurements of the same networks."""
    predicted, measured = [], []
    for i, arch in enumerate(archs):
        predicted.append(lut.predict(arch))
        measured.append(device.latency(lut.space, arch, **lut.layer_args))
        if progress:
            progress(i + 1, len(archs))
    p, m = np.array(predicted), np.array(measured)
    out: dict[str, Any] = regression_metrics(p, m)
    out["rmse_ms"] = out.pop("rmse")
    out["mean_ratio_lut_over_measured"] = float(np.mean(p / m))
    out["n"] = len(archs)
    out["pairs"] = [[float(a), float(b)] for a, b in zip(p, m)]
    return out
