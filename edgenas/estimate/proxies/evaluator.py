"""`ProxyEvaluator`: zero-cost proxies as a search evaluator."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from edgenas.errors import ConfigError
from edgenas.estimate.proxies._base import PROXIES, get_proxy, reference_ensemble, score
from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.spaces import Arch, SearchSpace

__all__ = ["ProxyEvaluator", "DEFAULT_ENSEMBLE"]

DEFAULT_ENSEMBLE = ("meco", "jacob_cov", "synflow")


@register_evaluator
class ProxyEvaluator(Evaluator):
    """Builds each architecture (seeded init), scores it with every requested proxy.

    ``ensemble`` adds the metric ``ensemble``: the sum of log-ranks of the ensemble's proxies
    against a fixed reference sample of ``reference_size`` architectures of the space (drawn
    with ``seed``, scored once on first use). A candidate's ensemble score is therefore a
    function of the candidate alone: it does not depend on what was evaluated before it, so a
    resumed search and an uninterrupted one agree, and "best" is never beaten on every proxy by
    a candidate it outranks. Seconds per proxy are kept in ``seconds``.
    ``device`` (e.g. ``"cuda"``) runs the proxies there; the initial weights and the batches are
    drawn on the CPU first, so every device scores the same network on the same data.
    """

    def __init__(self, space: SearchSpace, proxies: list[str], *, data: str = "digits",
                 num_classes: int = 10, seed: int = 0, ensemble: tuple[str, ...] = DEFAULT_ENSEMBLE,
                 device: str = "cpu", reference_size: int = 32) -> None:
        from edgenas.data import check_dataset

        self.space, self.data, self.num_classes, self.seed = space, data, num_classes, seed
        if data != "noise":
            check_dataset(data)
        if num_classes < 1:
            raise ConfigError(f"num_classes must be at least 1, got {num_classes}")
        if reference_size < 1:
            raise ConfigError(f"reference_size must be at least 1, got {reference_size}")
        self.reference_size = reference_size
        try:
            self.device = torch.device(device)
            torch.empty(0, device=self.device)
        except (RuntimeError, AssertionError):
            raise ConfigError(f"device {device!r} is not available here; use cpu (or cuda on a GPU machine)") from None
        self.ensemble = tuple(ensemble) if "ensemble" in proxies else ()
        self.proxies = [p for p in proxies if p != "ensemble"]
        self.proxies += [p for p in self.ensemble if p not in self.proxies]
        for name in self.proxies:
            get_proxy(name)
        if not self.proxies:
            raise ConfigError("give at least one proxy")
        self.metrics = tuple(self.proxies) + (("ensemble",) if self.ensemble else ())
        self.seconds: dict[str, float] = {p: 0.0 for p in self.proxies}
        self.count = 0
        self._reference: dict[str, list[float]] | None = None
        self._batches: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}

    def get_params(self) -> dict[str, Any]:
        proxies = [*self.proxies, "ensemble"] if self.ensemble else list(self.proxies)
        return {"type": "ProxyEvaluator", "proxies": proxies, "data": self.data,
                "num_classes": self.num_classes, "seed": self.seed, "ensemble": list(self.ensemble),
                "device": str(self.device.type), "reference_size": self.reference_size}

    @classmethod
    def from_params(cls, space: SearchSpace, params: dict[str, Any]) -> ProxyEvaluator:
        params = dict(params)
        return cls(space, params.pop("proxies"), ensemble=tuple(params.pop("ensemble")), **params)

    def _batch(self, proxy: str, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        from edgenas.data import proxy_batch

        spec = PROXIES[proxy]
        source = "noise" if spec.data in ("noise", "none") else self.data
        key = (source, shape)
        size = max(p.batch_size for p in PROXIES.values())
        if key not in self._batches:
            x, y = proxy_batch(source, size, shape, seed=self.seed, num_classes=self.num_classes)
            self._batches[key] = (x.to(self.device), y.to(self.device))
        return self._batches[key]

    def model(self, arch: Arch) -> torch.nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return self.space.build(arch, num_classes=self.num_classes).to(self.device)

    def scores(self, arch: Arch, proxies: list[str] | None = None) -> dict[str, float]:
        """Raw proxy scores of ``arch`` (no ensemble)."""
        model = self.model(arch)
        shape = tuple(self.space.input_shape(arch)[1:])
        out = {}
        for proxy in self.proxies if proxies is None else proxies:
            start = time.perf_counter()
            out[proxy] = score(proxy, model, self._batch(proxy, shape), seed=self.seed)
            self.seconds[proxy] += time.perf_counter() - start
        return out

    def reference(self) -> dict[str, list[float]]:
        """Ensemble-proxy scores of the fixed reference sample (scored once, then kept)."""
        if self._reference is None:
            rng = np.random.default_rng([self.seed, 20261202])
            archs = [self.space.sample(rng) for _ in range(self.reference_size)]
            rows = [self.scores(a, list(self.ensemble)) for a in archs]
            self._reference = {p: [r[p] for r in rows] for p in self.ensemble}
        return self._reference

    def evaluate(self, arch: Arch) -> dict[str, float]:
        out = self.scores(arch)
        self.count += 1
        if self.ensemble:
            out["ensemble"] = reference_ensemble(self.reference(), out)
        return out


