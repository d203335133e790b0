"""Search strategies by name (ask/tell, seeded)."""

from __future__ import annotations

from typing import Any

from edgenas.registry import Registry
from edgenas.spaces import SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, SpaceExhausted, Strategy
from edgenas.strategies.evolution import RegularizedEvolution
from edgenas.strategies.guided import GuidedLocalSearch
from edgenas.strategies.local import LocalSearch
from edgenas.strategies.predictor_guided import PredictorGuided
from edgenas.strategies.reinforce import Reinforce
from edgenas.strategies.simple import GridSearch, RandomSearch
from edgenas.strategies.warmstart import ProxyWarmStart

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "Strategy", "SpaceExhausted", "Feasible", "FitnessFactor", "GridSearch", "RandomSearch",
           "RegularizedEvolution", "LocalSearch", "GuidedLocalSearch", "Reinforce", "ProxyWarmStart", "PredictorGuided", "create_strategy",
           "list_strategies"]

STRATEGIES: Registry[Strategy] = Registry("strategy")
#: what a search uses when none is named: held up best on landscapes it was not tuned on
#: (docs/benchmarks.md, "Search on landscapes nobody tuned to")
DEFAULT_STRATEGY = "guided"
for _cls in (GridSearch, RandomSearch, RegularizedEvolution, Reinforce, LocalSearch, GuidedLocalSearch,
             ProxyWarmStart, PredictorGuided):
    STRATEGIES.register(_cls.name)(_cls)


def create_strategy(name: str, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                    fitness_factor: FitnessFactor | None = None, **params: Any) -> Strategy:
    """Build a strategy by name; ``params`` are its hyper-parameters (see each class)."""
    builder = STRATEGIES.get(name)
    try:
        return builder(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor, **params)
    except (TypeError, ValueError) as exc:
        from edgenas.errors import ConfigError

        raise ConfigError(f"strategy {name!r}: {exc}") from None


def list_strategies(pattern: str = "*") -> list[str]:
    return STRATEGIES.names(pattern)
