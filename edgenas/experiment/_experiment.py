"""The search loop: ask -> store -> evaluate -> store -> tell, until the budget; resumable."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgenas.errors import InfeasibleError, StoreError
from edgenas.estimate import Combined, Evaluator, TabularBenchmark
from edgenas.experiment._executors import create_executor
from edgenas.experiment._objective import Constraint, Objective, pareto_front
from edgenas.experiment._store import Store, TrialRecord, default_storage
from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies import SpaceExhausted, Strategy, create_strategy

__all__ = ["Experiment", "SearchResult"]


@dataclass
class SearchResult:
    """What a search leaves: every trial, the best feasible one and the Pareto front."""

    name: str
    space: SearchSpace
    objective: Objective
    trials: list[TrialRecord]
    pareto_cost: str | None
    exhausted: bool = False
    best: TrialRecord | None = field(init=False)
    pareto: list[TrialRecord] = field(init=False)

    def __post_init__(self) -> None:
        done = [t for t in self.trials if t.state == "complete" and t.fitness is not None
                and math.isfinite(t.fitness)]
        self.best = max(done, key=lambda t: t.fitness) if done else None
        if self.pareto_cost is None:
            self.pareto = [self.best] if self.best else []
        else:
            points = [t for t in done if self.pareto_cost in t.metrics]
            sign = 1 if self.objective.maximize else -1
            idx = pareto_front([(sign * t.metrics[self.objective.metric], t.metrics[self.pareto_cost])
                                for t in points])
            self.pareto = [points[i] for i in idx]

    @property
    def evaluated(self) -> int:
        return sum(t.state != "running" for t in self.trials)

    def _row(self, t: TrialRecord) -> dict[str, Any]:
        return {"arch": self.space.format(Arch.from_json(t.arch)), "metrics": t.metrics}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "best": self._row(self.best) if self.best else None,
            "evaluated": self.evaluated,
            "pareto": [self._row(t) for t in self.pareto],
            "exhausted": self.exhausted,
        }


class Experiment:
    """A named, stored search.

    ``evaluator`` gives the objective metric (a table, a trainer, a proxy...). ``costs`` are
    cheap evaluators (a latency table, a profiler) whose metrics are stored with every trial
    and whose constraints are checked *before* a candidate is evaluated. Constraints on other
    metrics are checked after evaluation (the candidate is stored as infeasible).
    Running again with the same name continues the stored run.
    """

    def __init__(
        self,
        *,
        name: str,
        space: SearchSpace,
        evaluator: Evaluator,
        objective: Objective,
        strategy: str = "evolution",
        strategy_params: dict[str, Any] | None = None,
        seed: int = 0,
        costs: Sequence[Evaluator] = (),
        constraints: Sequence[Constraint] = (),
        storage: str | None = None,
        executor: str = "local",
        workers: int = 2,
        address: str | None = None,
    ) -> None:
        self.name, self.space, self.evaluator, self.objective = name, space, evaluator, objective
        self.strategy_name, self.strategy_params = strategy, dict(strategy_params or {})
        self.seed = seed
        self.costs = Combined(costs) if costs else None
        self.constraints = list(constraints)
        self.storage = storage or default_storage(name)
        self.executor_name, self.workers, self.address = executor, workers, address
        cheap_metrics = set(self.costs.metrics) if self.costs else set()
        self.cheap_constraints = [c for c in self.constraints if c.metric in cheap_metrics]
        self.late_constraints = [c for c in self.constraints if c.metric not in cheap_metrics]
        known = cheap_metrics | set(evaluator.metrics)
        for c in self.constraints:
            if c.metric not in known:
                raise InfeasibleError(f"constraint {c} names metric {c.metric!r}, which no evaluator "
                                      f"provides (available: {', '.join(sorted(known))})")
        if objective.metric not in known:
            raise InfeasibleError(f"objective metric {objective.metric!r} is not provided "
                                  f"(available: {', '.join(sorted(known))})")

    # -- configuration ----------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        strategy = create_strategy(self.strategy_name, self.space, seed=self.seed, **self.strategy_params)
        return {
            "space": {"name": self.space.name, **self.space.config()},
            "strategy": {"name": self.strategy_name, "seed": self.seed, **strategy.params()},
            "objective": self.objective.to_dict(),
            "constraints": [str(c) for c in self.constraints],
            "evaluator": self.evaluator.config(),
            "costs": self.costs.config() if self.costs else None,
        }

    def feasible(self, arch: Arch) -> bool:
        if not self.cheap_constraints:
            return True
        metrics = self.costs.evaluate(arch)
        return all(c.ok(metrics) for c in self.cheap_constraints)

    def check_feasible(self, samples: int = 500) -> None:
        """Fail before searching when the cheap constraints exclude every architecture."""
        if not self.cheap_constraints:
            return
        tables = [p for p in self.costs.parts if isinstance(p, TabularBenchmark)]
        if tables and all(c.metric in tables[0].metrics for c in self.cheap_constraints):
            archs = tables[0].archs()
        else:
            rng = np.random.default_rng(self.seed)
            archs = [self.space.sample(rng) for _ in range(samples)]
        if any(self.feasible(a) for a in archs):
            return
        limits = []
        for c in self.cheap_constraints:
            values = [self.costs.evaluate(a)[c.metric] for a in archs]
            closest = min(values) if c.op == "<=" else max(values)
            limits.append(f"{c} (closest: {closest:g})")
        scope = "in the table" if tables else f"in {samples} random samples"
        raise InfeasibleError(f"no architecture satisfies {' and '.join(limits)} {scope}; relax the limit")

    def _evaluate(self, arch: Arch) -> dict[str, float]:
        metrics = self.costs.evaluate(arch) if self.costs else {}
        metrics.update(self.evaluator.evaluate(arch))
        return metrics

    def _fitness(self, metrics: dict[str, float], error: str | None) -> float:
        if error or not all(c.ok(metrics) for c in self.late_constraints):
            return -math.inf
        return self.objective.fitness(metrics)

    # -- the loop ---------------------------------------------------------------------
    def _open(self) -> tuple[Store, Strategy, list[TrialRecord]]:
        store = Store(self.storage)
        config = self.config()
        stored = store.experiment_config(self.name)
        if stored is None:
            store.create_experiment(self.name, config)
        elif stored != config:
            diff = sorted(k for k in config if config[k] != stored.get(k))
            raise StoreError(
                f"experiment {self.name!r} in {self.storage} was run with different settings "
                f"({', '.join(diff)}); use another --name, or the same settings to continue it"
            )
        strategy = create_strategy(self.strategy_name, self.space, seed=self.seed,
                                   feasible=self.feasible, **self.strategy_params)
        trials = store.trials(self.name)
        self._replay(strategy, trials)
        return store, strategy, trials

    def _replay(self, strategy: Strategy, trials: list[TrialRecord]) -> None:
        """Rebuild the strategy's state by repeating the stored asks and tells in order."""
        events = [(t.ask_seq, 0, t) for t in trials]
        events += [(t.tell_seq, 1, t) for t in trials if t.tell_seq is not None]
        for _, kind, trial in sorted(events, key=lambda e: (e[0], e[1])):
            arch = self.space.validate(Arch.from_json(trial.arch))
            if kind == 0:
                asked = strategy.ask()
                if asked != arch:
                    raise StoreError(
                        f"cannot resume {self.name!r}: trial {trial.number} was "
                        f"{self.space.format(arch)} but the strategy now proposes "
                        f"{self.space.format(asked)} (stored by a different edgenas version?); "
                        "start a new --name"
                    )
            else:
                strategy.tell(arch, trial.fitness if trial.fitness is not None else -math.inf)

    def run(self, budget: int, callback: Callable[[TrialRecord, SearchResult | None], None] | None = None
            ) -> SearchResult:
        """Evaluate until ``budget`` distinct candidates are stored (counting earlier runs)."""
        if budget < 1:
            raise InfeasibleError(f"budget must be at least 1, got {budget}")
        self.check_feasible()
        store, strategy, trials = self._open()
        records = {t.number: t for t in trials}
        seq = max([t.ask_seq for t in trials] + [t.tell_seq or 0 for t in trials] + [0]) + 1
        number = max(records, default=-1) + 1
        done = sum(t.state != "running" for t in trials)
        executor = create_executor(self.executor_name, self._evaluate, workers=self.workers,
                                   address=self.address)
        inflight: dict[int, Arch] = {}
        for t in trials:  # asked before a crash, never finished: evaluate them now
            if t.state == "running" and done + len(inflight) < budget:
                inflight[t.number] = self.space.validate(Arch.from_json(t.arch))
                executor.submit(t.number, inflight[t.number])
        exhausted = False
        try:
            while True:
                while not exhausted and len(inflight) < executor.capacity and done + len(inflight) < budget:
                    try:
                        arch = strategy.ask()
                    except SpaceExhausted:
                        exhausted = True
                        break
                    store.add_trial(self.name, number, arch.to_json(), seq)
                    records[number] = TrialRecord(number, arch.to_json(), "running", ask_seq=seq)
                    seq += 1
                    inflight[number] = arch
                    executor.submit(number, arch)
                    number += 1
                if not inflight:
                    break
                outcome = executor.wait()
                arch = inflight.pop(outcome.number)
                fitness = self._fitness(outcome.metrics, outcome.error)
                store.finish_trial(self.name, outcome.number, metrics=outcome.metrics, fitness=fitness,
                                   tell_seq=seq, error=outcome.error, attempts=outcome.attempts)
                record = records[outcome.number]
                record.state = "failed" if outcome.error else "complete"
                record.metrics, record.fitness, record.tell_seq = outcome.metrics, fitness, seq
                record.error, record.attempts = outcome.error, outcome.attempts
                seq += 1
                strategy.tell(arch, fitness)
                done += 1
                if callback is not None:
                    callback(record, None)
        finally:
            executor.close()
            store.close()
        return SearchResult(self.name, self.space, self.objective,
                            [records[k] for k in sorted(records)], self.pareto_metric(), exhausted)

    def pareto_metric(self) -> str | None:
        """The cost the Pareto front trades against: the first constraint's metric, else
        latency, else MACs, when trials carry it."""
        provided = set(self.costs.metrics if self.costs else ()) | set(self.evaluator.metrics)
        for candidate in [c.metric for c in self.constraints] + ["latency_ms", "macs"]:
            if candidate in provided and candidate != self.objective.metric:
                return candidate
        return None
