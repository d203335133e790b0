"""Search strategies by name (ask/tell, seeded)."""

from __future__ import annotations

import inspect
from typing import Any

from edgenas.errors import ConfigError
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
    _check_params(name, builder, params)
    try:
        return builder(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor, **params)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"strategy {name!r}: {exc}") from None


_PLAIN_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "None": type(None)}


def _check_params(name: str, builder: Any, params: dict[str, Any]) -> None:
    """Each parameter one the strategy takes, of the type it declares: a user's typo or a
    quoted number (JSON from --strategy-params, a stored run) is named, not a TypeError from
    deep inside the first ask."""
    taken = {p.name: p for p in list(inspect.signature(builder).parameters.values())[1:]
             if p.name not in ("seed", "feasible", "fitness_factor")}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in taken.values()):
        return
    for key, value in params.items():
        if key not in taken:
            raise ConfigError(f"strategy {name!r} has no parameter {key!r}; its parameters: "
                              f"{', '.join(taken) or 'none'}")
        declared = str(taken[key].annotation).replace(" ", "").split("|")
        if ("str" in declared and len(declared) > 1) or not all(t in _PLAIN_TYPES for t in declared):
            continue  # a number or a word ('auto', a table): the strategy says what it takes
        types = {_PLAIN_TYPES[t] for t in declared} | ({int} if "float" in declared else set())
        if type(value) not in types:  # exact: JSON true is no int, 2.0 no int
            raise ConfigError(f"strategy {name!r}: {key} takes {' or '.join(declared)}, got {value!r}")


def list_strategies(pattern: str = "*") -> list[str]:
    return STRATEGIES.names(pattern)
