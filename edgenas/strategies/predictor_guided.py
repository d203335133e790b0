"""Predictor-guided search (BANANAS-style): a learned accuracy predictor picks what to
evaluate next among mutations of the best architectures so far."""

from __future__ import annotations

import math

import numpy as np

from edgenas.errors import ConfigError
from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, Strategy

__all__ = ["PredictorGuided"]


class PredictorGuided(Strategy):
    """After ``initial`` random evaluations: fit an `AccuracyPredictor` on everything told so
    far, build ``pool`` candidates (mutations of the ``parents`` best, plus a few random ones),
    and ask for the ``batch`` candidates the predictor ranks highest; refit after each batch."""

    name = "bananas"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None,
                 initial: int = 10, pool: int = 200, parents: int = 10, batch: int = 10,
                 model: str = "gbm") -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        if initial < 5 or pool < 1 or parents < 1 or batch < 1:
            raise ConfigError(f"bananas needs initial >= 5 (the predictor fits on at least 5 results) and "
                              f"positive pool, parents and batch; got initial={initial}, pool={pool}, "
                              f"parents={parents}, batch={batch}")
        from edgenas.estimate.accuracy_predictor import ACCURACY_MODELS

        if model not in ACCURACY_MODELS:
            raise ConfigError(f"bananas' model is one of {', '.join(ACCURACY_MODELS)}; got {model!r}")
        self.initial, self.pool, self.parents, self.batch, self.model = initial, pool, parents, batch, model
        self.queue: list[Arch] = []

    def get_params(self) -> dict:
        return {"initial": self.initial, "pool": self.pool, "parents": self.parents, "batch": self.batch,
                "model": self.model}

    def _candidates(self, told: list[tuple[Arch, float]]) -> list[Arch]:
        best = [a for a, _ in sorted(told, key=lambda h: -h[1])[: self.parents]]
        out: list[Arch] = []
        keys: set[str] = set()
        for parent in best[:3]:  # the whole neighbourhood of the very best
            for arch in self.space.neighbors(parent):
                key = self.key(arch)
                if key not in keys and self.is_new(arch):
                    keys.add(key)
                    out.append(arch)
        for i in range(self.pool * 10):
            if len(out) >= self.pool:
                break
            if i % 10 == 9:
                arch = self.space.sample(self.rng)  # a little exploration
            else:
                parent = best[int(self.rng.integers(len(best)))]
                arch = self.space.mutate(parent, self.rng)
                if self.rng.random() < 0.5:
                    arch = self.space.mutate(arch, self.rng)
            key = self.key(arch)
            if key not in keys and self.is_new(arch):
                keys.add(key)
                out.append(arch)
        return out

    def _propose(self) -> Arch:
        told = [(a, f) for a, f in self.history if math.isfinite(f)]
        if len(told) < self.initial:
            return self.random_fresh()
        while self.queue:
            arch = self.queue.pop()
            if self.is_new(arch):
                return arch
        from edgenas.estimate.accuracy_predictor import AccuracyPredictor

        candidates = self._candidates(told)
        if not candidates:
            return self.random_fresh()
        predictor = AccuracyPredictor(self.space, self.model, seed=self.seed)
        predictor.fit([a for a, _ in told], np.array([f for _, f in told]))
        scores = predictor.predict(candidates)
        order = np.argsort(-scores, kind="stable")[: self.batch]
        self.queue = [candidates[i] for i in order][::-1]
        return self.queue.pop()
