"""Cheap cost evaluators: MACs, params and peak memory from `edgenas.profile`, cached per arch."""

from __future__ import annotations

from typing import Any

from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.spaces import Arch, SearchSpace

__all__ = ["ProfileCost"]


@register_evaluator
class ProfileCost(Evaluator):
    """The space's `profile_counts` of each architecture (meta tensors, no weights; layer by
    layer where the space describes its networks as `layers`), cached per arch."""

    metrics = ("macs", "params", "peak_memory_bytes", "weight_bytes")
    cheap = True

    def __init__(self, space: SearchSpace, *, bytes_per_element: int = 1,
                 build_kwargs: dict[str, Any] | None = None) -> None:
        self.space = space
        self.bytes_per_element = bytes_per_element
        self.build_kwargs = dict(build_kwargs or {})
        self._cache: dict[Arch, dict[str, float]] = {}

    def get_params(self) -> dict[str, Any]:
        return {"type": "ProfileCost", "bytes_per_element": self.bytes_per_element,
                "build_kwargs": self.build_kwargs}

    def evaluate(self, arch: Arch) -> dict[str, float]:
        hit = self._cache.get(arch)
        if hit is None:
            p = self.space.profile_counts(arch, self.bytes_per_element, **self.build_kwargs)
            hit = {"macs": float(p.macs), "params": float(p.params),
                   "peak_memory_bytes": float(p.peak_memory_bytes), "weight_bytes": float(p.weight_bytes)}
            self._cache[arch] = hit
        return dict(hit)
