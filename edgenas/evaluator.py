"""`Evaluator`: ``evaluate(arch) -> {metric: value}``; tables, trainers, proxies, cost models.

Every evaluator names its constructor arguments in ``get_params`` (scikit-learn's name) and is
registered by type, so an experiment stores them and `evaluator_from_params` rebuilds the same
evaluator in another process or on another install.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edgenas.errors import ConfigError
from edgenas.registry import Registry
from edgenas.spaces import Arch, SearchSpace

__all__ = ["Evaluator", "Combined", "EVALUATORS", "register_evaluator", "evaluator_from_params"]

EVALUATORS: Registry[type] = Registry("evaluator type")


def register_evaluator(cls: type[Evaluator]) -> type[Evaluator]:
    """Class decorator: make ``cls`` rebuildable from its stored ``get_params``."""
    EVALUATORS.register(cls.__name__)(cls)
    return cls


class Evaluator:
    """Base of everything that scores an architecture.

    ``metrics`` names what ``evaluate`` returns; ``cheap`` says it costs (almost) nothing, so a
    search may call it to reject candidates that break a hard constraint before evaluating them.
    """

    metrics: tuple[str, ...] = ()
    cheap: bool = False

    def evaluate(self, arch: Arch) -> dict[str, float]:
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        """``type`` and the constructor arguments (besides the space) that rebuild this evaluator."""
        return {"type": type(self).__name__}

    @classmethod
    def from_params(cls, space: SearchSpace, params: dict[str, Any]) -> Evaluator:
        return cls(space=space, **params)

    def candidates(self) -> list[Arch] | None:
        """Every architecture this evaluator can score, when that is a finite list (a table)."""
        return None


@register_evaluator
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

    def get_params(self) -> dict[str, Any]:
        return {"type": "Combined", "parts": [p.get_params() for p in self.parts]}

    @classmethod
    def from_params(cls, space: SearchSpace, params: dict[str, Any]) -> Evaluator:
        return cls([evaluator_from_params(p, space) for p in params["parts"]])

    def candidates(self) -> list[Arch] | None:
        lists = [c for c in (p.candidates() for p in self.parts) if c is not None]
        return lists[0] if lists else None


def evaluator_from_params(params: dict[str, Any], space: SearchSpace) -> Evaluator:
    """Rebuild an evaluator from what its ``get_params`` returned."""
    params = dict(params)
    kind = params.pop("type", None)
    if kind is None:
        raise ConfigError(f"stored evaluator parameters {params} name no type")
    import edgenas.estimate.inherit  # noqa: F401 - the estimators and hardware evaluators register on import
    import edgenas.estimate.proxies  # noqa: F401
    import edgenas.estimate.train  # noqa: F401
    import edgenas.hardware  # noqa: F401
    import edgenas.oneshot.entangled  # noqa: F401

    cls = EVALUATORS.get(kind)
    try:
        return cls.from_params(space, params)
    except TypeError as exc:
        raise ConfigError(f"cannot rebuild evaluator {kind} from {params}: {exc}") from None
