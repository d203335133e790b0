"""Shared CLI pieces: the app, the console, parsing helpers and JSON output."""

from __future__ import annotations

import importlib
import json
from typing import Any

import typer
from rich.console import Console

from edgenas.errors import ConfigError

__all__ = ["app", "console", "print_json", "parse_ints", "parse_floats", "load_object"]

app = typer.Typer(
    name="edgenas",
    help="Hardware-aware neural architecture search for edge and tiny devices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, nothing else."""
    typer.echo(json.dumps(data, indent=2, default=float))


def parse_ints(text: str, what: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace("x", ",").split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not a comma-separated list of integers, e.g. 1,3,224,224") from None
    if not values:
        raise ConfigError(f"{what} is empty; give comma-separated integers, e.g. 1,3,224,224")
    return values


def parse_floats(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not a comma-separated list of numbers, e.g. 0.3,0.5") from None
    if not values:
        raise ConfigError(f"{what} is empty; give comma-separated numbers, e.g. 0.3,0.5")
    return values


def load_object(spec: str) -> Any:
    """Import ``package.module:attribute``."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"{spec!r} is not of the form package.module:factory")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name!r} ({exc}); is it on PYTHONPATH?") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"module {module_name!r} has no attribute {attr!r}") from None
