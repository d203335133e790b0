"""Rank correlation of proxies with a benchmark table, resumable through a JSON-lines cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import stats

from edgenas.errors import DataError
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
    space = table.space
    wants_ensemble = "ensemble" in proxies
    base = [p for p in proxies if p != "ensemble"]
    if wants_ensemble:
        base += [p for p in ensemble if p not in base]
    chosen = sample_archs(table, sample, seed) if archs is None else list(archs)
    evaluator = ProxyEvaluator(space, base, data=data, num_classes=num_classes, seed=seed, device=device)
    done: dict[str, dict[str, float]] = {}
    seconds: dict[str, list[float]] = {p: [] for p in base}
    path = Path(cache) if cache else None
    if path and path.exists():
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            try:
                row = json.loads(line)
                done[row["arch"]] = row["scores"]
                for p, s in row.get("seconds", {}).items():
                    seconds.setdefault(p, []).append(s)
            except (json.JSONDecodeError, KeyError):
                raise DataError(f"{path}:{line_no} is not a proxy cache line; delete the file to start over") from None
    for i, arch in enumerate(chosen):
        key = space.format(arch)
        missing = [p for p in base if p not in done.get(key, {})]
        if missing:
            evaluator.proxies = missing
            before = dict(evaluator.seconds)
            scores = evaluator.evaluate(arch)
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
