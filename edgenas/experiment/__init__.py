"""Experiments: the search loop, its store, executors, objectives and Pareto fronts."""

from edgenas.experiment._executors import LocalExecutor, RayExecutor, create_executor
from edgenas.experiment._experiment import Experiment, SearchResult
from edgenas.experiment._objective import Constraint, Objective, pareto_front
from edgenas.experiment._store import Store, TrialRecord, default_storage

__all__ = ["Constraint", "Experiment", "LocalExecutor", "Objective", "RayExecutor", "SearchResult",
           "Store", "TrialRecord", "create_executor", "default_storage", "pareto_front"]
