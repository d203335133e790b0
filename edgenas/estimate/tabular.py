"""Benchmark tables as evaluators: a CSV with an ``arch`` column and numeric metric columns."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import zlib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from edgenas.errors import ArchError, ConfigError, DataError
from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.spaces import Arch, SearchSpace

__all__ = ["TabularBenchmark", "SHIPPED_TABLES", "LATENCY_SOURCES", "shipped_table", "resolve_table", "table_stamp"]

SHIPPED_TABLES = {
    "nb201-cifar10": "nb201_cifar10_accuracy.csv.gz",
    "nb201-pi5-onnx": "nb201_pi5_onnx_latency.csv.gz",
    "nb201-synflow": "nb201_synflow.csv.gz",
    # latency sources timed on the development machine (x86, 1 thread): one per runtime, so that
    # a board running the same runtime has a source of its own kind for `latency fit --from`
    "nb201-x86-onnx": "nb201_x86_onnx_latency.csv.gz",
    "nb201-x86-torch": "nb201_x86_torch_latency.csv.gz",
    "nb201-x86-torchscript": "nb201_x86_torchscript_latency.csv.gz",
}
# The shipped latency tables of each space, as `latency fit --from` sources.
LATENCY_SOURCES = {"nb201": ("nb201-pi5-onnx", "nb201-x86-onnx", "nb201-x86-torch", "nb201-x86-torchscript")}
# Columns that describe a row rather than measure it.
_LABELS = {"index", "arch", "measured_index", "measured_arch"}
# Tables parsed in this process, by file (path, mtime, size), space and columns: parsing
# 15,625 architecture strings takes seconds, and a benchmark or a resumed run builds the same
# table again and again. A changed file has another key.
_PARSED: dict[tuple, tuple[tuple[str, ...], dict[Arch, dict[str, float]], dict[Arch, str]]] = {}
_PARSED_KEEP = 8


def shipped_table(key: str) -> Path:
    """Path of a table shipped with the package (see ``estimate/tables/README.md``)."""
    if key not in SHIPPED_TABLES:
        raise ConfigError(f"unknown shipped table {key!r}; choose one of {', '.join(SHIPPED_TABLES)}")
    return Path(str(resources.files("edgenas.estimate") / "tables" / SHIPPED_TABLES[key]))


def resolve_table(spec: str | Path) -> Path:
    """A file path, or the name of a shipped table."""
    if isinstance(spec, str) and spec in SHIPPED_TABLES:
        return shipped_table(spec)
    path = Path(spec)
    if not path.is_file():
        raise DataError(f"table {str(spec)!r} not found; give a CSV path or one of {', '.join(SHIPPED_TABLES)}")
    return path


def table_stamp(path: Path, space: SearchSpace) -> tuple:
    """What decides a table read for a space: the file (where, when changed, how large) and
    the space's configuration; a key for what is derived from the table and kept in a process."""
    stat = path.stat()
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size, space.name,
            json.dumps(space.get_params(), sort_keys=True, default=str))


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise DataError(f"cannot read table {path}: {exc or type(exc).__name__} (truncated or corrupt?)") from None


@register_evaluator
class TabularBenchmark(Evaluator):
    """Looks architectures up in a measured table; ``queries`` counts the distinct ones asked.

    Every numeric column other than ``index`` / ``measured_index`` is a metric. Values must be
    finite numbers; columns named ``*latency*`` or ``*_ms`` must be positive. ``measured_arch``
    (one network that ran per isomorphism class) is kept for latency predictors.
    """

    def __init__(self, path: str | Path, space: SearchSpace, *, metrics: list[str] | None = None,
                 cheap: bool = False) -> None:
        self.path = resolve_table(path)
        # a shipped table's id stays an id (the run resumes on another install); a file is absolute
        self.source = path if isinstance(path, str) and path in SHIPPED_TABLES else str(self.path.resolve())
        self.space = space
        self.cheap = cheap
        self.queried: set[Arch] = set()
        self._classes: dict[str, Arch] | None = None  # equivalence key -> a listed arch, built on a miss
        key = table_stamp(self.path, space) + (None if metrics is None else tuple(metrics),)
        if key not in _PARSED:
            if len(_PARSED) >= _PARSED_KEEP:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[key] = self._load(metrics)
        self.metrics, rows, measured = _PARSED[key]
        # each instance its own mappings (the row values are never changed: `evaluate` copies them)
        self.rows, self.measured = dict(rows), dict(measured)

    def get_params(self) -> dict[str, Any]:
        return {"type": "TabularBenchmark", "path": self.source, "metrics": list(self.metrics),
                "cheap": self.cheap}

    def _load(self, wanted: list[str] | None) -> tuple[tuple[str, ...], dict[Arch, dict[str, float]], dict[Arch, str]]:
        """Parse the file: (metric columns, values by architecture, measured network by architecture)."""
        reader = csv.DictReader(io.StringIO(_read_text(self.path)))
        header = reader.fieldnames or []
        if "arch" not in header:
            raise DataError(f"{self.path}: no 'arch' column (found: {', '.join(header) or 'nothing'})")
        numeric = [c for c in header if c not in _LABELS]
        if wanted is not None:
            missing = [m for m in wanted if m not in numeric]
            if missing:
                raise DataError(f"{self.path}: missing column(s) {', '.join(missing)} (found: {', '.join(header)})")
            numeric = list(wanted)
        if not numeric:
            raise DataError(f"{self.path}: no metric columns besides {', '.join(header)}")
        rows: dict[Arch, dict[str, float]] = {}
        measured: dict[Arch, str] = {}
        positive = {c for c in numeric if "latency" in c or c.endswith("_ms")}
        cache: dict[str, Arch] = {}
        for line, row in enumerate(reader, start=2):
            text = row.get("arch") or ""
            try:
                arch = cache.get(text) or self.space.parse(text)
            except ArchError as exc:
                raise DataError(f"{self.path}:{line}: {exc}") from None
            cache[text] = arch
            values = {}
            for col in numeric:
                cell = row.get(col)
                try:
                    value = float(cell) if cell not in (None, "") else math.nan
                except ValueError:
                    raise DataError(f"{self.path}:{line}: {col}={cell!r} is not a number") from None
                if not math.isfinite(value):
                    raise DataError(f"{self.path}:{line}: {col} is missing or not finite ({cell!r})")
                if col in positive and value <= 0:
                    raise DataError(f"{self.path}:{line}: {col}={value} must be positive")
                values[col] = value
            if arch in rows:
                raise DataError(f"{self.path}:{line}: architecture {text} appears twice")
            rows[arch] = values
            if row.get("measured_arch"):
                measured[arch] = row["measured_arch"]
        if not rows:
            raise DataError(f"{self.path}: the table has no rows")
        return tuple(numeric), rows, measured

    # -- evaluator ------------------------------------------------------------------
    def evaluate(self, arch: Arch) -> dict[str, float]:
        """The row of ``arch``, or of a listed architecture that computes the same function (a
        table of part of the space may list another cell of the class a search asks)."""
        values = self.rows.get(arch)
        if values is None:
            try:
                key = self.space.equivalence_key(arch)
            except (KeyError, TypeError):  # not an architecture of this space: say what it lacks
                self.space.validate(arch)
                raise
            listed = self._by_class().get(key)
            if listed is None:
                raise ArchError(f"{self.space.format(arch)} is not in {self.path}")
            values = self.rows[listed]
        self.queried.add(arch)
        return dict(values)

    def _by_class(self) -> dict[str, Arch]:
        if self._classes is None:
            self._classes = {}
            for arch in self.rows:
                self._classes.setdefault(self.space.equivalence_key(arch), arch)
        return self._classes

    def __contains__(self, arch: object) -> bool:
        return arch in self.rows

    @property
    def queries(self) -> int:
        """Distinct architectures looked up so far."""
        return len(self.queried)

    # -- whole-table views ---------------------------------------------------------
    def archs(self) -> list[Arch]:
        return list(self.rows)

    def candidates(self) -> list[Arch]:
        return self.archs()

    def column(self, metric: str) -> np.ndarray:
        if metric not in self.metrics:
            raise DataError(f"{self.path}: no column {metric!r} (metrics: {', '.join(self.metrics)})")
        return np.array([v[metric] for v in self.rows.values()])

    def best(self, metric: str, maximize: bool = True) -> tuple[Arch, float]:
        pick = max if maximize else min
        arch = pick(self.rows, key=lambda a: self.rows[a][metric])
        return arch, self.rows[arch][metric]
