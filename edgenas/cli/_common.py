"""Shared CLI pieces: the app, the console, parsing helpers and JSON output."""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from edgenas.errors import ConfigError

__all__ = ["app", "console", "print_json", "parse_arch", "parse_ints", "parse_floats", "parse_json_object", "load_space_data", "load_object", "progress",
           "check_output", "interrupt_hint", "plot_suffixes"]

app = typer.Typer(
    name="edgenas",
    help="Hardware-aware neural architecture search for edge and tiny devices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Without a terminal (a log, a pipe, CI) nothing is wrapped: architecture strings and printed
# commands stay on one line, so they can be copied back.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 10_000)

# What the CLI prints when Ctrl-C stops a command (a command that can resume sets it).
interrupt_hint: list[str] = []


class PlainProgress:
    """The part of rich's `Progress` the commands use, as plain lines on stderr every
    ``every`` seconds (and at the end): long work shows it is alive in a log."""

    def __init__(self, label: str, every: float = 10.0) -> None:
        self.label, self.every = label, every
        self.tasks: dict[int, dict[str, Any]] = {}
        self.start = self.last = time.monotonic()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.last != self.start:  # long work: say how it ended
            for task in self.tasks.values():
                self._line(task)

    def add_task(self, description: str, total: float | None = None, completed: float = 0, **fields: Any) -> int:
        self.tasks[len(self.tasks)] = {"total": total, "completed": completed, **fields}
        return len(self.tasks) - 1

    def update(self, task: int, *, completed: float | None = None, advance: float | None = None,
               **fields: Any) -> None:
        state = self.tasks[task]
        if completed is not None:
            state["completed"] = completed
        if advance is not None:
            state["completed"] += advance
        state.update(fields)
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(state)

    def _line(self, state: dict[str, Any]) -> None:
        total = f"/{state['total']:g}" if state.get("total") else ""
        extra = "".join(f" {k} {v}" for k, v in state.items() if k not in ("total", "completed"))
        print(f"{self.label}: {state['completed']:g}{total} after {time.monotonic() - self.start:.0f} s{extra}",
              file=sys.stderr, flush=True)


def progress(label: str, quiet: bool = False, *fields: str) -> Progress | PlainProgress:
    """A progress display: a bar on a terminal, periodic plain lines otherwise, nothing when
    ``quiet`` (machine-readable output). ``fields`` are extra task fields shown after the count."""
    if console.is_terminal:
        columns = [TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                   *(TextColumn(f"{f} {{task.fields[{f}]}}") for f in fields), TimeElapsedColumn()]
        return Progress(*columns, console=console, transient=True, disable=quiet)
    if quiet:
        return Progress(console=console, disable=True)
    return PlainProgress(label)


def plot_suffixes() -> tuple[str, ...]:
    """File extensions matplotlib can write."""
    from matplotlib.figure import Figure

    return tuple(f".{ext}" for ext in Figure().canvas.get_supported_filetypes())


def check_output(path: Path | str, what: str, suffixes: tuple[str, ...] | None = None) -> Path:
    """Fail *before* the work when ``path`` cannot be written: its folder must be creatable and
    writable, and its extension one of ``suffixes`` when given."""
    import os
    import tempfile

    path = Path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise ConfigError(f"{what} {str(path)!r} must end in one of {', '.join(suffixes)}")
    if path.is_dir():
        raise ConfigError(f"{what} {str(path)!r} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=".edgenas-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"cannot write {what} {str(path)!r}: {exc.strerror or exc}; choose a writable folder") from None
    return path


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, nothing else."""
    typer.echo(json.dumps(data, indent=2, default=float))


def parse_ints(text: str, what: str) -> list[int]:
    """``1,3,224,224`` or ``1x3x224x224``; an empty item (``1,3,x``) is refused, not skipped."""
    if not text.strip():
        raise ConfigError(f"{what} is empty; give comma-separated integers, e.g. 1,3,224,224")
    try:
        return [int(v) for v in text.replace("x", ",").split(",")]
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not a comma-separated list of integers, e.g. 1,3,224,224") from None


def parse_floats(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not a comma-separated list of numbers, e.g. 0.3,0.5") from None
    if not values:
        raise ConfigError(f"{what} is empty; give comma-separated numbers, e.g. 0.3,0.5")
    return values


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """A JSON object given on the command line (space options, strategy parameters)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} is not JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{what} must be a JSON object of options, got {text}")
    return value


def parse_arch(space: Any, text: str) -> Any:
    """--arch: the space's string form, ``random:SEED`` (a seeded sample) or ``default`` (every
    choice's first value)."""
    import numpy as np

    if text == "default":
        return space.validate({key: values[0] for key, values in space.choices.items()})
    if text.startswith("random:"):
        seed_text = text.split(":", 1)[1]
        if not seed_text.isdigit():
            raise ConfigError(f"--arch {text!r}: write random:SEED with a non-negative integer seed, e.g. random:0")
        return space.sample(np.random.default_rng(int(seed_text)))
    return space.parse(text)


def load_space_data(dataset: str, space: Any, seed: int, train_size: int = 0, resolution: int | None = None) -> Any:
    """``dataset`` at ``resolution`` (default: the space's largest), optionally its first
    ``train_size`` training images."""
    from dataclasses import replace

    from edgenas.data import check_dataset, load_dataset

    check_dataset(dataset)
    data = load_dataset(dataset, resolution=resolution or max(space.resolutions), seed=seed)
    if train_size:
        if train_size > len(data.x_train):
            raise ConfigError(f"--train-size {train_size} is more than the {len(data.x_train)} training images of {dataset}")
        data = replace(data, x_train=data.x_train[:train_size], y_train=data.y_train[:train_size])
    return data


def load_object(spec: str) -> Any:
    """Import ``package.module:attribute``."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"{spec!r} is not of the form package.module:factory")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name!r} ({exc}); is it on PYTHONPATH?") from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing
        where = f" at line {exc.lineno}" if isinstance(exc, SyntaxError) else ""
        raise ConfigError(f"importing {module_name!r} failed{where}: {type(exc).__name__}: {exc}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"module {module_name!r} has no attribute {attr!r}") from None
