"""`ProxyEvaluator`: zero-cost proxies as a search evaluator."""

from __future__ import annotations

import time
from typing import Any

import torch

from edgenas.errors import ConfigError
from edgenas.estimate._base import Evaluator
from edgenas.estimate.proxies._base import PROXIES, ensemble_scores, get_proxy, score
from edgenas.spaces import Arch, SearchSpace

__all__ = ["ProxyEvaluator", "DEFAULT_ENSEMBLE"]

DEFAULT_ENSEMBLE = ("meco", "jacob_cov", "synflow")


class ProxyEvaluator(Evaluator):
    """Builds each architecture (seeded init), scores it with every requested proxy.

    ``ensemble`` adds the metric ``ensemble``: the sum of log-ranks of the ensemble's proxies
    among all architectures this evaluator has scored so far (recompute it over a final
    candidate set with `ensemble_scores`). Seconds per proxy are kept in ``seconds``.
    ``device`` (e.g. ``"cuda"``) runs the proxies there; the initial weights and the batches are
    drawn on the CPU first, so every device scores the same network on the same data.
    """

    def __init__(self, space: SearchSpace, proxies: list[str], *, data: str = "digits",
                 num_classes: int = 10, seed: int = 0, ensemble: tuple[str, ...] = DEFAULT_ENSEMBLE,
                 device: str = "cpu") -> None:
        self.space, self.data, self.num_classes, self.seed = space, data, num_classes, seed
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
        self.history: dict[str, list[float]] = {p: [] for p in self.ensemble}
        self._batches: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}

    def config(self) -> dict[str, Any]:
        return {"type": "ProxyEvaluator", "proxies": self.proxies, "data": self.data,
                "num_classes": self.num_classes, "seed": self.seed, "ensemble": list(self.ensemble),
                "device": str(self.device)}

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

    def evaluate(self, arch: Arch) -> dict[str, float]:
        model = self.model(arch)
        shape = tuple(self.space.input_shape(arch)[1:])
        out = {}
        for proxy in self.proxies:
            start = time.perf_counter()
            out[proxy] = score(proxy, model, self._batch(proxy, shape), seed=self.seed)
            self.seconds[proxy] += time.perf_counter() - start
        self.count += 1
        if self.ensemble:
            for p in self.ensemble:
                self.history[p].append(out[p])
            out["ensemble"] = float(ensemble_scores(self.history)[-1])
        return out


