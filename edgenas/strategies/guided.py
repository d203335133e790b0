"""Surrogate-guided local search: local moves, ordered by a Bayesian linear model of the
fitness, sampled (Thompson) so that the order explores where the model is unsure."""

from __future__ import annotations

import math

import numpy as np

from edgenas.errors import ConfigError
from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, Strategy

__all__ = ["GuidedLocalSearch"]


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Ranks mapped to standard-normal quantiles: the model sees only the order of the
    fitnesses, so a table's scale, a skew, or a few failed (-inf) networks change nothing."""
    from scipy.stats import norm

    order = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return norm.ppf((order + 0.5) / len(values))


class GuidedLocalSearch(Strategy):
    """After ``initial`` random evaluations, each ask fits a Bayesian linear regression of the
    fitness ranks on the architecture's features (one-hot choices plus the space's structure
    features), draws one weight vector from its posterior and asks for the candidate it
    scores highest. Candidates are the unseen neighbours (one choice changed) of the ``top``
    best architectures so far, so every step is a local move, but the model decides which
    move and from which of the good points: what a hill climber learns one query at a time
    (this op is good on this edge) is shared across the whole neighbourhood. When no
    neighbour is left, a random architecture restarts the walk.

    ``noise`` is the share of the fitness-rank variance the model treats as unexplained
    (larger: trusts the model less, explores more).
    """

    name = "guided"

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 initial: int = 10, top: int = 5, noise: float = 0.3, far: int = 0,
                 thompson: bool = True, model: str = "gp", structure: bool = True) -> None:
        super().__init__(space, seed=seed, feasible=feasible)
        if initial < 2 or top < 1 or not 0 < noise < 10:
            raise ConfigError(f"guided needs initial >= 2, top >= 1 and 0 < noise < 10; got initial={initial}, "
                              f"top={top}, noise={noise}")
        self.initial, self.top, self.noise, self.far, self.thompson = initial, top, noise, far, thompson
        self.model = model
        self.structure = structure
        self._features: dict[Arch, np.ndarray] = {}

    def get_params(self) -> dict:
        return {"initial": self.initial, "top": self.top, "noise": self.noise, "far": self.far, "thompson": self.thompson, "model": self.model}

    def features(self, archs: list[Arch]) -> np.ndarray:
        rows = []
        for arch in archs:
            hit = self._features.get(arch)
            if hit is None:
                hit = (np.concatenate([self.space.encode(arch), self.space.structure_features(arch)])
                       if self.structure else self.space.encode(arch))
                self._features[arch] = hit
            rows.append(hit)
        return np.array(rows, dtype=np.float64)

    def _candidates(self, ranked: list[Arch]) -> list[Arch]:
        out: list[Arch] = []
        keys: set[str] = set()
        for parent in ranked[: self.top]:
            for arch in self.space.neighbors(parent):
                key = self.space.equivalence_key(arch)
                if key not in keys and self.is_new(arch):
                    keys.add(key)
                    out.append(arch)
        added = 0
        for i in range(self.far * 4):
            if added >= self.far:
                break
            parent = ranked[int(self.rng.integers(min(len(ranked), self.top)))]
            arch = (self.space.sample(self.rng) if i % 2 else
                    self.space.mutate(self.space.mutate(parent, self.rng), self.rng))
            key = self.space.equivalence_key(arch)
            if key not in keys and self.is_new(arch):
                keys.add(key)
                out.append(arch)
                added += 1
        return out

    def _sample_weights(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """One draw from the posterior of y = x w + e, w ~ N(0, I), e ~ N(0, noise)."""
        precision = x.T @ x / self.noise + np.eye(x.shape[1])
        cov = np.linalg.inv(precision)
        mean = cov @ x.T @ y / self.noise
        chol = np.linalg.cholesky((cov + cov.T) / 2 + 1e-9 * np.eye(len(cov)))
        draw = self.rng.standard_normal(len(mean))
        return mean + chol @ draw if self.thompson else mean

    def _propose(self) -> Arch:
        told = [(a, f) for a, f in self.history if not math.isnan(f)]
        if len(told) < self.initial:
            return self.random_fresh()
        ranked = [a for a, _ in sorted(told, key=lambda h: -h[1])]
        candidates = self._candidates(ranked)
        if not candidates:
            return self.random_fresh()
        x_all = self.features([a for a, _ in told] + candidates)
        scale = x_all.std(axis=0)
        keep = scale > 1e-9
        x_all = (x_all[:, keep] - x_all[:, keep].mean(axis=0)) / scale[keep]
        x, x_cand = x_all[: len(told)], x_all[len(told):]
        fitness = np.array([f for _, f in told])
        fitness[~np.isfinite(fitness)] = np.min(fitness[np.isfinite(fitness)], initial=0.0) - 1.0
        y = normal_scores(fitness)
        if self.model == "gp":
            scores = self._gp_sample(x, y, x_cand)
        else:
            scores = x_cand @ self._sample_weights(x, y)
        return candidates[int(np.argmax(scores))]

    def _gp_sample(self, x: np.ndarray, y: np.ndarray, x_cand: np.ndarray) -> np.ndarray:
        """A joint posterior draw over the candidates of a GP with a squared-exponential kernel
        on the standardised features; the length scale maximises the marginal likelihood."""
        def kernel(a: np.ndarray, b: np.ndarray, ell: float) -> np.ndarray:
            d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / a.shape[1]
            return np.exp(-d / (2 * ell**2))

        best = None
        for ell in (0.25, 0.5, 1.0, 2.0):
            k = kernel(x, x, ell) + self.noise * np.eye(len(x))
            chol = np.linalg.cholesky(k)
            alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
            loglik = -0.5 * y @ alpha - np.log(np.diag(chol)).sum()
            if best is None or loglik > best[0]:
                best = (loglik, ell, chol, alpha)
        _, ell, chol, alpha = best
        k_star = kernel(x_cand, x, ell)
        mean = k_star @ alpha
        if not self.thompson:
            return mean
        v = np.linalg.solve(chol, k_star.T)
        cov = kernel(x_cand, x_cand, ell) - v.T @ v
        root = np.linalg.cholesky((cov + cov.T) / 2 + 1e-6 * np.eye(len(cov)))
        return mean + root @ self.rng.standard_normal(len(mean))
