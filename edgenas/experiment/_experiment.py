"""The search loop: ask -> store -> evaluate -> store -> tell, until the budget; resumable.

`create_experiment` / `load_experiment` (Optuna's ``create_study`` / ``load_study``) assemble
one; `Experiment.ask` / `Experiment.tell` drive it from Python; `Experiment.run` is the same
pair in a loop, with an executor (local or Ray) evaluating the candidates.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgenas.errors import ConfigError, InfeasibleError, StoreError
from edgenas.evaluator import Combined, Evaluator
from edgenas.experiment._executors import create_executor
from edgenas.experiment._objective import Constraint, Objective, pareto_front
from edgenas.experiment._store import Store, TrialRecord, default_storage, store_path
from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies import DEFAULT_STRATEGY, SpaceExhausted, Strategy, create_strategy

__all__ = ["Experiment", "SearchResult", "Trial", "check_name", "load_result"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=+-]{0,127}$")


def check_name(name: str) -> str:
    """A plain experiment name: it becomes a file name under ``runs/``."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise ConfigError(f"experiment name {name!r} is not plain; use letters, digits and . _ - + = "
                          "(no path separators, not empty, at most 128 characters)")
    return name


@dataclass(frozen=True)
class Trial:
    """A candidate handed out by `Experiment.ask`: tell its metrics back with its ``number``."""

    number: int
    arch: Arch
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


def load_result(name: str, storage: str | None = None, *, read_only: bool = False) -> tuple[SearchResult, dict[str, Any]]:
    """The stored experiment ``name`` as a `SearchResult` and its config (no evaluator is built:
    reading a run needs none of its data). The Pareto cost is the first constrained metric other than
    the objective, else latency or MACs when the trials carry them."""
    from edgenas.spaces import create_space

    store = Store(storage or default_storage(name), create=False, read_only=read_only)
    try:
        config = store.experiment_config(name)
        if config is None:
            known = ", ".join(n for n, *_ in store.experiments()) or "none"
            raise ConfigError(f"no experiment {name!r} in {store.url} (stored: {known})")
        trials = store.trials(name)
    finally:
        store.close()
    space_cfg = dict(config["space"])
    space = create_space(space_cfg.pop("name"), **space_cfg)
    objective = Objective(**config["objective"])
    cost = next((c.metric for c in map(Constraint.parse, config["constraints"]) if c.metric != objective.metric), None)
    if cost is None:
        cost = next((m for m in ("latency_ms", "macs") if any(m in t.metrics for t in trials)), None)
    return SearchResult(name, space, objective, trials, cost), config


def _differences(stored: dict[str, Any], given: dict[str, Any], prefix: str = "") -> list[str]:
    """``strategy seed: 0 -> 3``, one item per setting that differs (nested settings by path)."""
    out = []
    for key in sorted(set(stored) | set(given)):
        old, new = stored.get(key), given.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            kind = [d.get("name", d.get("type")) for d in (old, new)]
            if kind[0] != kind[1]:  # another strategy or evaluator: its own settings would only add noise
                out.append(f"{prefix}{key}: {_short(kind[0])} -> {_short(kind[1])}")
            else:
                out += _differences(old, new, f"{prefix}{key} ")
        else:
            out.append(f"{prefix}{key}: {_short(old)} -> {_short(new)}")
    return out


def _short(value: Any) -> str:
    text = "unset" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Experiment:
    """A named, stored search.

    ``evaluator`` gives the objective metric (a table, a trainer, a proxy...). ``costs`` are
    cheap evaluators (a latency table, a profiler) whose metrics are stored with every trial
    and whose constraints are checked *before* a candidate is evaluated. Constraints on other
    metrics are checked after evaluation (the candidate is stored as infeasible).
    Opening an experiment whose name is stored continues the stored run.
    """

    def __init__(
        self,
        *,
        name: str,
        space: SearchSpace,
        evaluator: Evaluator,
        objective: Objective,
        strategy: str = DEFAULT_STRATEGY,
        strategy_params: dict[str, Any] | None = None,
        seed: int = 0,
        costs: Sequence[Evaluator] = (),
        constraints: Sequence[Constraint] = (),
        storage: str | None = None,
        executor: str = "local",
        workers: int = 1,
        address: str | None = None,
    ) -> None:
        self.name, self.space, self.evaluator, self.objective = check_name(name), space, evaluator, objective
        self.strategy_name, self.strategy_params = strategy, dict(strategy_params or {})
        self.seed = seed
        self.costs = Combined(costs) if costs else None
        self.constraints = list(constraints)
        self.storage = storage or default_storage(name)
        store_path(self.storage)  # a bad URL fails here, before any work
        if workers < 1:
            raise ConfigError(f"workers must be at least 1, got {workers}")
        self.executor_name, self.workers, self.address = executor, workers, address
        self.cheap_metrics = set(self.costs.metrics) if self.costs else set()
        self.cheap_constraints = [c for c in self.constraints if c.metric in self.cheap_metrics]
        self.late_constraints = [c for c in self.constraints if c.metric not in self.cheap_metrics]
        known = self.cheap_metrics | set(evaluator.metrics)
        for c in self.constraints:
            if c.metric not in known:
                raise InfeasibleError(f"constraint {c} names metric {c.metric!r}, which no evaluator "
                                      f"provides (available: {', '.join(sorted(known))})")
        if objective.metric not in known:
            raise InfeasibleError(f"objective metric {objective.metric!r} is not provided "
                                  f"(available: {', '.join(sorted(known))})")
        if objective.cost_metric is not None and objective.cost_metric not in known:
            raise InfeasibleError(f"reward cost metric {objective.cost_metric!r} is not provided "
                                  f"(available: {', '.join(sorted(known))})")
        self.scorable = self._scorable()
        self._strategy = self._new_strategy()
        self._evaluation = _Evaluation(self.costs, evaluator)  # what an executor runs
        self._state: _RunState | None = None
        self._feasible_checked = False

    # -- configuration ----------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """Everything that decides the run's history; stored, and compared on resume."""
        return {
            "space": {"name": self.space.name, **self.space.get_params()},
            "strategy": {"name": self.strategy_name, "seed": self.seed, **self._strategy.get_params()},
            "objective": self.objective.get_params(),
            "constraints": [str(c) for c in self.constraints],
            "evaluator": self.evaluator.get_params(),
            "costs": self.costs.get_params() if self.costs else None,
        }

    def _adopt_stored_params(self, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """A resumed run continues with the strategy settings it was run with: a parameter the
        user did not set takes its stored value, so a default changed since changes new runs
        only; one the run was stored without (it did not exist yet) takes the value that gave
        the old behaviour (`Strategy.added_params`). Returns the stored config with those
        values filled in."""
        if stored is None or stored.get("strategy", {}).get("name") != self.strategy_name:
            return stored
        missing = {k: v for k, v in self._strategy.added_params.items() if k not in stored["strategy"]}
        was_run = {**stored["strategy"], **missing}
        current = self._strategy.get_params()
        adopt = {k: v for k, v in was_run.items()
                 if k in current and k not in self.strategy_params and v != current[k]}
        if adopt:
            self.strategy_params.update(adopt)
            self._strategy = self._new_strategy()
        return {**stored, "strategy": was_run}

    def _new_strategy(self) -> Strategy:
        known = self.objective.cost_metric is not None and self.objective.cost_metric in self.cheap_metrics
        strategy = create_strategy(self.strategy_name, self.space, seed=self.seed, feasible=self.feasible,
                                   fitness_factor=self.fitness_factor if known else None, **self.strategy_params)
        if self.scorable is not None:
            strategy.keep_to(list(self.scorable.values()))
        return strategy

    def fitness_factor(self, arch: Arch) -> float | None:
        """The fitness's factor known before evaluation: the objective's cost, from the cheap
        evaluators (the strategy then learns only the metric)."""
        return self.objective.cost_factor(self.costs.evaluate(arch))

    def _scorable(self) -> dict[str, Arch] | None:
        """The networks (equivalence key -> a listed architecture) every table among the
        evaluator and the costs scores, where one leaves out part of the space (a user's table
        of 400 cells): the search keeps to them instead of spending its budget on cells no
        table can score. None: no table, or every one lists the whole space."""
        parts = [p for e in (self.evaluator, self.costs) if e is not None
                 for p in (e.parts if isinstance(e, Combined) else [e])]
        lists = [c for c in (p.candidates() for p in parts) if c is not None]
        if all(len(listed) >= self.space.size() for listed in lists):
            return None
        keyed = [{self.space.equivalence_key(a): a for a in reversed(listed)} for listed in lists]
        return {key: arch for key, arch in keyed[0].items() if all(key in other for other in keyed[1:])}

    def feasible(self, arch: Arch) -> bool:
        if self.scorable is not None and self.space.equivalence_key(arch) not in self.scorable:
            return False
        if not self.cheap_constraints:
            return True
        metrics = self.costs.evaluate(arch)
        return all(c.ok(metrics) for c in self.cheap_constraints)

    def check_feasible(self, samples: int = 500, progress: Callable[[int, int], None] | None = None) -> None:
        """Fail before searching when the cheap constraints exclude every architecture: over
        every architecture the cost evaluators can score when that is a finite list (a
        table), else over ``samples`` random ones (stopping at the first feasible one).
        ``progress(done, total)`` hears about each one checked. Checked once per object."""
        if not self.cheap_constraints or self._feasible_checked:
            return
        listed = self.costs.candidates()
        if listed is not None:
            archs = listed
        else:
            rng = np.random.default_rng(self.seed)
            archs = [self.space.sample(rng) for _ in range(samples)]
        for i, arch in enumerate(archs):
            if self.feasible(arch):
                self._feasible_checked = True
                return
            if progress is not None:
                progress(i + 1, len(archs))
        limits = []
        for c in self.cheap_constraints:
            values = [self.costs.evaluate(a)[c.metric] for a in archs]
            closest = min(values) if c.op == "<=" else max(values)
            limits.append(f"{c} (closest: {closest:g})")
        scope = "in the table" if listed is not None else f"in {samples} random samples"
        raise InfeasibleError(f"no architecture satisfies {' and '.join(limits)} {scope}; relax the limit")

    def evaluate(self, arch: Arch) -> dict[str, float]:
        """Every metric of ``arch``: the costs', then the evaluator's."""
        return self._evaluation(arch)

    def _check_told(self, metrics: dict[str, Any]) -> None:
        """A result names the objective's metric, in numbers: a misspelt key or a string would
        otherwise be stored as a failed candidate, and a whole search could run blind."""
        for key, value in metrics.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ConfigError(f"metric {key!r} must be a number, got {value!r}")
            metrics[key] = float(value)  # numpy scalars included: the store writes JSON
        if self.objective.metric not in metrics:
            raise ConfigError(f"the result lacks {self.objective.metric!r}, the objective (it holds: "
                              f"{', '.join(metrics) or 'nothing'}); tell it, or tell error=... for a failed evaluation")

    def _fitness(self, metrics: dict[str, float], error: str | None) -> float:
        if error or not all(c.ok(metrics) for c in self.late_constraints):
            return -math.inf
        return self.objective.fitness(metrics)

    # -- opening and replay ------------------------------------------------------------
    def _open(self) -> _RunState:
        if self._state is not None:
            return self._state
        self.check_feasible()
        store = Store(self.storage)
        lock = store.lock(self.name)
        try:
            stored = self._adopt_stored_params(store.experiment_config(self.name))
            config = self.get_params()
            if stored is None:
                store.create_experiment(self.name, config)
            elif stored != config:
                raise StoreError(
                    f"experiment {self.name!r} in {self.storage} was run with different settings "
                    f"({'; '.join(_differences(stored, config))}); use another --name, or the same settings to "
                    f"continue it"
                )
            trials = store.trials(self.name)
            strategy = self._new_strategy()
            self._replay(strategy, trials)
        except BaseException:
            lock.release()
            store.close()
            raise
        self._state = _RunState(store, lock, strategy, trials)
        return self._state

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

    def close(self) -> None:
        """Release the store (and the lock that keeps a second process off this experiment)."""
        if self._state is not None:
            self._state.lock.release()
            self._state.store.close()
            self._state = None

    def __enter__(self) -> Experiment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ask / tell -------------------------------------------------------------------
    def ask(self) -> Trial:
        """The next candidate, stored as ``running`` before it is returned.

        Candidates a crash left ``running`` come first, then new ones from the strategy.
        Raises `SpaceExhausted` when the strategy has nothing new and feasible left."""
        state = self._open()
        if state.orphans:
            number = state.orphans.pop(0)
            return Trial(number, self.space.validate(Arch.from_json(state.records[number].arch)))
        arch = state.strategy.ask()
        number = state.next_number
        state.store.add_trial(self.name, number, arch.to_json(), state.seq)
        state.records[number] = TrialRecord(number, arch.to_json(), "running", ask_seq=state.seq)
        state.seq += 1
        state.next_number += 1
        return Trial(number, arch)

    def tell(self, trial: Trial | int, metrics: dict[str, float] | None = None, *, error: str | None = None,
             attempts: int = 1) -> TrialRecord:
        """Store the result of an asked trial (its metrics, or the error that stopped it) and
        teach the strategy; returns the stored record. Metrics are numbers and name the
        objective's metric (a NaN one is a failed value: fitness -inf)."""
        state = self._open()
        number = trial.number if isinstance(trial, Trial) else int(trial)
        record = state.records.get(number)
        if record is None or record.state != "running":
            raise ConfigError(f"trial {number} of {self.name!r} is not waiting for a result")
        metrics = dict(metrics or {})
        if error is None:
            self._check_told(metrics)
        fitness = self._fitness(metrics, error)
        state.store.finish_trial(self.name, number, metrics=metrics, fitness=fitness, tell_seq=state.seq,
                                 error=error, attempts=attempts)
        record.state = "failed" if error else "complete"
        record.metrics, record.fitness, record.tell_seq = metrics, fitness, state.seq
        record.error, record.attempts = error, attempts
        state.seq += 1
        state.done += 1
        state.strategy.tell(self.space.validate(Arch.from_json(record.arch)), fitness)
        return record

    @property
    def done(self) -> int:
        """Distinct candidates evaluated so far (failed ones included)."""
        return self._open().done

    def result(self, exhausted: bool = False) -> SearchResult:
        state = self._open()
        return SearchResult(self.name, self.space, self.objective,
                            [state.records[k] for k in sorted(state.records)], self.pareto_metric(), exhausted)

    # -- the loop ---------------------------------------------------------------------
    def run(self, budget: int, callback: Callable[[TrialRecord, SearchResult | None], None] | None = None
            ) -> SearchResult:
        """Evaluate until ``budget`` distinct candidates are stored (counting earlier runs).

        A candidate whose evaluation raises is stored as failed and the search goes on, except
        for configuration and data errors (`ConfigError`, `DataError`): those would fail every
        candidate, so the run stops with the error and the candidate stays to be evaluated on
        resume."""
        if budget < 1:
            raise InfeasibleError(f"budget must be at least 1, got {budget}")
        try:
            self._open()
            executor = create_executor(self.executor_name, self._evaluation, workers=self.workers,
                                       address=self.address)
            inflight: dict[int, Trial] = {}
            exhausted = False
            try:
                while True:
                    while (not exhausted and len(inflight) < executor.capacity
                           and self.done + len(inflight) < budget):
                        try:
                            trial = self.ask()
                        except SpaceExhausted:
                            exhausted = True
                            break
                        inflight[trial.number] = trial
                        executor.submit(trial.number, trial.arch)
                    if not inflight:
                        break
                    outcome = executor.wait()
                    inflight.pop(outcome.number)
                    record = self.tell(outcome.number, outcome.metrics, error=outcome.error,
                                       attempts=outcome.attempts)
                    if callback is not None:
                        callback(record, None)
            finally:
                executor.close()  # trials still in flight stay `running` in the store: the next open re-asks them
            return self.result(exhausted)
        finally:
            self.close()

    def pareto_metric(self) -> str | None:
        """The cost the Pareto front trades against: the first constraint's metric, else
        latency, else MACs, when trials carry it."""
        provided = set(self.costs.metrics if self.costs else ()) | set(self.evaluator.metrics)
        for candidate in [c.metric for c in self.constraints] + ["latency_ms", "macs"]:
            if candidate in provided and candidate != self.objective.metric:
                return candidate
        return None


@dataclass
class _Evaluation:
    """What an executor runs for a candidate: costs then evaluator. A small picklable object,
    so a Ray worker receives the evaluators and nothing of the driver's store."""

    costs: Evaluator | None
    evaluator: Evaluator

    def __call__(self, arch: Arch) -> dict[str, float]:
        metrics = self.costs.evaluate(arch) if self.costs else {}
        metrics.update(self.evaluator.evaluate(arch))
        return metrics


@dataclass
class _RunState:
    """An open experiment: its store and lock, the replayed strategy and the trial records."""

    store: Store
    lock: Any
    strategy: Strategy
    trials: list[TrialRecord]
    records: dict[int, TrialRecord] = field(init=False)
    orphans: list[int] = field(init=False)
    seq: int = field(init=False)
    next_number: int = field(init=False)
    done: int = field(init=False)

    def __post_init__(self) -> None:
        self.records = {t.number: t for t in self.trials}
        self.orphans = [t.number for t in self.trials if t.state == "running"]  # a crash left them
        self.seq = max([t.ask_seq for t in self.trials] + [t.tell_seq or 0 for t in self.trials] + [0]) + 1
        self.next_number = max(self.records, default=-1) + 1
        self.done = sum(t.state != "running" for t in self.trials)

