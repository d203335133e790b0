"""`ArchPredictor`: the shared machinery of latency and accuracy predictors (scikit-learn
style ``fit`` / ``predict`` / ``score``), with an ``auto`` choice of model on held-out
predictions and a weights-only save format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from edgenas.atomic import atomic_write
from edgenas.errors import ConfigError, DataError
from edgenas.learn import REGRESSORS, Regressor
from edgenas.spaces import Arch, SearchSpace, create_space

__all__ = ["ArchPredictor"]


class ArchPredictor:
    """Subclasses define ``MODELS`` (names), ``FORMAT`` (file tag), ``_fit_kind``,
    ``_predict_kind``, ``score`` and ``_select`` (the hold-out figure to maximise)."""

    MODELS: tuple[str, ...] = ()
    FORMAT = "edgenas-predictor"
    CV_BELOW = 300  # training sets smaller than this choose ``auto``'s model by 5-fold CV
    ENSEMBLES: tuple[int, ...] = ()  # ``auto`` also weighs the mean of its k best models, k in these;
    # where any, a model may be named as such a mean too ("a+b")
    _fitted_on_all: dict[str, Any] | None = None  # during `fit`: fits on every row made beside the folds'

    def __init__(self, space: SearchSpace, model: str = "auto", seed: int = 0) -> None:
        self.space, self.model, self.seed = space, model, seed
        members = model.split("+") if self.ENSEMBLES else [model]
        if model != "auto" and not all(m in self.models() for m in members):
            joined = f", or several joined by + for their mean ({'+'.join(self.models()[:2])})" if self.ENSEMBLES else ""
            raise ConfigError(f"unknown model {model!r} for space {space.name}; "
                              f"choose auto or {', '.join(self.models())}{joined}")
        self._features: dict[Arch, np.ndarray] = {}

    def models(self) -> tuple[str, ...]:
        """The models this space allows (graph models need a cell DAG)."""
        return tuple(m for m in self.MODELS if m not in ("graph", "paths") or self.space.cell_edges is not None)

    def _auto_candidates(self, n: int) -> tuple[str, ...]:
        """The models ``auto`` chooses among for ``n`` training rows (all, by default)."""
        return self.models()

    # -- for subclasses ---------------------------------------------------------------
    def encode(self, arch: Arch) -> np.ndarray:
        """One-hot part of the features (the space's encoding by default)."""
        return self.space.encode(arch)

    def _fit_kind(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        raise NotImplementedError

    def _predict_kind(self, kind: str, parts: dict[str, Any], archs: list[Arch]) -> np.ndarray:
        raise NotImplementedError

    def _select(self, pred: np.ndarray, true: np.ndarray) -> tuple[float, ...]:
        raise NotImplementedError

    def _choose(self, n_held: int) -> str:
        """``auto``'s model from ``validation_`` (figures on ``n_held`` held-out rows): the best."""
        return max(self.validation_, key=lambda k: self.validation_[k])

    def _ensembles(self, n: int) -> tuple[int, ...]:
        """The ensemble sizes ``auto`` weighs for ``n`` training rows."""
        return self.ENSEMBLES

    def _ensemble_pools(self, ranked: list[str]) -> list[list[str]]:
        """Lists of candidates, best first, whose leaders ``auto`` weighs together (all of them)."""
        return [ranked]

    def _combine(self, preds: list[np.ndarray]) -> np.ndarray:
        """An ensemble's prediction from its members' (the mean)."""
        return np.mean(preds, axis=0)

    def _check_targets(self, y: np.ndarray) -> None:
        if not np.all(np.isfinite(y)):
            raise DataError("targets must be finite numbers")

    # -- features ---------------------------------------------------------------------
    def features(self, archs: list[Arch], one_hot_only: bool = False) -> np.ndarray:
        rows = []
        for arch in archs:
            hit = self._features.get(arch)
            if hit is None:
                onehot = self.encode(arch)
                hit = np.concatenate([onehot, self.space.structure_features(arch)])
                self._features[arch] = hit
            rows.append(hit[: self.space.encoding_size] if one_hot_only else hit)
        return np.array(rows, dtype=np.float64)

    # -- scikit-learn protocol ----------------------------------------------------------
    def fit(self, archs: list[Arch], y: np.ndarray | list[float]) -> ArchPredictor:
        y = np.asarray(y, dtype=np.float64)
        if len(archs) != len(y):
            raise DataError(f"{len(archs)} architectures but {len(y)} values; give one value per architecture")
        if len(y) < 5:
            raise DataError(f"a predictor needs at least 5 measured networks, got {len(y)}; measure more")
        self._check_targets(y)
        kind = self.model
        self.validation_: dict[str, tuple[float, ...]] = {}
        self._fitted_on_all = {}
        if kind == "auto":
            # out-of-fold predictions: one 20% hold-out on large sets, 5 folds on small ones,
            # where a single hold-out of ~20 networks picks the model by luck
            folds = self._folds(len(y))
            candidates = self._auto_candidates(len(y))
            kind = candidates[0]
            if len(candidates) > 1:  # one candidate needs no cross-validation
                held = np.concatenate(folds)
                oof = {}
                for candidate in candidates:
                    oof[candidate] = self._out_of_fold(candidate, archs, y, folds)
                    self.validation_[candidate] = self._select(oof[candidate][held], y[held])
                ranked = sorted(candidates, key=lambda c: self.validation_[c], reverse=True)
                for pool in self._ensemble_pools(ranked):
                    for k in (k for k in self._ensembles(len(y)) if k <= len(pool)):
                        # the members' out-of-fold predictions combined: no extra fit to score it
                        self.validation_["+".join(pool[:k])] = self._select(
                            self._combine([oof[c] for c in pool[:k]])[held], y[held])
                kind = self._choose(len(held))
        self.kind_ = kind
        self.parts_ = self._fit_members(kind, archs, y)
        self.n_train_ = len(y)
        self._fitted_on_all = None
        return self

    def _folds(self, n: int) -> list[np.ndarray]:
        """``auto``'s held-out rows: 5 folds below ``CV_BELOW`` rows, else one 20% hold-out."""
        order = np.random.default_rng(self.seed).permutation(n)
        return np.array_split(order, 5) if n < self.CV_BELOW else [order[: max(2, n // 5)]]

    def held_out_figures(self, archs: list[Arch], y: np.ndarray | list[float]) -> tuple[float, ...]:
        """The fitted model's figures (``_select``'s) on ``auto``'s folds of its training rows, each
        predicted by the model fitted without it: what to expect where ``auto`` had no choice to
        make, so ran no cross-validation (``validation_`` holds these for every candidate)."""
        self._check_fitted()
        y, folds = np.asarray(y, dtype=np.float64), self._folds(len(y))
        members = [self._out_of_fold(member, archs, y, folds) for member in self.kind_.split("+")]
        pred = members[0] if len(members) == 1 else self._combine(members)
        held = np.concatenate(folds)
        return self._select(pred[held], y[held])

    def _fit_members(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        """``kind``'s parts; for an ensemble (``a+b``), each member's under its name."""
        if "+" not in kind:
            return self._fit_kind(kind, archs, y)
        return {f"{member}/{name}": part for member in kind.split("+")
                for name, part in self._fit_kind(member, archs, y).items()}

    def _predict_members(self, kind: str, parts: dict[str, Any], archs: list[Arch]) -> np.ndarray:
        if "+" not in kind:
            return self._predict_kind(kind, parts, archs)
        return self._combine([self._predict_kind(member, _strip(parts, f"{member}/"), archs)
                              for member in kind.split("+")])

    def _out_of_fold(self, kind: str, archs: list[Arch], y: np.ndarray, folds: list[np.ndarray]) -> np.ndarray:
        """Predictions of each fold's rows by ``kind`` fitted on the other rows (NaN elsewhere)."""
        pred = np.full(len(y), np.nan)
        for val in folds:
            train = np.setdiff1d(np.arange(len(y)), val)
            parts = self._fit_kind(kind, [archs[i] for i in train], y[train])
            pred[val] = self._predict_kind(kind, parts, [archs[i] for i in val])
        return pred

    def _check_fitted(self) -> None:
        if not hasattr(self, "parts_"):
            raise ConfigError(f"this {type(self).__name__} is not fitted: call fit() or load a saved one")

    def predict(self, archs: list[Arch]) -> np.ndarray:
        self._check_fitted()
        if not len(archs):
            return np.zeros(0)
        try:
            return self._predict_members(self.kind_, self.parts_, archs)
        except (KeyError, TypeError, AttributeError):  # checked only on failure: predict is on the search path
            for arch in archs:
                self.space.validate(arch)  # names what is wrong with a foreign architecture
            raise

    # -- persistence ------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Plain values and tensors only: what `save` writes and `from_state` reads."""
        self._check_fitted()
        parts = {name: part if not isinstance(part, Regressor) else {"type": part.kind, "state": part.state()}
                 for name, part in self.parts_.items()}
        return {"format": self.FORMAT, "version": 1, "space": self.space.name,
                "space_config": self.space.get_params(), "kind": self.kind_, "seed": self.seed,
                "n_train": self.n_train_, "parts": parts, **self._extra_state()}

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra(self, data: dict[str, Any]) -> None:
        pass

    def save(self, path: str | Path) -> Path:
        state = self.state()
        return atomic_write(path, lambda tmp: torch.save(state, tmp))

    @classmethod
    def load(cls, path: str | Path, space: SearchSpace | None = None) -> ArchPredictor:
        path = Path(path)
        if not path.is_file():
            raise DataError(f"predictor file {path} not found")
        try:
            data = torch.load(path, weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
            raise DataError(f"{path} is not a saved edgenas predictor ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("format") != cls.FORMAT:
            raise DataError(f"{path} is not a saved {cls.__name__}")
        return cls.from_state(data, space, str(path))

    @classmethod
    def from_state(cls, data: dict[str, Any], space: SearchSpace | None = None, where: str = "the predictor"
                   ) -> ArchPredictor:
        if space is None:
            space = create_space(data["space"], **data["space_config"])
        elif space.name != data["space"] or space.get_params() != data["space_config"]:
            if space.name != data["space"]:
                raise ConfigError(f"{where} was fitted on space {data['space']}, not {space.name}; "
                                  "fit a predictor for this space")
            raise ConfigError(f"{where} was fitted on another configuration of space {space.name}; "
                              "fit a predictor for this one")
        predictor = cls(space, "auto", data["seed"])
        predictor.model = predictor.kind_ = data["kind"]
        predictor.n_train_ = data["n_train"]
        predictor.parts_ = {
            name: REGRESSORS[p["type"]].from_state(p["state"]) if isinstance(p, dict) and "type" in p else p
            for name, p in data["parts"].items()
        }
        predictor._load_extra(data)
        return predictor

    def __repr__(self) -> str:
        fitted = f", kind_={self.kind_!r}, n_train_={self.n_train_}" if hasattr(self, "kind_") else ""
        return f"{type(self).__name__}(space={self.space.name!r}, model={self.model!r}{fitted})"


def _strip(parts: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The parts stored under ``prefix``, by their own names."""
    return {name[len(prefix):]: part for name, part in parts.items() if name.startswith(prefix)}
