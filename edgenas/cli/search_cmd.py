"""`edgenas search` and `edgenas runs list|show`."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from edgenas.cli._common import (
    app,
    check_output,
    console,
    interrupt_hint,
    parse_json_object,
    plot_suffixes,
    print_json,
    progress,
)
from edgenas.errors import ConfigError, EdgeNASError, StoreError

__all__ = ["search", "runs_app", "build_experiment", "show_result"]

runs_app = typer.Typer(help="Read stored experiments.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def build_experiment(
    *, space_name: str, benchmark: str | None, strategy: str, seed: int, name: str | None,
    storage: str | None, latency_table: str | None, max_latency_ms: float | None,
    max_macs: float | None, max_params: float | None, max_peak_kb: float | None,
    max_flash_kb: float | None = None, latency_predictor: str | None = None, evaluator_spec: str = "table",
    device: str | None = None, dataset: str = "fashion-mnist", epochs: int = 6, lr: float = 0.05,
    space_config: dict[str, Any] | None = None,
    objective: str | None, executor: str, workers: int, address: str | None,
    strategy_params: dict[str, Any], reward_target: float | None, reward_weight: float,
) -> Any:
    """Translate the search flags into `create_experiment` arguments (checks that need the
    flags' names live here; everything else is the library's)."""
    from edgenas.experiment import Objective, create_experiment, default_metric, make_evaluator, make_space
    from edgenas.strategies import STRATEGIES

    if ":" in strategy and strategy not in STRATEGIES:  # before the run's name is made of it
        base, _, rest = strategy.partition(":")
        raise ConfigError(f"--strategy {strategy!r}: give the name alone and its parameters as JSON: "
                          f"--strategy {base} --strategy-params '{json.dumps(_pairs(rest))}'")
    if evaluator_spec == "train":  # the dataset is checked when the evaluator is made
        if not lr > 0:
            raise ConfigError(f"--lr must be positive, got {lr}")
    elif evaluator_spec.startswith("supernet:"):  # the supernet's validation images come from --dataset
        if (epochs, lr) != (6, 0.05):
            raise ConfigError(f"--epochs and --lr configure --evaluator train; they do nothing with --evaluator "
                              f"{evaluator_spec}")
    elif (dataset, epochs, lr) != ("fashion-mnist", 6, 0.05):
        raise ConfigError("--dataset, --epochs and --lr configure --evaluator train; "
                          f"they do nothing with --evaluator {evaluator_spec}")
    if executor != "ray" and address is not None:
        raise ConfigError("--address joins a Ray cluster: it needs --executor ray")
    if not math.isfinite(reward_weight):
        raise ConfigError(f"--reward-weight must be a finite number, got {reward_weight}")
    if evaluator_spec == "table" and benchmark:
        evaluator_spec = f"table:{benchmark}"
    sources = [s for s in (latency_table and f"latency-table:{latency_table}",
                           latency_predictor and f"latency-predictor:{latency_predictor}",
                           device and f"device:{device}") if s]
    if len(sources) > 1:
        raise ConfigError("give one latency source: --latency-table, --latency-predictor or --device")
    constraints = []
    if max_latency_ms is not None:
        if not sources:
            raise ConfigError("--max-latency-ms needs --latency-table FILE.csv, --latency-predictor FILE or --device")
        constraints.append(f"latency_ms<={max_latency_ms!r}")
    profile_limits = [("macs", max_macs), ("params", max_params),
                      ("peak_memory_bytes", None if max_peak_kb is None else max_peak_kb * 1024),
                      ("weight_bytes", None if max_flash_kb is None else max_flash_kb * 1024)]
    costs = list(sources)
    if any(v is not None for _, v in profile_limits):
        costs.append("profile")
        constraints += [f"{m}<={v!r}" for m, v in profile_limits if v is not None]
    space = make_space(space_name, space_config)
    evaluator = make_evaluator(evaluator_spec, space, dataset=dataset, epochs=epochs, lr=lr, seed=seed)
    metric = objective or default_metric(evaluator)
    _check_prior(strategy_params.get("prior"), evaluator)
    scalar = {}
    if reward_target is not None:
        if not sources:
            raise ConfigError("--reward-target-ms needs --latency-table, --latency-predictor or --device")
        scalar = {"cost_metric": "latency_ms", "cost_target": reward_target,
                  "weight_below": reward_weight, "weight_above": reward_weight}
    experiment = create_experiment(
        name=name or f"{space_name}-{strategy}-seed{seed}", space=space, evaluator=evaluator,
        objective=Objective(metric, **scalar), costs=costs, constraints=constraints, strategy=strategy,
        strategy_params=strategy_params, seed=seed, storage=storage, executor=executor, workers=workers,
        address=address,
    )
    if metric in experiment.cheap_metrics and metric not in evaluator.metrics:  # a search maximises it
        limit = ("--max-latency-ms, or trade accuracy for it with --reward-target-ms" if metric == "latency_ms"
                 else "--max-macs, --max-params, --max-peak-kb, --max-flash-kb")
        raise ConfigError(f"--objective {metric} is a cost, and a search maximises its objective; limit it ({limit}), "
                          f"or minimise it from Python with Objective({metric!r}, maximize=False)")
    return experiment


def _pairs(text: str) -> dict[str, Any]:
    """``a=1,b=x`` (or ``+``-joined) as a dict, values read as JSON where they are: what a user
    who wrote ``--strategy guided:a=1`` meant for --strategy-params."""
    out: dict[str, Any] = {}
    for pair in text.replace("+", ",").split(","):
        key, _, value = pair.partition("=")
        try:
            out[key.strip() or "PARAM"] = json.loads(value)
        except ValueError:
            out[key.strip() or "PARAM"] = value or "VALUE"
    return out


def _check_prior(prior: Any, evaluator: Any) -> None:
    """A prior that is the searched table itself would hand the search its answer."""
    from edgenas.estimate import TabularBenchmark
    from edgenas.estimate.tabular import resolve_table
    from edgenas.strategies.guided import split_prior_spec

    if not isinstance(prior, str) or not isinstance(evaluator, TabularBenchmark):
        return
    table = split_prior_spec(prior)[0]
    try:
        same = resolve_table(table).resolve() == evaluator.path.resolve()
    except EdgeNASError:
        return  # a missing prior table is reported when the strategy loads it
    if same:
        raise ConfigError(f"--prior {prior} is the searched table itself (--benchmark): the search would read "
                          "its answers; give a related task's table, e.g. nb201-cifar10 while searching another dataset")


def zero_shot_pick(experiment: Any, result: Any, benchmark: str | None) -> dict[str, Any] | None:
    """For a zero-shot (proxy) search over a space with a table: the top pick's true metrics,
    looked up in the table after the search (the search itself never reads it)."""
    from edgenas.estimate import TabularBenchmark
    from edgenas.estimate.proxies import ProxyEvaluator
    from edgenas.experiment import SHIPPED_ACCURACY, default_metric
    from edgenas.spaces import Arch

    table_id = benchmark or SHIPPED_ACCURACY.get(experiment.space.name)
    if not isinstance(experiment.evaluator, ProxyEvaluator) or table_id is None or result.best is None:
        return None
    table = TabularBenchmark(table_id, experiment.space)
    arch = Arch.from_json(result.best.arch)
    metric = default_metric(table)
    _, optimum = table.best(metric)
    return {"arch": experiment.space.format(arch), "proxy_metrics": result.best.metrics,
            "true_metrics": table.rows.get(arch, {}), "metric": metric, "table_optimum": optimum}


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
    strategy: str = typer.Option("guided", help="guided (local moves a GP picks), local, evolution, reinforce, "
                                 "random, grid, warm-local, bananas"),
    budget: int = typer.Option(100, min=1, help="distinct candidates to evaluate (earlier runs count)"),
    seed: int = typer.Option(0, min=0),
    latency_table: str = typer.Option(None, help="CSV of measured latencies (arch, latency_ms)"),
    max_latency_ms: float = typer.Option(None, min=0, help="hard latency limit (needs --latency-table)"),
    max_macs: float = typer.Option(None, min=0, help="hard MACs limit (profiled)"),
    max_params: float = typer.Option(None, min=0, help="hard parameter limit (profiled)"),
    max_peak_kb: float = typer.Option(None, min=0, help="SRAM: hard int8 peak-activation limit in kB (profiled)"),
    max_flash_kb: float = typer.Option(None, min=0, help="flash: hard int8 weight-size limit in kB (profiled)"),
    latency_predictor: str = typer.Option(None, help="a saved latency predictor (edgenas latency fit)"),
    evaluator: str = typer.Option("table", help="table (--benchmark accuracies), train (from scratch on --dataset), "
                                  "proxy:NAME[,NAME...] (zero-shot) or supernet:CHECKPOINT (inherited accuracy "
                                  "from `edgenas oneshot train`)"),
    device: str = typer.Option(None, help="measure latency on torch-cpu / onnxruntime-cpu / microcontroller"),
    dataset: str = typer.Option("fashion-mnist", help="--evaluator train (and supernet: its validation images): "
                                "fashion-mnist[:DIR], digits, cifar10:PATH, npz:PATH, PATH"),
    epochs: int = typer.Option(6, min=1, help="--evaluator train: epochs per candidate"),
    lr: float = typer.Option(0.05, help="--evaluator train: peak learning rate"),
    space_config: str = typer.Option("{}", help='space options as JSON, e.g. \'{"resolutions": [32]}\''),
    objective: str = typer.Option(None, help="metric to maximise (default: the table's accuracy)"),
    reward_target_ms: float = typer.Option(None, help="MnasNet reward acc*(lat/target)^w instead of acc"),
    reward_weight: float = typer.Option(-0.07, help="w of the MnasNet reward"),
    strategy_params: str = typer.Option("{}", help='JSON, e.g. \'{"population_size": 10}\''),
    prior: str = typer.Option(None, help="guided: a table of scores (CSV or shipped name, [:COLUMN]) the GP may "
                              "lean on, e.g. nb201-cifar10 when searching NB201 on another dataset; default "
                              "auto, the space's zero-cost scores (nb201-synflow); none: no prior"),
    storage: str = typer.Option(None, help="sqlite:///path.db (default sqlite:///runs/NAME.db)"),
    name: str = typer.Option(None, help="experiment name; the same name resumes the run"),
    executor: str = typer.Option("local", help="local or ray"),
    workers: int = typer.Option(2, min=1, help="parallel evaluations with --executor ray"),
    address: str = typer.Option(None, help="Ray address: auto joins a running cluster"),
    plot: Path = typer.Option(None, help="write the Pareto plot (PNG) here"),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Search a space for the best architecture under hardware limits; resumable by name."""
    params = parse_json_object(strategy_params, "--strategy-params")
    if prior is not None:
        if strategy != "guided":
            raise ConfigError(f"--prior works with --strategy guided (its GP leans on the table); got --strategy {strategy}")
        if "prior" in params:
            raise ConfigError("give the prior once: --prior or --strategy-params' \"prior\", not both")
        params["prior"] = prior
    space_kwargs = parse_json_object(space_config, "--space-config")
    experiment = build_experiment(
        space_name=space, benchmark=benchmark, strategy=strategy, seed=seed, name=name, storage=storage,
        latency_table=latency_table, max_latency_ms=max_latency_ms, max_macs=max_macs,
        max_params=max_params, max_peak_kb=max_peak_kb, max_flash_kb=max_flash_kb,
        latency_predictor=latency_predictor, evaluator_spec=evaluator, device=device, dataset=dataset, epochs=epochs,
        lr=lr, space_config=space_kwargs, objective=objective, executor=executor,
        workers=workers, address=address, strategy_params=params, reward_target=reward_target_ms,
        reward_weight=reward_weight,
    )
    if plot is not None:
        check_output(plot, "--plot", plot_suffixes())
        if experiment.pareto_metric() is None:
            raise ConfigError("--plot needs a cost to plot against: add --latency-table, --device, "
                              "--latency-predictor or a --max-* limit")
    if experiment.scorable is not None and not json:
        console.print(f"note: the tables given score {len(experiment.scorable):,} distinct networks of the space's "
                      f"{experiment.space.size():,} architectures; the search keeps to them")
    if experiment.cheap_constraints:
        with progress("checking the limits are reachable", json) as bar:
            task = bar.add_task("f", total=None)
            experiment.check_feasible(progress=lambda i, t: bar.update(task, completed=i, total=t))
    interrupt_hint.append(f"interrupted; every finished candidate is stored in {experiment.storage}. "
                          f"Resume with: {_resume_command(experiment.name)}")
    with progress(experiment.name, json, "best") as bar:
        task = bar.add_task(experiment.name, total=budget, best="-", completed=0)
        best = [float("-inf")]

        def update(record: Any, _: Any) -> None:
            metric = record.metrics.get(experiment.objective.metric)
            if record.fitness is not None and record.fitness > best[0]:
                best[0] = record.fitness
                bar.update(task, best=f"{metric:.4g}")
            bar.update(task, advance=1)

        result = experiment.run(budget, callback=update)
    interrupt_hint.clear()
    finished = [t for t in result.trials if t.state != "running"]
    if finished and all(t.state == "failed" for t in finished):
        first = min(finished, key=lambda t: t.number)
        raise EdgeNASError(f"all {len(finished)} evaluated candidates failed; the first error was: {first.error}")
    if plot is not None:
        from edgenas.experiment.plot import plot_pareto

        plot_pareto(result, plot, experiment.constraints)
    pick = zero_shot_pick(experiment, result, benchmark)
    if json:
        print_json(result.to_dict() | ({"zero_shot": pick} if pick else {}))
        return
    show_result(result)
    if pick:
        metric = pick["metric"]
        console.print(f"zero-shot top pick {pick['arch']}: true {metric} {pick['true_metrics'].get(metric, float('nan')):.3f} "
                      f"(table optimum {pick['table_optimum']:.3f}), looked up after the search")
    if plot is not None:
        console.print(f"Pareto plot: {plot}")
    console.print(f"stored in {experiment.storage} as {experiment.name!r}")


def _resume_command(name: str) -> str:
    """The command line this process was started with, naming the experiment."""
    import shlex
    import sys

    args = [a for a in sys.argv[1:]]
    if "--name" not in args and not any(a.startswith("--name=") for a in args):
        args += ["--name", name]
    return "edgenas " + " ".join(shlex.quote(a) for a in args)


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
        try:
            store = Store(url, create=False)
            found = store.experiments()
        except StoreError as exc:
            if storage:
                raise
            print(f"warning: skipped {url}: {exc}", file=sys.stderr)
            continue
        for name, config, count, _ in found:
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
    from edgenas.experiment import load_result

    result, config = load_result(name, storage)
    if json:
        print_json(result.to_dict() | {"config": config})
        return
    prior = config["strategy"].get("prior")  # what guided leaned on: it shapes the whole trajectory
    console.print(f"[bold]{name}[/bold]: {config['space']['name']} / {config['strategy']['name']} "
                  f"seed {config['strategy']['seed']}{f' (prior {prior})' if prior else ''}; "
                  f"constraints: {', '.join(config['constraints']) or 'none'}")
    show_result(result)
