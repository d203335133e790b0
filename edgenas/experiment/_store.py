"""The experiment store: every asked and every evaluated candidate, durable before the next ask.

Contract (as Optuna's storages): a trial is written as ``running`` when asked and becomes
``complete`` or ``failed`` when told; finished trials never change; each write is its own
committed transaction (SQLite, WAL journal), so a process killed at any moment loses at most
the evaluation in flight. ``ask_seq`` / ``tell_seq`` record the order of asks and tells so a
strategy can be rebuilt by replaying them exactly.

URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or ``sqlite://:memory:``.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgenas.errors import StoreError

__all__ = ["Store", "TrialRecord", "default_storage", "store_path"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
    name TEXT PRIMARY KEY, config TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    experiment TEXT NOT NULL, number INTEGER NOT NULL, arch TEXT NOT NULL,
    state TEXT NOT NULL, metrics TEXT, fitness REAL, ask_seq INTEGER NOT NULL,
    tell_seq INTEGER, error TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    started REAL, finished REAL,
    PRIMARY KEY (experiment, number));
"""


def default_storage(name: str) -> str:
    return f"sqlite:///runs/{name}.db"


@dataclass
class TrialRecord:
    number: int
    arch: str
    state: str  # running | complete | failed
    metrics: dict[str, float] = field(default_factory=dict)
    fitness: float | None = None
    ask_seq: int = 0
    tell_seq: int | None = None
    error: str | None = None
    attempts: int = 0
    seconds: float | None = None


def store_path(url: str) -> str:
    if url == "sqlite://:memory:":
        return ":memory:"
    prefix = "sqlite:///"
    if not url.startswith(prefix) or not url[len(prefix):].strip("/"):  # sqlite:/// alone: a throw-away temp file
        raise StoreError(f"storage URL {url!r} is not supported; use sqlite:///path/to/file.db")
    return url[len(prefix):]


class _Lock:
    def __init__(self, path: str | None, name: str) -> None:
        self.handle = None
        if path is None:
            return
        import fcntl

        self.handle = open(path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            self.handle = None
            raise StoreError(f"experiment {name!r} is being run by {holder}; wait for it to finish "
                             "or choose another --name") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"process {os.getpid()}")
        self.handle.flush()

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the descriptor drops the flock
            self.handle = None


class Store:
    """SQLite-backed store of experiments and their trials."""

    def __init__(self, url: str, *, create: bool = True, read_only: bool = False) -> None:
        """``read_only`` opens an existing store through SQLite's read-only mode (a dashboard
        beside a running search): nothing is created, migrated or written, even on a writable file."""
        self.url = url
        path = store_path(url)
        if path != ":memory:":
            file = Path(path)
            if not file.exists() and (not create or read_only):
                raise StoreError(f"no store at {path}; run a search first or check --storage")
            if not read_only:
                file.parent.mkdir(parents=True, exist_ok=True)
        try:
            if read_only:
                self.conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30,
                                            isolation_level=None)
                self._check_schema(path, integrity=False)
                return
            self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
            if self.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone() is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            self._check_schema(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path} is not a readable edgenas store ({exc}); move it away or choose another --storage"
            ) from None

    def _check_schema(self, path: str, integrity: bool = True) -> None:
        """The schema version, and (before anything writes) SQLite's integrity check. A read-only
        opener (the dashboard, once a second) skips the latter: it reads the whole file, and a
        damaged page fails the read that reaches it anyway, as a StoreError."""
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None or int(row[0]) != SCHEMA_VERSION:
                found = "no schema" if row is None else f"store schema {row[0]}"
                raise StoreError(f"{path} has {found}, this edgenas reads {SCHEMA_VERSION}")
            if not integrity:
                return
            check = self.conn.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path} is not a readable edgenas store ({exc}); move it away or choose another --storage"
            ) from None
        if check is None or check[0] != "ok":
            raise StoreError(f"{path} fails SQLite's integrity check ({check[0] if check else 'no answer'}); "
                             "move it away or choose another --storage")

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot write to {self.url}: {exc}") from None

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read {self.url}: {exc}; the store may be corrupted") from None

    # -- experiments ------------------------------------------------------------------
    def experiment_config(self, name: str) -> dict[str, Any] | None:
        rows = self._read("SELECT config FROM experiments WHERE name=?", (name,))
        if not rows:
            return None
        try:
            return json.loads(rows[0][0])
        except json.JSONDecodeError:
            raise StoreError(f"experiment {name!r} in {self.url} has a corrupted config") from None

    def create_experiment(self, name: str, config: dict[str, Any]) -> None:
        self._write("INSERT INTO experiments VALUES (?, ?, ?)", (name, json.dumps(config, sort_keys=True), time.time()))

    def lock(self, name: str) -> _Lock:
        """An exclusive lock on experiment ``name`` for this process (released at exit or crash):
        two processes appending to one experiment would interleave their trial numbers."""
        path = store_path(self.url)
        return _Lock(None if path == ":memory:" else f"{path}.{name}.lock", name)

    def experiments(self) -> list[tuple[str, dict[str, Any], int, float]]:
        rows = self._read(
            "SELECT e.name, e.config, e.created, "
            "(SELECT COUNT(*) FROM trials t WHERE t.experiment=e.name AND t.state!='running') "
            "FROM experiments e ORDER BY e.created"
        )
        return [(name, json.loads(cfg), count, created) for name, cfg, created, count in rows]

    def stamps(self) -> dict[str, list[float]]:
        """Per experiment: rows and the latest start or finish time; moves with every write."""
        rows = self._read("SELECT experiment, COUNT(*), MAX(MAX(COALESCE(finished, 0), COALESCE(started, 0))) "
                          "FROM trials GROUP BY experiment")
        return {name: [count, latest or 0] for name, count, latest in rows}

    # -- trials -----------------------------------------------------------------------
    def add_trial(self, experiment: str, number: int, arch: str, ask_seq: int) -> None:
        self._write(
            "INSERT INTO trials (experiment, number, arch, state, ask_seq, started) VALUES (?, ?, ?, 'running', ?, ?)",
            (experiment, number, arch, ask_seq, time.time()),
        )

    def finish_trial(self, experiment: str, number: int, *, metrics: dict[str, float], fitness: float,
                     tell_seq: int, error: str | None = None, attempts: int = 1) -> None:
        state = "failed" if error else "complete"
        self._write(
            "UPDATE trials SET state=?, metrics=?, fitness=?, tell_seq=?, error=?, attempts=?, finished=? "
            "WHERE experiment=? AND number=? AND state='running'",
            (state, json.dumps(metrics), None if not math.isfinite(fitness) else fitness, tell_seq,
             error, attempts, time.time(), experiment, number),
        )

    def trials(self, experiment: str) -> list[TrialRecord]:
        rows = self._read(
            "SELECT number, arch, state, metrics, fitness, ask_seq, tell_seq, error, attempts, started, finished "
            "FROM trials WHERE experiment=? ORDER BY number",
            (experiment,),
        )
        out = []
        for number, arch, state, metrics, fitness, ask_seq, tell_seq, error, attempts, started, finished in rows:
            try:
                parsed = json.loads(metrics) if metrics else {}
            except json.JSONDecodeError:
                raise StoreError(f"trial {number} of {experiment!r} has corrupted metrics") from None
            seconds = finished - started if finished and started else None
            out.append(TrialRecord(number, arch, state, parsed, -math.inf if fitness is None and state != "running" else fitness,
                                   ask_seq, tell_seq, error, attempts, seconds))
        return out

    def close(self) -> None:
        self.conn.close()
