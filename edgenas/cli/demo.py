"""`edgenas demo`: the main job on the embedded defaults."""

from __future__ import annotations

from pathlib import Path

import typer

from edgenas.cli._common import app, check_output, console
from edgenas.cli.search_cmd import show_result

__all__ = ["demo"]


@app.command("demo")
def demo(
    budget: int = typer.Option(200, min=1),
    max_latency_ms: float = typer.Option(4.0, min=0),
    seed: int = typer.Option(0, min=0),
    plot: Path = typer.Option(Path("runs/demo_pareto.png")),
) -> None:
    """Latency-constrained search on NAS-Bench-201: shipped CIFAR-10 accuracies and Raspberry
    Pi 5 latencies; prints the best cell under the limit and writes the Pareto plot."""
    from edgenas.estimate import TabularBenchmark
    from edgenas.experiment import create_experiment
    from edgenas.experiment.plot import plot_pareto

    check_output(plot, "--plot", (".png", ".pdf", ".svg"))
    experiment = create_experiment(
        name=f"demo-{max_latency_ms:g}ms-seed{seed}", space="nb201", evaluator="table:nb201-cifar10",
        objective="test_accuracy", costs=["latency-table:nb201-pi5-onnx"],
        constraints=[f"latency_ms<={max_latency_ms!r}"], seed=seed,
        storage="sqlite:///runs/demo.db",
    )
    console.print(f"[bold]Searching NAS-Bench-201[/bold] for the most accurate CIFAR-10 cell under "
                  f"{max_latency_ms:g} ms on a Raspberry Pi 5 (ONNX Runtime), guided local search, "
                  f"{budget} table queries, seed {seed}")
    result = experiment.run(budget)
    show_result(result)
    # the truth, read after the search: the best cell of the whole table under the limit
    accuracy = TabularBenchmark("nb201-cifar10", experiment.space)
    latency = TabularBenchmark("nb201-pi5-onnx", experiment.space, metrics=["latency_ms"])
    feasible = [a for a in accuracy.archs() if latency.evaluate(a)["latency_ms"] <= max_latency_ms]
    top = max(accuracy.evaluate(a)["test_accuracy"] for a in feasible)
    found = result.best.metrics["test_accuracy"] if result.best else float("nan")
    console.print(f"table optimum under {max_latency_ms:g} ms (all {len(feasible):,} feasible cells): "
                  f"{top:.3f}%; found {found:.3f}% (regret {top - found:.3f}) "
                  f"after {result.evaluated} of 15,625 cells")
    console.print(f"Pareto plot: {plot_pareto(result, plot, experiment.constraints)}")
    console.print(f"stored in {experiment.storage}; `edgenas runs show {experiment.name} "
                  f"--storage {experiment.storage}` reopens it")
