"""`edgenas search` and `edgenas runs list|show`."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from edgenas.cli._common import app, console, print_json
from edgenas.errors import ConfigError

__all__ = ["search", "runs_app", "build_experiment", "show_result"]

runs_app = typer.Typer(help="Read stored experiments.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _objective_metric(evaluator: Any, wanted: str | None) -> str:
    if wanted:
        return wanted
    for metric in evaluator.metrics:
        if "acc" in metric:
            return metric
    return evaluator.metrics[0]


def build_experiment(
    *, space_name: str, benchmark: str | None, strategy: str, seed: int, name: str | None,
    storage: str | None, latency_table: str | None, max_latency_ms: float | None,
    max_macs: float | None, max_params: float | None, max_peak_kb: float | None,
    max_flash_kb: float | None = None, latency_predictor: str | None = None, evaluator_spec: str = "table",
    device: str | None = None, dataset: str = "digits", epochs: int = 6, lr: float = 0.05,
    space_config: dict[str, Any] | None = None,
    objective: str | None, executor: str, workers: int, address: str | None,
    strategy_params: dict[str, Any], reward_target: float | None, reward_weight: float,
) -> Any:
    from edgenas.estimate import TabularBenchmark
    from edgenas.experiment import Constraint, Experiment, Objective
    from edgenas.hardware import ProfileCost
    from edgenas.spaces import create_space

    space = create_space(space_name, **(space_config or {}))
    table = None
    if evaluator_spec != "train":
        if benchmark is None:
            if space_name != "nb201":
                raise ConfigError(f"space {space_name} has no shipped benchmark table: give --benchmark FILE.csv "
                                  "or --evaluator train")
            benchmark = "nb201-cifar10"
        table = TabularBenchmark(benchmark, space)
    evaluator: Any = table
    if evaluator_spec == "train":
        from edgenas.estimate.train import TrainConfig, TrainEvaluator

        evaluator = TrainEvaluator(space, dataset, TrainConfig(epochs=epochs, lr=lr, seed=seed))
    elif evaluator_spec.startswith("proxy:"):
        from edgenas.estimate.proxies import ProxyEvaluator

        names = [n for n in evaluator_spec[len("proxy:"):].split(",") if n]
        if not names:
            raise ConfigError("--evaluator proxy:NAMES needs at least one proxy, e.g. proxy:synflow,meco,params")
        if len(names) > 1:
            evaluator = ProxyEvaluator(space, [*names, "ensemble"], ensemble=tuple(names))
            objective = objective or "ensemble"
        else:
            evaluator = ProxyEvaluator(space, names)
            objective = objective or names[0]
    elif evaluator_spec != "table":
        raise ConfigError(f"unknown evaluator {evaluator_spec!r}; use table, train or proxy:NAME[,NAME...]")
    costs: list[Any] = []
    constraints: list[Constraint] = []
    if sum(bool(v) for v in (latency_table, latency_predictor, device)) > 1:
        raise ConfigError("give one latency source: --latency-table, --latency-predictor or --device")
    if device:
        from edgenas.hardware.devices import DeviceLatency, create_device

        costs.append(DeviceLatency(create_device(device, space=space), space))
    if latency_table:
        costs.append(TabularBenchmark(latency_table, space, metrics=["latency_ms"], cheap=True))
    if latency_predictor:
        from edgenas.hardware import PredictedLatency

        costs.append(PredictedLatency(latency_predictor, space))
    if max_latency_ms is not None:
        if not (latency_table or latency_predictor or device):
            raise ConfigError("--max-latency-ms needs --latency-table FILE.csv, --latency-predictor FILE or --device")
        constraints.append(Constraint("latency_ms", "<=", max_latency_ms))
    profile_limits = [("macs", max_macs), ("params", max_params),
                      ("peak_memory_bytes", None if max_peak_kb is None else max_peak_kb * 1024),
                      ("weight_bytes", None if max_flash_kb is None else max_flash_kb * 1024)]
    if any(v is not None for _, v in profile_limits):
        costs.append(ProfileCost(space))
        constraints += [Constraint(m, "<=", v) for m, v in profile_limits if v is not None]
    metric = _objective_metric(evaluator, objective)
    scalar = {}
    if reward_target is not None:
        if not (latency_table or latency_predictor or device):
            raise ConfigError("--reward-target-ms needs --latency-table, --latency-predictor or --device")
        scalar = {"cost_metric": "latency_ms", "cost_target": reward_target,
                  "weight_below": reward_weight, "weight_above": reward_weight}
    name = name or f"{space_name}-{strategy}-seed{seed}"
    experiment = Experiment(
        name=name, space=space, evaluator=evaluator, objective=Objective(metric, **scalar),
        strategy=strategy, strategy_params=strategy_params, seed=seed, costs=costs,
        constraints=constraints, storage=storage, executor=executor, workers=workers, address=address,
    )
    experiment.table = table  # the truth, for reporting what a zero-shot search found
    return experiment


def zero_shot_pick(experiment: Any, result: Any) -> dict[str, Any] | None:
    """For a proxy search: the top pick over *all* evaluated candidates (ensembles re-ranked
    on the final set) and its true metrics looked up in the table afterwards."""
    from edgenas.estimate.proxies import ProxyEvaluator, ensemble_scores
    from edgenas.spaces import Arch

    evaluator = experiment.evaluator
    if not isinstance(evaluator, ProxyEvaluator) or experiment.table is None:
        return None
    done = [t for t in result.trials if t.state == "complete"]
    if not done:
        return None
    if evaluator.ensemble:
        combined = ensemble_scores({p: [t.metrics[p] for t in done] for p in evaluator.ensemble})
        top = done[int(combined.argmax())]
    else:
        top = max(done, key=lambda t: t.metrics[experiment.objective.metric])
    arch = Arch.from_json(top.arch)
    truth = experiment.table.rows.get(arch, {})
    metric = _objective_metric(experiment.table, None)
    _, optimum = experiment.table.best(metric)
    return {"arch": experiment.space.format(arch), "proxy_metrics": top.metrics, "true_metrics": truth,
            "table_optimum": optimum}


def show_result(result: Any) -> None:
    space = result.space
    if result.best is None:
        console.print("[red]no feasible candidate evaluated[/red]")
    else:
        best = result.best
        console.print(f"[bold]best[/bold] {space.format(_arch(best.arch))}")
        console.print("  " + ", ".join(f"{k}={v:.4g}" for k, v in sorted(best.metrics.items())))
    console.print(f"evaluated {result.evaluated} distinct candidates"
                  + (" (strategy exhausted the feasible space)" if result.exhausted else ""))
    if result.pareto_cost and result.pareto:
        table = Table(title=f"Pareto front: {result.objective.metric} vs {result.pareto_cost}")
        table.add_column(result.pareto_cost, justify="right")
        table.add_column(result.objective.metric, justify="right")
        table.add_column("arch")
        for t in sorted(result.pareto, key=lambda t: t.metrics[result.pareto_cost]):
            table.add_row(f"{t.metrics[result.pareto_cost]:.4g}", f"{t.metrics[result.objective.metric]:.4g}",
                          space.format(_arch(t.arch)))
        console.print(table)


def _arch(text: str) -> Any:
    from edgenas.spaces import Arch

    return Arch.from_json(text)


@app.command("search")
def search(
    space: str = typer.Option("nb201", help="search space: nb201, nasnet, mbconv"),
    benchmark: str = typer.Option(None, help="accuracy table CSV (default: shipped NB201 CIFAR-10)"),
    strategy: str = typer.Option("evolution", help="grid, random, evolution, reinforce, local"),
    budget: int = typer.Option(100, help="distinct candidates to evaluate (earlier runs count)"),
    seed: int = typer.Option(0),
    latency_table: str = typer.Option(None, help="CSV of measured latencies (arch, latency_ms)"),
    max_latency_ms: float = typer.Option(None, help="hard latency limit (needs --latency-table)"),
    max_macs: float = typer.Option(None, help="hard MACs limit (profiled)"),
    max_params: float = typer.Option(None, help="hard parameter limit (profiled)"),
    max_peak_kb: float = typer.Option(None, help="SRAM: hard int8 peak-activation limit in kB (profiled)"),
    max_flash_kb: float = typer.Option(None, help="flash: hard int8 weight-size limit in kB (profiled)"),
    latency_predictor: str = typer.Option(None, help="a saved latency predictor (edgenas latency fit)"),
    evaluator: str = typer.Option("table", help="table (--benchmark accuracies), train (from scratch on --dataset) "
                                  "or proxy:NAME[,NAME...] (zero-shot)"),
    device: str = typer.Option(None, help="measure latency on torch-cpu / onnxruntime-cpu / microcontroller"),
    dataset: str = typer.Option("digits", help="--evaluator train: digits, cifar10:PATH, npz:PATH, PATH"),
    epochs: int = typer.Option(6, help="--evaluator train: epochs per candidate"),
    lr: float = typer.Option(0.05, help="--evaluator train: peak learning rate"),
    space_config: str = typer.Option("{}", help='space options as JSON, e.g. \'{"resolutions": [32]}\''),
    objective: str = typer.Option(None, help="metric to maximise (default: the table's accuracy)"),
    reward_target_ms: float = typer.Option(None, help="MnasNet reward acc*(lat/target)^w instead of acc"),
    reward_weight: float = typer.Option(-0.07, help="w of the MnasNet reward"),
    strategy_params: str = typer.Option("{}", help='JSON, e.g. \'{"population_size": 10}\''),
    storage: str = typer.Option(None, help="sqlite:///path.db (default sqlite:///runs/NAME.db)"),
    name: str = typer.Option(None, help="experiment name; the same name resumes the run"),
    executor: str = typer.Option("local", help="local or ray"),
    workers: int = typer.Option(2, help="parallel evaluations with --executor ray"),
    address: str = typer.Option(None, help="Ray address: auto joins a running cluster"),
    plot: Path = typer.Option(None, help="write the Pareto plot (PNG) here"),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Search a space for the best architecture under hardware limits; resumable by name."""
    try:
        params = jsonlib.loads(strategy_params)
        space_kwargs = jsonlib.loads(space_config)
    except jsonlib.JSONDecodeError as exc:
        raise ConfigError(f"--strategy-params / --space-config is not JSON: {exc.msg}") from None
    experiment = build_experiment(
        space_name=space, benchmark=benchmark, strategy=strategy, seed=seed, name=name, storage=storage,
        latency_table=latency_table, max_latency_ms=max_latency_ms, max_macs=max_macs,
        max_params=max_params, max_peak_kb=max_peak_kb, max_flash_kb=max_flash_kb,
        latency_predictor=latency_predictor, evaluator_spec=evaluator, device=device, dataset=dataset, epochs=epochs,
        lr=lr, space_config=space_kwargs, objective=objective, executor=executor,
        workers=workers, address=address, strategy_params=params, reward_target=reward_target_ms,
        reward_weight=reward_weight,
    )
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("best {task.fields[best]}"), TimeElapsedColumn()]
    with Progress(*columns, console=console, disable=json, transient=True) as progress:
        task = progress.add_task(experiment.name, total=budget, best="-")
        best = [float("-inf")]

        def update(record: Any, _: Any) -> None:
            metric = record.metrics.get(experiment.objective.metric)
            if record.fitness is not None and record.fitness > best[0]:
                best[0] = record.fitness
                progress.update(task, best=f"{metric:.4g}")
            progress.update(task, advance=1)

        result = experiment.run(budget, callback=update)
    if plot is not None:
        from edgenas.experiment.plot import plot_pareto

        plot_pareto(result, plot, experiment.constraints)
    pick = zero_shot_pick(experiment, result)
    if json:
        print_json(result.to_dict() | ({"zero_shot": pick} if pick else {}))
        return
    show_result(result)
    if pick:
        metric = _objective_metric(experiment.table, None)
        console.print(f"zero-shot top pick {pick['arch']}: true {metric} {pick['true_metrics'].get(metric, float('nan')):.3f} "
                      f"(table optimum {pick['table_optimum']:.3f}), looked up after the search")
    if plot is not None:
        console.print(f"Pareto plot: {plot}")
    console.print(f"stored in {experiment.storage} as {experiment.name!r}")


def _stores(storage: str | None) -> list[str]:
    if storage:
        return [storage]
    return [f"sqlite:///{p}" for p in sorted(Path("runs").glob("*.db"))]


@runs_app.command("list")
def runs_list(storage: str = typer.Option(None, help="a store URL (default: every runs/*.db)"),
              json: bool = typer.Option(False, "--json")) -> None:
    """Every stored experiment with its size and settings."""
    from edgenas.experiment import Store

    rows = []
    for url in _stores(storage):
        store = Store(url, create=False)
        for name, config, count, _ in store.experiments():
            rows.append({"name": name, "storage": url, "evaluated": count,
                         "space": config["space"]["name"], "strategy": config["strategy"]["name"],
                         "seed": config["strategy"]["seed"], "constraints": config["constraints"]})
        store.close()
    if json:
        print_json(rows)
        return
    table = Table(title="Stored experiments")
    for col in ("name", "space", "strategy", "seed", "evaluated", "constraints", "storage"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["space"], r["strategy"], str(r["seed"]), str(r["evaluated"]),
                      ", ".join(r["constraints"]), r["storage"])
    console.print(table)


@runs_app.command("show")
def runs_show(name: str, storage: str = typer.Option(None, help="store URL (default runs/NAME.db)"),
              json: bool = typer.Option(False, "--json")) -> None:
    """Best candidate and Pareto front of a stored experiment."""
    from edgenas.experiment import Objective, SearchResult, Store, default_storage
    from edgenas.spaces import create_space

    store = Store(storage or default_storage(name), create=False)
    config = store.experiment_config(name)
    if config is None:
        known = ", ".join(n for n, *_ in store.experiments()) or "none"
        raise ConfigError(f"no experiment {name!r} in {store.url} (stored: {known})")
    trials = store.trials(name)
    store.close()
    space_cfg = dict(config["space"])
    space = create_space(space_cfg.pop("name"), **space_cfg)
    objective = Objective(**config["objective"])
    cost = next((c.split()[0] for c in config["constraints"]), None)
    if cost is None:
        cost = next((m for m in ("latency_ms", "macs") if any(m in t.metrics for t in trials)), None)
    result = SearchResult(name, space, objective, trials, cost)
    if json:
        print_json(result.to_dict() | {"config": config})
        return
    console.print(f"[bold]{name}[/bold]: {config['space']['name']} / {config['strategy']['name']} "
                  f"seed {config['strategy']['seed']}; constraints: {', '.join(config['constraints']) or 'none'}")
    show_result(result)
