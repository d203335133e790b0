"""Conformance checks a strategy or evaluator must pass, shipped so that new ones are covered
by registering them (run by the test suite over the registries).

`check_resume`: a search interrupted after ``k`` trials, with one candidate left in flight,
and resumed by a *fresh* experiment object (new strategy, new evaluator, as a new process
would build them) ends with exactly the history of the uninterrupted run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgenas.evaluator import Evaluator
from edgenas.registry import Registry
from edgenas.spaces import NB201Space, SearchSpace

__all__ = ["ResumeCase", "RESUME_CASES", "STRATEGY_PARAMS", "check_resume", "history"]


@dataclass(frozen=True)
class ResumeCase:
    """A space, a builder of a fresh evaluator for it, and the metric to maximise."""

    space: SearchSpace
    evaluator: Callable[[SearchSpace], Evaluator]
    metric: str
    costs: Callable[[SearchSpace], list[Evaluator]] = lambda space: []
    constraints: tuple[str, ...] = ()


RESUME_CASES: Registry[ResumeCase] = Registry("resume case")

# Small settings so every strategy reaches its model-driven phase within a dozen trials.
STRATEGY_PARAMS: dict[str, dict[str, Any]] = {
    "evolution": {"population_size": 6, "sample_size": 3},
    "local": {"initial": 3},
    "guided": {"initial": 3},
    "warm-local": {"pool": 16, "top": 3},
    "bananas": {"initial": 5, "pool": 24, "parents": 3, "batch": 3},
}


@RESUME_CASES.register("table")
def _table() -> ResumeCase:
    from edgenas.estimate import TabularBenchmark

    return ResumeCase(NB201Space(), lambda s: TabularBenchmark("nb201-cifar10", s), "test_accuracy",
                      costs=lambda s: [TabularBenchmark("nb201-pi5-onnx", s, metrics=["latency_ms"], cheap=True)],
                      constraints=("latency_ms<=3",))


@RESUME_CASES.register("proxy-ensemble")
def _proxy() -> ResumeCase:
    from edgenas.estimate.proxies import ProxyEvaluator

    return ResumeCase(NB201Space(), lambda s: ProxyEvaluator(s, ["params", "macs", "ensemble"],
                                                             ensemble=("params", "macs"), reference_size=8),
                      "ensemble")


@RESUME_CASES.register("profile")
def _profile() -> ResumeCase:
    from edgenas.hardware import ProfileCost

    return ResumeCase(NB201Space(), lambda s: ProfileCost(s), "params",
                      constraints=("macs<=150000000",))


def history(result: Any) -> list[tuple[str, str, dict[str, float], float | None]]:
    """What must agree between runs: order, candidates, states, metrics and fitness."""
    out = []
    for t in result.trials:
        fitness = None if t.fitness is None or not math.isfinite(t.fitness) else round(t.fitness, 9)
        metrics = {k: round(v, 9) for k, v in t.metrics.items() if k not in ("seconds", "train_seconds")}
        out.append((t.arch, t.state, metrics, fitness))
    return out


def check_resume(strategy: str, case: ResumeCase, folder: str | Path, *, budget: int = 12,
                 interrupt_at: int = 7, seed: int = 0) -> None:
    """Raise AssertionError when an interrupted and resumed run differs from an uninterrupted one."""
    from edgenas.experiment import Experiment, Objective
    from edgenas.experiment._objective import Constraint

    def experiment(name: str) -> Experiment:
        return Experiment(name=name, space=case.space, evaluator=case.evaluator(case.space),
                          objective=Objective(case.metric), strategy=strategy,
                          strategy_params=STRATEGY_PARAMS.get(strategy, {}), seed=seed,
                          costs=case.costs(case.space), constraints=[Constraint.parse(c) for c in case.constraints],
                          storage=f"sqlite:///{Path(folder) / name}.db")

    whole = history(experiment("whole").run(budget))
    first = experiment("cut")
    first.run(interrupt_at)
    first.ask()  # a candidate in flight when the process dies
    first.close()
    resumed = history(experiment("cut").run(budget))
    if resumed != whole:
        at = next(i for i, (a, b) in enumerate(zip(resumed, whole)) if a != b) if len(resumed) == len(whole) else -1
        raise AssertionError(f"{strategy}: the resumed run differs from the uninterrupted one at trial {at}: "
                             f"{resumed[at] if at >= 0 else len(resumed)} != {whole[at] if at >= 0 else len(whole)}")
