"""Experiments: the search loop, its store, executors, objectives and Pareto fronts."""

from edgenas.experiment._create import (
    SHIPPED_ACCURACY,
    create_experiment,
    default_metric,
    load_experiment,
    make_cost,
    make_evaluator,
    make_space,
)
from edgenas.experiment._executors import LocalExecutor, RayExecutor, create_executor
from edgenas.experiment._experiment import Experiment, SearchResult, Trial, check_name, load_result
from edgenas.experiment._objective import Constraint, Objective, pareto_front
from edgenas.experiment._store import Store, TrialRecord, default_storage

__all__ = ["Constraint", "Experiment", "Trial", "check_name", "create_experiment", "load_experiment",
           "make_cost", "make_evaluator", "make_space", "default_metric", "SHIPPED_ACCURACY", "load_result", "LocalExecutor", "Objective", "RayExecutor", "SearchResult",
           "Store", "TrialRecord", "create_executor", "default_storage", "pareto_front"]
