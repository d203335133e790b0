"""`create_experiment` / `load_experiment`: assemble an experiment from names and specs.

The CLI's flags map one-to-one onto these arguments; Python users call them directly (as
Optuna's ``create_study`` / ``load_study``). Evaluators and costs may be objects or specs:

* evaluator: ``"table"`` (the space's shipped accuracy table), ``"table:ID_OR_PATH"``,
  ``"train"`` (from scratch on ``dataset``), ``"proxy:NAME[,NAME...]"`` (zero-shot; several
  names add their rank ensemble as the metric ``ensemble``), ``"supernet:CHECKPOINT"``
  (inherited accuracy from a trained vit supernet);
* cost: ``"latency-table:ID_OR_PATH"``, ``"latency-predictor:PATH"``, ``"device:NAME"``
  (measured here), ``"profile"`` (MACs, params, int8 peak memory, weight bytes);
* constraint: ``"latency_ms<=4"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edgenas.errors import ConfigError
from edgenas.evaluator import Evaluator, evaluator_from_params
from edgenas.experiment._experiment import Experiment
from edgenas.experiment._objective import Constraint, Objective
from edgenas.experiment._store import Store, default_storage
from edgenas.spaces import SearchSpace, create_space
from edgenas.strategies import DEFAULT_STRATEGY

__all__ = ["create_experiment", "load_experiment", "make_space", "make_evaluator", "make_cost", "default_metric",
           "SHIPPED_ACCURACY"]

# The accuracy table each space ships, if any.
SHIPPED_ACCURACY = {"nb201": "nb201-cifar10"}


def default_metric(evaluator: Evaluator) -> str:
    """The metric a search maximises when none is named: the ensemble, else an accuracy."""
    if "ensemble" in evaluator.metrics:
        return "ensemble"
    return next((m for m in evaluator.metrics if "acc" in m), evaluator.metrics[0])


def make_space(space: str | SearchSpace, params: dict[str, Any] | None = None) -> SearchSpace:
    """A space by name and options (``{"resolutions": [32]}``), or the space given."""
    if isinstance(space, SearchSpace):
        return space
    if not isinstance(params, (dict, type(None))):
        raise ConfigError(f"space options must be a JSON object, e.g. {{\"resolutions\": [32]}}, got {params!r}")
    return create_space(space, **(params or {}))


def make_evaluator(spec: str | Evaluator, space: SearchSpace, *, dataset: str = "fashion-mnist",
                   epochs: int = 6, lr: float = 0.05, seed: int = 0) -> Evaluator:
    """An evaluator from its spec (see the module docstring)."""
    if isinstance(spec, Evaluator):
        return spec
    kind, _, arg = spec.partition(":")
    if kind == "table":
        from edgenas.estimate import TabularBenchmark

        table = arg or SHIPPED_ACCURACY.get(space.name)
        if table is None:
            raise ConfigError(f"space {space.name} has no shipped accuracy table: give --benchmark FILE.csv "
                              "or --evaluator train")
        return TabularBenchmark(table, space)
    if kind == "train" and not arg:
        from edgenas.estimate.train import TrainConfig, TrainEvaluator

        return TrainEvaluator(space, dataset, TrainConfig(epochs=epochs, lr=lr, seed=seed))
    if kind == "proxy":
        from edgenas.estimate.proxies import ProxyEvaluator

        names = [n for n in arg.split(",") if n]
        if not names:
            raise ConfigError("--evaluator proxy:NAMES needs at least one proxy, e.g. proxy:synflow,meco,params")
        if len(names) > 1:
            return ProxyEvaluator(space, [*names, "ensemble"], ensemble=tuple(names), seed=seed)
        return ProxyEvaluator(space, names, seed=seed)
    if kind == "supernet":
        if not arg:
            raise ConfigError("--evaluator supernet:CHECKPOINT needs the trained supernet's file, e.g. supernet:runs/vit.pt")
        from edgenas.oneshot.entangled import SupernetEvaluator

        return SupernetEvaluator(space, arg, dataset)
    raise ConfigError(f"unknown evaluator {spec!r}; use table, table:FILE, train, proxy:NAME[,NAME...] or "
                      "supernet:CHECKPOINT")


def make_cost(spec: str | Evaluator, space: SearchSpace) -> Evaluator:
    """A cheap cost evaluator from its spec (see the module docstring)."""
    if isinstance(spec, Evaluator):
        return spec
    kind, _, arg = spec.partition(":")
    if kind == "latency-table" and arg:
        from edgenas.estimate import TabularBenchmark

        return TabularBenchmark(arg, space, metrics=["latency_ms"], cheap=True)
    if kind == "latency-predictor" and arg:
        from edgenas.hardware import PredictedLatency

        return PredictedLatency(arg, space)
    if kind == "device" and arg:
        from edgenas.hardware.devices import DeviceLatency, create_device

        return DeviceLatency(create_device(arg, space=space), space)
    if kind == "profile" and not arg:
        from edgenas.hardware import ProfileCost

        return ProfileCost(space)
    raise ConfigError(f"unknown cost {spec!r}; use latency-table:FILE, latency-predictor:FILE, device:NAME "
                      "or profile")


def create_experiment(
    *,
    name: str,
    space: str | SearchSpace = "nb201",
    evaluator: str | Evaluator = "table",
    objective: str | Objective | None = None,
    costs: Sequence[str | Evaluator] = (),
    constraints: Sequence[str | Constraint] = (),
    strategy: str = DEFAULT_STRATEGY,
    strategy_params: dict[str, Any] | None = None,
    seed: int = 0,
    storage: str | None = None,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    space_params: dict[str, Any] | None = None,
    dataset: str = "fashion-mnist",
    epochs: int = 6,
    lr: float = 0.05,
) -> Experiment:
    """A new experiment, or the stored one of that name when the settings match (resume).

    ``objective`` is an `Objective` or a metric name to maximise (default: see
    `default_metric`). ``dataset`` / ``epochs`` / ``lr`` configure ``evaluator="train"``."""
    space = make_space(space, space_params)
    evaluator = make_evaluator(evaluator, space, dataset=dataset, epochs=epochs, lr=lr, seed=seed)
    cost_list = [make_cost(c, space) for c in costs]
    if not isinstance(objective, Objective):
        objective = Objective(objective or default_metric(evaluator))
    return Experiment(
        name=name, space=space, evaluator=evaluator, objective=objective, strategy=strategy,
        strategy_params=strategy_params, seed=seed, costs=cost_list,
        constraints=[c if isinstance(c, Constraint) else Constraint.parse(c) for c in constraints],
        storage=storage, executor=executor, workers=workers, address=address,
    )


def load_experiment(name: str, storage: str | None = None, *, evaluator: Evaluator | None = None,
                    executor: str = "local", workers: int = 1, address: str | None = None) -> Experiment:
    """Reopen a stored experiment from its stored settings, to continue or inspect it.

    Shipped tables are stored by id, so a run continues on another install. An evaluator that
    cannot be rebuilt from its parameters (a trained hypernetwork) is passed as ``evaluator``."""
    storage = storage or default_storage(name)
    store = Store(storage, create=False)
    try:
        config = store.experiment_config(name)
        if config is None:
            known = ", ".join(n for n, *_ in store.experiments()) or "none"
            raise ConfigError(f"no experiment {name!r} in {storage} (stored: {known})")
    finally:
        store.close()
    space_cfg = dict(config["space"])
    space = create_space(space_cfg.pop("name"), **space_cfg)
    strategy_cfg = dict(config["strategy"])
    strategy, seed = strategy_cfg.pop("name"), strategy_cfg.pop("seed")
    costs = config.get("costs")
    return Experiment(
        name=name, space=space, evaluator=evaluator or evaluator_from_params(config["evaluator"], space),
        objective=Objective(**config["objective"]), strategy=strategy, strategy_params=strategy_cfg, seed=seed,
        costs=[evaluator_from_params(p, space) for p in costs["parts"]] if costs else (),
        constraints=[Constraint.parse(c.replace(" ", "")) for c in config["constraints"]],
        storage=storage, executor=executor, workers=workers, address=address,
    )
