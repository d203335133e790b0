"""What the dashboard shows, as plain JSON-able data read from a store opened read-only."""

from __future__ import annotations

import math
from typing import Any

from edgenas.experiment import Constraint, SearchResult, Store, load_result
from edgenas.spaces import Arch

__all__ = ["runs_overview", "run_view", "TOP"]

TOP = 10  # best architectures listed


def runs_overview(url: str) -> list[dict[str, Any]]:
    """Every experiment of the store: name, settings, trials so far and a change stamp (the
    page refetches a run when its stamp moves)."""
    store = Store(url, create=False, read_only=True)
    try:
        stamps = store.stamps()
        return [{"name": name, "space": config["space"]["name"], "strategy": config["strategy"]["name"],
                 "seed": config["strategy"].get("seed"), "constraints": config["constraints"],
                 "objective": config["objective"], "evaluated": count, "stamp": stamps.get(name, [0, 0])}
                for name, config, count, _ in store.experiments()]
    finally:
        store.close()


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def run_view(name: str, url: str) -> dict[str, Any]:
    """One run: progress over trials, the Pareto front, the best architectures, constraint
    violations and failures."""
    result, config = load_result(name, url, read_only=True)
    return view_of(result, config)


def view_of(result: SearchResult, config: dict[str, Any]) -> dict[str, Any]:
    metric, maximize = result.objective.metric, result.objective.maximize
    constraints = [Constraint.parse(c.replace(" ", "")) for c in config["constraints"]]
    progress, violations, failed = [], {str(c): 0 for c in constraints}, []
    recent_violations = []
    states = {"complete": 0, "failed": 0, "running": 0}
    for t in result.trials:
        states[t.state] = states.get(t.state, 0) + 1
        if t.state == "failed":
            failed.append({"number": t.number, "error": (t.error or "")[:300]})
            continue
        if t.state != "complete":
            continue
        broken = [str(c) for c in constraints if not c.ok(t.metrics)]
        for c in broken:
            violations[c] += 1
        if broken:
            recent_violations.append({"number": t.number, "broken": broken,
                                      "metrics": {k: _finite(v) for k, v in t.metrics.items()}})
        value = _finite(t.metrics.get(metric))
        progress.append([t.number, value, not broken, _finite(t.metrics.get(result.pareto_cost))
                         if result.pareto_cost else None])
    ranked = sorted((t for t in result.trials if t.state == "complete" and t.fitness is not None
                     and math.isfinite(t.fitness)), key=lambda t: t.fitness, reverse=True)[:TOP]
    return {
        "name": result.name, "space": config["space"], "strategy": config["strategy"],
        "objective": {"metric": metric, "maximize": maximize}, "constraints": [str(c) for c in constraints],
        "cost": result.pareto_cost, "states": states, "evaluated": result.evaluated,
        "progress": progress,  # [number, objective, feasible, cost]
        "pareto": [[t.number, _finite(t.metrics.get(metric)), _finite(t.metrics.get(result.pareto_cost))]
                   for t in result.pareto] if result.pareto_cost else [],
        "best": [{"number": t.number, "arch": result.space.format(Arch.from_json(t.arch)),
                  "metrics": {k: _finite(v) for k, v in t.metrics.items()}} for t in ranked],
        "violations": violations, "recent_violations": recent_violations[-TOP:][::-1],
        "failed": failed[-TOP:][::-1],
    }
