"""`Evaluator`: ``evaluate(arch) -> {metric: value}``; tables, trainers, proxies, cost models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edgenas.spaces import Arch

__all__ = ["Evaluator", "Combined"]


class Evaluator:
    """Base of everything that scores an architecture.

    ``metrics`` names what ``evaluate`` returns; ``cheap`` says it costs (almost) nothing, so a
    search may call it to reject candidates that break a hard constraint before evaluating them.
    """

    metrics: tuple[str, ...] = ()
    cheap: bool = False

    def evaluate(self, arch: Arch) -> dict[str, float]:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """What identifies this evaluator in an experiment's stored configuration."""
        return {"type": type(self).__name__}


class Combined(Evaluator):
    """Several evaluators side by side; their metrics are merged (later ones win on clashes)."""

    def __init__(self, parts: Sequence[Evaluator]) -> None:
        self.parts = list(parts)
        self.metrics = tuple(m for p in self.parts for m in p.metrics)
        self.cheap = all(p.cheap for p in self.parts)

    def evaluate(self, arch: Arch) -> dict[str, float]:
        out: dict[str, float] = {}
        for part in self.parts:
            out.update(part.evaluate(arch))
        return out

    def config(self) -> dict[str, Any]:
        return {"type": "Combined", "parts": [p.config() for p in self.parts]}
