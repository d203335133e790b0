"""Proxy registry, the common `score` wrapper, and rank-aggregation ensembles.

A proxy maps (model at initialisation, a batch) to a number, higher = predicted better. The
wrapper copies the model (the caller's is never touched), seeds every random draw, and turns a
degenerate result (NaN, inf, a network whose output ignores its input) into ``WORST``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from edgenas.errors import ConfigError

__all__ = ["WORST", "Proxy", "PROXIES", "register_proxy", "get_proxy", "list_proxies", "score",
           "ensemble_scores", "weight_layers"]

WORST = -1e30  # the score of a degenerate network: finite, so JSON and rankings stay simple

Batch = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Proxy:
    name: str
    fn: Callable[[nn.Module, Batch], float]
    data: str  # "none" (data-free), "noise" (its own Gaussian input) or "images"
    batch_size: int
    doc: str
    reads_only: bool = False  # only reads the model's structure: no copy needed


PROXIES: dict[str, Proxy] = {}


def register_proxy(name: str, *, data: str, batch_size: int, reads_only: bool = False) -> Callable:
    def add(fn: Callable[[nn.Module, Batch], float]) -> Callable[[nn.Module, Batch], float]:
        PROXIES[name] = Proxy(name, fn, data, batch_size, (fn.__doc__ or "").strip().splitlines()[0], reads_only)
        return fn

    return add


def get_proxy(name: str) -> Proxy:
    if name not in PROXIES:
        raise ConfigError(f"unknown proxy {name!r}; choose from {', '.join(list_proxies())}, ensemble")
    return PROXIES[name]


def list_proxies() -> list[str]:
    return sorted(PROXIES)


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """The scored layers: every Conv2d / Linear (the papers' definition of theta)."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def score(name: str, model: nn.Module, batch: Batch, *, seed: int = 0) -> float:
    """Score ``model`` (left unchanged) with proxy ``name`` on ``batch``; higher is better."""
    proxy = get_proxy(name)
    x, y = batch
    work = model if proxy.reads_only else copy.deepcopy(model)
    with torch.random.fork_rng(devices=[x.device] if x.device.type == "cuda" else []):
        torch.manual_seed(seed)
        try:
            value = float(proxy.fn(work, (x[: proxy.batch_size], y[: proxy.batch_size])))
        except (RuntimeError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            return WORST  # e.g. a singular kernel of a network whose output is constant
    return value if math.isfinite(value) else WORST


def ensemble_scores(scores: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Sum over proxies of log(rank) within the candidate set (rank 1 = worst): a candidate
    must be good on every proxy to score high, and no proxy's scale matters."""
    from scipy import stats  # here, not at the top: it cost every command ~0.6 s to start

    if not scores:
        raise ConfigError("an ensemble needs at least one proxy")
    total = None
    for values in scores.values():
        ranks = stats.rankdata(np.asarray(values, dtype=np.float64), method="average")
        total = np.log(ranks) if total is None else total + np.log(ranks)
    return total


def reference_ensemble(reference: Mapping[str, Sequence[float]], scores: Mapping[str, float]) -> float:
    """Ensemble score of one candidate against a fixed reference sample: the sum over proxies
    of log of its mid-rank among the reference scores plus itself (1 = worst). It depends only
    on the candidate, never on what else was evaluated or in which order."""
    total = 0.0
    for proxy, values in reference.items():
        ref = np.asarray(values, dtype=np.float64)
        s = float(scores[proxy])
        total += math.log(1.0 + float((ref < s).sum()) + 0.5 * float((ref == s).sum()))
    return total
