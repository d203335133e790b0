"""The accuracy/cost Pareto plot of a search."""

from __future__ import annotations

from pathlib import Path

from edgenas.atomic import atomic_write
from edgenas.errors import ConfigError
from edgenas.experiment._experiment import SearchResult
from edgenas.experiment._objective import Constraint

__all__ = ["plot_pareto"]


def plot_pareto(result: SearchResult, path: str | Path, constraints: list[Constraint] | None = None) -> Path:
    """Every evaluated candidate, the Pareto front, and the constraint on the cost axis."""
    from matplotlib.figure import Figure  # no pyplot: the caller's backend is left alone

    cost, metric = result.pareto_cost, result.objective.metric
    if cost is None:
        raise ConfigError("no cost metric to plot against: add a constraint or a latency table")
    done = [t for t in result.trials if t.state == "complete" and cost in t.metrics and metric in t.metrics]
    fig = Figure(figsize=(6.4, 4.4), dpi=120)
    ax = fig.subplots()
    ax.scatter([t.metrics[cost] for t in done], [t.metrics[metric] for t in done], s=10,
               color="0.7", label=f"evaluated ({len(done)})")
    front = sorted(result.pareto, key=lambda t: t.metrics[cost])
    ax.plot([t.metrics[cost] for t in front], [t.metrics[metric] for t in front], "o-",
            color="tab:red", ms=4, label=f"Pareto front ({len(front)})")
    if result.best is not None:
        ax.scatter([result.best.metrics[cost]], [result.best.metrics[metric]], marker="*", s=160,
                   color="tab:blue", zorder=5, label="best feasible")
    for c in constraints or []:
        if c.metric == cost:
            ax.axvline(c.bound, ls="--", color="k", lw=1, label=str(c))
    ax.set_xlabel(cost)
    ax.set_ylabel(metric)
    ax.set_title(f"{result.name}: {metric} vs {cost}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or None))
    return path
