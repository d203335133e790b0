"""`edgenas predictor fit|eval`: accuracy predictors on benchmark tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer

from edgenas.cli._common import app, check_output, console, print_json
from edgenas.errors import ConfigError

__all__ = ["predictor_app"]

predictor_app = typer.Typer(help="Accuracy predictors: fit on a table, score on another.", no_args_is_help=True)
app.add_typer(predictor_app, name="predictor")


def _accuracy_data(space_name: str, path: str, metric: str | None) -> tuple[Any, list, np.ndarray]:
    from edgenas.estimate import TabularBenchmark
    from edgenas.experiment import default_metric
    from edgenas.spaces import create_space

    table = TabularBenchmark(path, create_space(space_name))
    target = metric or default_metric(table)
    if target not in table.metrics:
        raise ConfigError(f"--metric {target!r} is not a column of {path}; choose one of {', '.join(table.metrics)}")
    archs = table.archs()
    return table.space, archs, np.array([table.rows[a][target] for a in archs])


@predictor_app.command("fit")
def predictor_fit(space: str = typer.Option("nb201"), table: str = typer.Option(..., help="CSV with arch and accuracy"),
                  model: str = typer.Option("auto", help="auto (best hold-out Kendall), mlp, gbm, ensemble"),
                  metric: str = typer.Option(None), seed: int = typer.Option(0, min=0),
                  output: Path = typer.Option(..., "-o", "--output")) -> None:
    """Fit an accuracy predictor on every row of TABLE."""
    from edgenas.estimate.accuracy_predictor import AccuracyPredictor

    check_output(output, "-o")
    sp, archs, y = _accuracy_data(space, table, metric)
    predictor = AccuracyPredictor(sp, model, seed=seed).fit(archs, y)
    predictor.save(output)
    console.print(f"fitted {predictor.kind_} on {len(archs):,} architectures -> {output}")


@predictor_app.command("eval")
def predictor_eval(predictor: Path = typer.Option(...), table: str = typer.Option(...),
                   metric: str = typer.Option(None), json: bool = typer.Option(False, "--json")) -> None:
    """Score a saved accuracy predictor on TABLE: Spearman, Kendall, RMSE."""
    from edgenas.estimate.accuracy_predictor import AccuracyPredictor

    pred = AccuracyPredictor.load(predictor)
    _, archs, y = _accuracy_data(pred.space.name, table, metric)
    scores = pred.score(archs, y)
    scores = {k: scores[k] for k in ("spearman", "kendall", "rmse")}
    if json:
        print_json(scores)
        return
    for key, value in scores.items():
        console.print(f"{key:>9}: {value:.4f}")
