"""Accuracy predictors: learn accuracy from (arch, accuracy) pairs, rank unseen architectures.

Features are the one-hot of the operations that can influence the output (for NB201 dead
edges are shown as ``none``, since they change nothing the network computes) plus
``space.structure_features`` (op counts, fan-in, conv depth, per-path op counts).
Models: ``mlp`` (PyTorch), ``gbm`` (boosted trees), ``ensemble`` (mean of their standardised
predictions), ``auto`` (best held-out Kendall tau: 5-fold CV under 300 rows, else a 20% hold-out;
refitted on everything).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgenas.learn import MLP, GradientBoosting, regression_metrics
from edgenas.predictors import ArchPredictor
from edgenas.spaces import Arch

__all__ = ["AccuracyPredictor", "ACCURACY_MODELS"]

ACCURACY_MODELS = ("mlp", "gbm", "ensemble")


class AccuracyPredictor(ArchPredictor):
    MODELS = ACCURACY_MODELS
    FORMAT = "edgenas-accuracy-predictor"

    def encode(self, arch: Arch) -> np.ndarray:
        live = getattr(self.space, "encode_live", None)
        if live is None:
            return self.space.encode(arch)
        return self.space.encode(self.space.validate(dict(zip(self.space.choices, live(arch)))))

    def _select(self, pred: np.ndarray, true: np.ndarray) -> tuple[float, ...]:
        from scipy import stats  # here, not at the top: it cost every command ~0.6 s to start

        return (float(stats.kendalltau(pred, true).statistic),)

    def _fit_kind(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        X = self.features(archs)
        parts: dict[str, Any] = {}
        if kind in ("mlp", "ensemble"):
            parts["mlp"] = MLP(seed=self.seed, epochs=200).fit(X, y)
        if kind in ("gbm", "ensemble"):
            parts["gbm"] = GradientBoosting(seed=self.seed).fit(X, y)
        return parts

    def _predict_kind(self, kind: str, parts: dict[str, Any], archs: list[Arch]) -> np.ndarray:
        X = self.features(archs)
        if kind != "ensemble":
            return parts[kind].predict(X)
        return 0.5 * (parts["mlp"].predict(X) + parts["gbm"].predict(X))

    def score(self, archs: list[Arch], y: np.ndarray | list[float]) -> dict[str, float]:
        """``spearman``, ``kendall``, ``rmse`` (and MAPE, share within 5% / 10%)."""
        return regression_metrics(self.predict(archs), np.asarray(y, dtype=np.float64))
