"""What a search optimises: one metric to maximise or minimise, hard constraints, a Pareto front."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from edgenas.errors import ConfigError

__all__ = ["Constraint", "Objective", "pareto_front"]

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """A hard limit on one metric, e.g. ``latency_ms <= 4``."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _CONSTRAINT.match(text)
        if not match:
            raise ConfigError(f"constraint {text!r} is not of the form metric<=number or metric>=number")
        return cls(match.group(1), match.group(2), float(match.group(3)))

    def ok(self, metrics: Mapping[str, float]) -> bool:
        value = metrics.get(self.metric)
        if value is None or math.isnan(value):
            return False
        return value <= self.bound if self.op == "<=" else value >= self.bound

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class Objective:
    """Maximise (or minimise) ``metric``; optionally scalarised MnasNet-style by a cost.

    With ``cost_metric`` and ``cost_target`` the fitness is
    ``metric * (cost / target) ** w`` where ``w = weight_below`` when cost <= target and
    ``weight_above`` otherwise (MnasNet: 0 / -1 is a soft hard-limit, -0.07 / -0.07 a trade-off).
    A minimised metric is scaled by ``(cost / target) ** -w`` and negated, so a candidate over
    the target is always penalised.
    """

    metric: str
    maximize: bool = True
    cost_metric: str | None = None
    cost_target: float | None = None
    weight_below: float = -0.07
    weight_above: float = -0.07

    def __post_init__(self) -> None:
        if (self.cost_metric is None) != (self.cost_target is None):
            raise ConfigError("a scalarised objective needs both cost_metric and cost_target")
        if self.cost_target is not None and self.cost_target <= 0:
            raise ConfigError(f"cost_target must be positive, got {self.cost_target}")

    def fitness(self, metrics: Mapping[str, float]) -> float:
        """Higher is better; -inf when the metric is missing or not finite."""
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            return -math.inf
        factor = self.cost_factor(metrics)
        if factor is None:
            return -math.inf
        return float(value * factor if self.maximize else -value * factor)

    def cost_factor(self, metrics: Mapping[str, float]) -> float | None:
        """The fitness's known part: fitness = ``(metric if maximised else -metric) * factor``,
        the factor depending on the cost alone (1 without one; None when the cost is missing or
        not positive). A search that knows the cost before evaluating a candidate (a latency
        table, a profiler) needs to learn only the metric."""
        if self.cost_metric is None:
            return 1.0
        cost = metrics.get(self.cost_metric)
        if cost is None or not math.isfinite(cost) or cost <= 0:
            return None
        ratio = cost / float(self.cost_target)
        weight = self.weight_below if ratio <= 1 else self.weight_above
        # a minimised metric (error, loss) is *inflated* by the same factor before negation,
        # so exceeding the target always lowers fitness
        return float(ratio**weight if self.maximize else ratio ** (-weight))

    def get_params(self) -> dict[str, Any]:
        return asdict(self)


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the non-dominated points, maximising the first and minimising the second
    coordinate, sorted by cost."""
    order = sorted(range(len(points)), key=lambda i: (points[i][1], -points[i][0]))
    front, best = [], -math.inf
    for i in order:
        if points[i][0] > best:
            front.append(i)
            best = points[i][0]
    return front
