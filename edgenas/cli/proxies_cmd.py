"""`edgenas proxies eval` and `edgenas proxies list`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from edgenas.cli._common import app, check_output, console, print_json, progress
from edgenas.errors import ConfigError

__all__ = ["proxies_app"]

proxies_app = typer.Typer(help="Zero-cost proxies: rank architectures without training.", no_args_is_help=True)
app.add_typer(proxies_app, name="proxies")


@proxies_app.command("list")
def list_cmd() -> None:
    """Every proxy, the data it uses by default and its batch size."""
    from edgenas.estimate.proxies import PROXIES

    table = Table(title="zero-cost proxies")
    for col in ("name", "data", "batch", "definition"):
        table.add_column(col)
    for p in sorted(PROXIES.values(), key=lambda p: p.name):
        table.add_row(p.name, p.data, str(p.batch_size), p.doc)
    console.print(table)


@proxies_app.command("eval")
def eval_cmd(
    space: str = typer.Option("nb201"),
    benchmark: str = typer.Option("nb201-cifar10", help="accuracy table (CSV path or shipped name)"),
    proxies: str = typer.Option("params,synflow,meco,jacob_cov,ensemble", help="comma-separated; 'ensemble' adds the rank aggregate"),
    sample: int = typer.Option(100, help="random architectures of the table to score"),
    seed: int = typer.Option(0, min=0),
    data: str = typer.Option("digits", help="digits, noise, or a dataset path (cifar10:PATH, npz:PATH...)"),
    num_classes: int = typer.Option(10, min=1, help="classifier width: 10 / 100 / 120 for the NB201 datasets"),
    metric: str = typer.Option(None, help="table column (default: its accuracy column)"),
    ensemble: str = typer.Option("meco,jacob_cov,synflow", help="proxies the ensemble aggregates"),
    cache: Path = typer.Option(None, help="JSON-lines file of scores; an interrupted run resumes from it"),
    device: str = typer.Option("cpu", help="torch device the proxies run on (cpu, cuda)"),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Spearman / Kendall of each proxy with the table's accuracy, and seconds per architecture."""
    from edgenas.data import check_dataset
    from edgenas.estimate import TabularBenchmark
    from edgenas.estimate.proxies import get_proxy
    from edgenas.estimate.proxies.study import correlate_proxies
    from edgenas.experiment import default_metric
    from edgenas.spaces import create_space

    for name in [*proxies.split(","), *ensemble.split(",")]:
        if name.strip() and name.strip() != "ensemble":
            get_proxy(name.strip())

    if data != "noise":
        check_dataset(data)
    table = TabularBenchmark(benchmark, create_space(space))
    target = metric or default_metric(table)
    if target not in table.metrics:
        raise ConfigError(f"--metric {target!r} is not a column of {benchmark}; choose one of {', '.join(table.metrics)}")
    names = [p.strip() for p in proxies.split(",") if p.strip()]
    cache = cache or Path("runs") / f"proxies-{space}-seed{seed}-{data.replace(':', '_').replace('/', '_')}.jsonl"
    check_output(cache, "--cache")
    with progress("scoring", json) as bar:
        task = bar.add_task("p", total=sample)
        result = correlate_proxies(table, target, names, sample=sample, seed=seed, data=data,
                                   num_classes=num_classes, cache=cache, ensemble=tuple(ensemble.split(",")),
                                   progress=lambda i, t: bar.update(task, completed=i), device=device)
    if json:
        print_json(result)
        return
    out = Table(title=f"{sample} {space} architectures vs {target} ({table.path.name}); data: {data}")
    for col in ("proxy", "Spearman", "Kendall", "s / arch"):
        out.add_column(col, justify="right")
    for name, r in result.items():
        out.add_row(name, f"{r['spearman']:.3f}", f"{r['kendall']:.3f}", f"{r['seconds_per_arch']:.3f}")
    console.print(out)
    console.print(f"scores cached in {cache}")
