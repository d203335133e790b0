"""Rank correlation of proxies with a benchmark table, resumable through a JSON-lines cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from edgenas.errors import ConfigError, DataError
from edgenas.estimate.proxies._base import ensemble_scores
from edgenas.estimate.proxies.evaluator import DEFAULT_ENSEMBLE, ProxyEvaluator
from edgenas.estimate.tabular import TabularBenchmark
from edgenas.spaces import Arch

__all__ = ["correlate_proxies", "sample_archs"]


def sample_archs(table: TabularBenchmark, sample: int, seed: int) -> list[Arch]:
    """The ``sample`` random rows of ``table`` a proxy study with this seed scores, in order."""
    every = table.archs()
    return [every[i] for i in np.random.default_rng(seed).permutation(len(every))[: min(sample, len(every))]]


def correlate_proxies(table: TabularBenchmark, metric: str, proxies: list[str], *, sample: int, seed: int = 0,
                      data: str = "digits", num_classes: int = 10, cache: str | Path | None = None,
                      ensemble: tuple[str, ...] = DEFAULT_ENSEMBLE,
                      progress: Callable[[int, int], None] | None = None,
                      device: str = "cpu", archs: list[Arch] | None = None) -> dict[str, dict[str, float]]:
    """Score ``sample`` random architectures of ``table`` (or exactly ``archs``, rows of it)
    with each proxy and correlate with ``metric``. Every scored architecture is appended to
    ``cache`` before the next one starts, so an interrupted run resumes where it stopped."""
    from scipy import stats  # here, not at the top: it cost every command ~0.6 s to start

    space = table.space
    wants_ensemble = "ensemble" in proxies
    base = [p for p in proxies if p != "ensemble"]
    if wants_ensemble:
        base += [p for p in ensemble if p not in base]
    if archs is None and not 2 <= sample <= len(table.rows):
        raise ConfigError(f"sample must be between 2 (a correlation needs two points) and the table's "
                          f"{len(table.rows)} rows, got {sample}")
    chosen = sample_archs(table, sample, seed) if archs is None else list(archs)
    evaluator = ProxyEvaluator(space, base, data=data, num_classes=num_classes, seed=seed, device=device)
    done: dict[str, dict[str, float]] = {}
    seconds: dict[str, list[float]] = {p: [] for p in base}
    path = Path(cache) if cache else None
    # everything that changes a score: a cache written under other settings is refused
    settings = {"space": space.name, "space_params": space.get_params(), "data": data,
                "num_classes": num_classes, "seed": seed}
    if path and path.exists() and path.stat().st_size:
        lines = path.read_text().splitlines()
        try:
            header = json.loads(lines[0]).get("settings") if lines and lines[0].strip() else None
        except (json.JSONDecodeError, AttributeError):
            header = None
        if header is None:
            raise DataError(f"{path} is not a proxy score cache (no settings line); delete it or give another --cache")
        if header != settings:
            diff = ", ".join(f"{k}={header.get(k)!r}" for k in settings if header.get(k) != settings[k])
            raise DataError(f"{path} holds scores computed with {diff}; give another --cache for these settings")
        for line_no, line in enumerate(lines[1:], 2):
            try:
                row = json.loads(line)
                done[row["arch"]] = row["scores"]
                for p, s in row.get("seconds", {}).items():
                    seconds.setdefault(p, []).append(s)
            except (json.JSONDecodeError, KeyError, TypeError):
                if line_no == len(lines):  # cut off by a crash while writing: score it again
                    path.write_text("\n".join(lines[:-1]) + "\n")
                    break
                raise DataError(f"{path}:{line_no} is not a proxy cache line; delete the file to start over") from None
    elif path:
        path.write_text(json.dumps({"settings": settings}) + "\n")
    for i, arch in enumerate(chosen):
        key = space.format(arch)
        missing = [p for p in base if p not in done.get(key, {})]
        if missing:
            before = dict(evaluator.seconds)
            scores = evaluator.scores(arch, missing)
            took = {p: evaluator.seconds[p] - before.get(p, 0.0) for p in missing}
            done.setdefault(key, {}).update({p: scores[p] for p in missing})
            for p, s in took.items():
                seconds[p].append(s)
            if path:
                with path.open("a") as f:
                    f.write(json.dumps({"arch": key, "scores": done[key], "seconds": took}) + "\n")
        if progress:
            progress(i + 1, len(chosen))
    truth = np.array([table.rows[a][metric] for a in chosen])
    keys = [space.format(a) for a in chosen]
    out: dict[str, dict[str, float]] = {}
    for p in base:
        values = np.array([done[k][p] for k in keys])
        out[p] = {"spearman": float(stats.spearmanr(values, truth).statistic),
                  "kendall": float(stats.kendalltau(values, truth).statistic),
                  "seconds_per_arch": float(np.mean(seconds[p])) if seconds[p] else float("nan")}
    if wants_ensemble:
        combined = ensemble_scores({p: [done[k][p] for k in keys] for p in ensemble})
        out["ensemble"] = {"spearman": float(stats.spearmanr(combined, truth).statistic),
                           "kendall": float(stats.kendalltau(combined, truth).statistic),
                           "seconds_per_arch": float(sum(out[p]["seconds_per_arch"] for p in ensemble))}
    return out
