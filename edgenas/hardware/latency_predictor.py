"""Learned latency predictors: ``fit`` on (arch, latency_ms), ``predict``, ``score``, save/load.

Features are the space's one-hot encoding plus ``space.structure_features`` (for NB201: op
counts over *all* edges, since a branch cut off by ``none`` still executes, live-op counts,
node fan-in, conv depth; elsewhere profiled MACs, params and activation sizes).

Models:
* ``linear`` — ridge on the one-hot ops, raw milliseconds: the additive baseline a layer-wise
  lookup table amounts to.
* ``gbm`` / ``mlp`` — gradient-boosted trees / a perceptron on all features, log latency.
* ``hybrid`` — a ridge on all features, then boosted trees on the log ratio between the
  measurement and that additive estimate: exact where latency is additive, learns the rest.
* ``auto`` (default) — holds out 20% of the training set, keeps the model with most
  predictions within +-10% there, refits it on everything.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from edgenas.errors import ConfigError, DataError
from edgenas.estimate._base import Evaluator
from edgenas.learn import MLP, GradientBoosting, Ridge, regression_metrics
from edgenas.spaces import Arch, SearchSpace, create_space

__all__ = ["LatencyPredictor", "LATENCY_MODELS", "PredictedLatency", "measured_networks"]

LATENCY_MODELS = ("linear", "gbm", "mlp", "hybrid")
FORMAT = "edgenas-latency-predictor"


def measured_networks(table: Any) -> tuple[list[Arch], np.ndarray]:
    """The networks that actually ran in a latency table, once each, with their latency.

    A table with ``measured_arch`` lists every cell but only one representative per class
    ran; learning from anything else would leak test networks into training.
    """
    if "latency_ms" not in table.metrics:
        raise DataError(f"{table.path}: no latency_ms column")
    if not table.measured:
        archs = table.archs()
        return archs, np.array([table.rows[a]["latency_ms"] for a in archs])
    ran = {}
    for arch, text in table.measured.items():
        if text not in ran:
            measured = table.space.parse(text)
            ran[text] = (measured, table.rows[arch]["latency_ms"])
    archs = [a for a, _ in ran.values()]
    return archs, np.array([v for _, v in ran.values()])


class LatencyPredictor:
    """Predicts latency in ms from an architecture of ``space``."""

    def __init__(self, space: SearchSpace, model: str = "auto", seed: int = 0) -> None:
        if model != "auto" and model not in LATENCY_MODELS:
            raise ConfigError(f"unknown latency model {model!r}; choose auto or {', '.join(LATENCY_MODELS)}")
        self.space, self.model, self.seed = space, model, seed
        self._features: dict[Arch, np.ndarray] = {}

    # -- features ---------------------------------------------------------------------
    def features(self, archs: list[Arch], one_hot_only: bool = False) -> np.ndarray:
        rows = []
        for arch in archs:
            hit = self._features.get(arch)
            if hit is None:
                hit = np.concatenate([self.space.encode(arch), self.space.structure_features(arch)])
                self._features[arch] = hit
            rows.append(hit[: self.space.encoding_size] if one_hot_only else hit)
        return np.array(rows, dtype=np.float64)

    # -- fitting ----------------------------------------------------------------------
    def _fit_kind(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        if kind == "linear":
            return {"ridge": Ridge().fit(self.features(archs, True), y)}
        X = self.features(archs)
        log_range = [float(np.log(y).min()), float(np.log(y).max())]
        if kind == "gbm":
            return {"gbm": GradientBoosting(seed=self.seed).fit(X, np.log(y)), "log_range": log_range}
        if kind == "mlp":
            return {"mlp": MLP(seed=self.seed).fit(X, np.log(y)), "log_range": log_range}
        ridge = Ridge().fit(X, y)
        base = np.maximum(ridge.predict(X), 1e-3 * y.min())
        return {"ridge": ridge, "gbm": GradientBoosting(n_estimators=300, seed=self.seed).fit(X, np.log(y / base))}

    def _predict_kind(self, kind: str, parts: dict[str, Any], archs: list[Arch]) -> np.ndarray:
        if kind == "linear":
            return parts["ridge"].predict(self.features(archs, True))
        X = self.features(archs)
        if kind in ("gbm", "mlp"):  # log-latency models: never extrapolate past 4x the data
            lo, hi = parts["log_range"]
            return np.exp(np.clip(parts[kind].predict(X), lo - math.log(4), hi + math.log(4)))
        base = np.maximum(parts["ridge"].predict(X), 1e-6)
        return base * np.exp(parts["gbm"].predict(X))

    def fit(self, archs: list[Arch], latency_ms: np.ndarray | list[float]) -> LatencyPredictor:
        y = np.asarray(latency_ms, dtype=np.float64)
        if len(archs) != len(y) or len(y) < 5:
            raise DataError(f"need at least 5 (arch, latency) pairs of equal count, got {len(archs)} and {len(y)}")
        if not np.all(np.isfinite(y)) or np.any(y <= 0):
            raise DataError("latencies must be positive finite numbers")
        kind = self.model
        self.validation_ = {}
        if kind == "auto":
            order = np.random.default_rng(self.seed).permutation(len(y))
            cut = max(1, len(y) // 5)
            val, train = order[:cut], order[cut:]
            tr_archs, val_archs = [archs[i] for i in train], [archs[i] for i in val]
            for candidate in LATENCY_MODELS:
                parts = self._fit_kind(candidate, tr_archs, y[train])
                pred = self._predict_kind(candidate, parts, val_archs)
                self.validation_[candidate] = regression_metrics(pred, y[val])
            kind = max(LATENCY_MODELS, key=lambda k: (self.validation_[k]["within_10pct"], -self.validation_[k]["mape"]))
        self.kind_ = kind
        self.parts_ = self._fit_kind(kind, archs, y)
        self.n_train_ = len(y)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "parts_"):
            raise ConfigError("this LatencyPredictor is not fitted: call fit() or load a saved one")

    def predict(self, archs: list[Arch]) -> np.ndarray:
        self._check_fitted()
        return self._predict_kind(self.kind_, self.parts_, archs)

    def score(self, archs: list[Arch], latency_ms: np.ndarray | list[float]) -> dict[str, float]:
        """``rmse_ms``, ``mape``, ``within_5pct``, ``within_10pct``, ``spearman``, ``kendall``."""
        metrics = regression_metrics(self.predict(archs), np.asarray(latency_ms, dtype=np.float64))
        metrics["rmse_ms"] = metrics.pop("rmse")
        return metrics

    # -- persistence ------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({
            "format": FORMAT, "version": 1, "space": self.space.name, "space_config": self.space.config(),
            "kind": self.kind_, "seed": self.seed, "n_train": self.n_train_,
            "parts": {name: part if name == "log_range" else {"type": part.kind, "state": part.state()}
                      for name, part in self.parts_.items()},
        }, path)
        return path

    @classmethod
    def load(cls, path: str | Path, space: SearchSpace | None = None) -> LatencyPredictor:
        path = Path(path)
        if not path.is_file():
            raise DataError(f"predictor file {path} not found")
        try:
            data = torch.load(path, weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
            raise DataError(f"{path} is not a saved edgenas predictor ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DataError(f"{path} is not a saved edgenas latency predictor")
        if space is None:
            space = create_space(data["space"], **data["space_config"])
        elif space.name != data["space"] or space.config() != data["space_config"]:
            raise ConfigError(f"{path} was fitted on space {data['space']}, not {space.name}; "
                              "fit a predictor for this space")
        from edgenas.learn import REGRESSORS

        predictor = cls(space, data["kind"], data["seed"])
        predictor.kind_, predictor.n_train_ = data["kind"], data["n_train"]
        predictor.parts_ = {name: p if name == "log_range" else REGRESSORS[p["type"]].from_state(p["state"])
                            for name, p in data["parts"].items()}
        return predictor

    def __repr__(self) -> str:
        fitted = f", kind_={self.kind_!r}, n_train_={self.n_train_}" if hasattr(self, "kind_") else ""
        return f"LatencyPredictor(space={self.space.name!r}, model={self.model!r}{fitted})"


class PredictedLatency(Evaluator):
    """A fitted latency predictor as a cheap evaluator (``latency_ms``) for constraints."""

    metrics = ("latency_ms",)
    cheap = True

    def __init__(self, path: str | Path, space: SearchSpace) -> None:
        self.path = str(path)
        self.predictor = LatencyPredictor.load(path, space)
        self._cache: dict[Arch, float] = {}

    def config(self) -> dict[str, Any]:
        return {"type": "PredictedLatency", "predictor": self.path}

    def evaluate(self, arch: Arch) -> dict[str, float]:
        if arch not in self._cache:
            self._cache[arch] = float(self.predictor.predict([arch])[0])
        return {"latency_ms": self._cache[arch]}
