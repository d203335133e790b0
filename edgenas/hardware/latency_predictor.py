"""Learned latency predictors: ``fit`` on (arch, latency_ms), ``predict``, ``score``, save/load.

Features are the space's one-hot encoding plus ``space.structure_features`` (for NB201: op
counts over *all* edges, since a branch cut off by ``none`` still executes, live-op counts,
node fan-in, conv depth; elsewhere profiled MACs, params and activation sizes).

Models:
* ``linear`` — ridge on the one-hot ops, raw milliseconds: the additive baseline a layer-wise
  lookup table amounts to; with the space's rewrite counts (`SearchSpace.rewrite_features`:
  NB201 cells whose edges repeat work a runtime does once), which a table per op misses.
* ``gbm`` / ``mlp`` — gradient-boosted trees / a perceptron on all features, log latency.
* ``hybrid`` — ``linear``'s additive estimate, then boosted trees on all features learn the log
  ratio between the measurement and it: exact where latency is additive, learns the rest. (Its
  ridge read every feature until session 41, and on the ViT tables its base went to zero for a
  few networks, their predictions 0-170 times the measurement; docs/benchmarks.md.)
* ``graph`` — for cell spaces (``space.cell_edges``): a network that passes messages along the
  cell DAG with sum and max aggregation, so a device that runs branches in parallel (latency
  = the slowest path, not a sum) is within its reach; reads only the edge ops; log latency.
* ``paths`` — for cell spaces: two scalar cost models of the cell, total work (serial
  execution) and critical path (parallel execution), each with a learnt cost per op, mixed by
  a small head. A few dozen parameters: for small training sets.
* ``auto`` (default) — holds out 20% of the training set (5-fold cross-validation under 300
  networks), keeps the model with most predictions within +-10% there, refits it on everything.
  From ``FEW`` networks on it also weighs the geometric mean of its 2 and 3 best models (kind
  ``a+b``; a model may be named so too): models that err differently, averaged.

Transfer (``sources``: other devices' latency, `LatencySource`): a new board measured on a few
networks borrows what other devices know. A network's latency on a source device is a feature:
* ``transfer`` — ridge of log latency on the sources' log latency and on their *additive*
  latency (a per-op ridge fitted on the source's table, `LatencySource.additive`): a power law
  per source, with a second slope that lets the map lean on the source's smooth per-op part
  where its measurements are noisy or its operators scale otherwise (docs/benchmarks.md; three
  coefficients per source, enough from 10-20 networks), plus per-op corrections in log space (the
  structure features, standardised and penalised 10,000 times as much: where a foreign board's
  operators scale a little otherwise, 2.5-6 points more networks within 10% from 10-100 networks;
  within a point either way from a source of the same machine; docs/benchmarks.md, session 36).
* ``transfer-ops`` — ridge of milliseconds on the sources' milliseconds and the structure
  features (op counts...): per-op corrections where the new board's operators cost differently.
* ``transfer-gbm`` — boosted trees on the log ratio between the measurement and ``transfer-ops``.
With sources, ``auto`` chooses among these and the models above by the same held-out rule; from
``FEW`` networks on, a model that reads the sources must be ahead of the best one without them.

Kernels (``kernels="onnxruntime"``, `edgenas.hardware.kernels`): the node types of each network's
graph after ONNX Runtime's optimisation on this machine, counted, join the features (and ``linear``'s
sum of costs): what the runtime fuses and where it changes layouts, which per-op counts miss.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from edgenas.errors import ConfigError, DataError
from edgenas.evaluator import register_evaluator
from edgenas.hardware.devices import LatencyEvaluator
from edgenas.hardware.kernels import check_runtime, kernel_counts, kernel_matrix
from edgenas.learn import MLP, DagRegressor, GradientBoosting, PathRegressor, Ridge, regression_metrics
from edgenas.predictors import ArchPredictor
from edgenas.spaces import Arch, SearchSpace

__all__ = ["LatencyPredictor", "LATENCY_MODELS", "TRANSFER_MODELS", "LatencySource", "PredictedLatency",
           "measured_networks", "check_sources_are_others", "reads_sources"]

LATENCY_MODELS = ("linear", "gbm", "mlp", "hybrid", "graph", "paths", "counts")  # counts: space.count_features
TRANSFER_MODELS = ("transfer", "transfer-ops", "transfer-gbm")  # need sources
FEW = 30  # fewer measured networks than this: `auto` keeps to the models that few networks can fit
FORMAT = "edgenas-latency-predictor"
GRAPH_MODELS = {"graph": DagRegressor, "paths": PathRegressor}  # need a cell DAG (space.cell_edges)
NEURAL = ("mlp", *GRAPH_MODELS)  # PyTorch regressors: cross-validation folds train together
TRANSFER_ALPHA = 1e-2  # `transfer`'s ridge on the sources' log latency: a light touch
# `counts`' ridge penalties, one chosen per fit by leave-one-out: 11 columns from 10-20 networks
# are nearly as many as the rows, and the penalty each device needs differs (docs/benchmarks.md)
COUNTS_ALPHAS = (1e-3, 1e-2, 0.1, 1.0)
CORRECTION_PENALTY = 100.0  # and on its per-op corrections (standardised): a heavy one (docs/benchmarks.md)


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


def check_sources_are_others(sources: list[LatencySource], archs: list[Arch], y: np.ndarray) -> None:
    """Refuses a source whose table holds the very latencies being fitted (the fitted table given
    to ``--from`` too): it would be copied, not learnt from, every held-out figure 100%."""
    for source in sources:
        known = [source.lookup.get(a) for a in archs]
        if len(y) and None not in known and np.allclose(known, y, rtol=1e-9, atol=0.0):
            raise ConfigError(f"source {source.name} holds the very latencies being fitted (the same table "
                              "given to --from?); a source is another device's measurements")


def defines_counts(space: SearchSpace) -> bool:
    """Whether the space defines `count_features` (what `counts` fits on)."""
    return type(space).count_features is not SearchSpace.count_features


def reads_sources(kind: str) -> bool:
    """Whether a model kind (an ensemble ``a+b`` too) reads other devices' latency."""
    return any(member in TRANSFER_MODELS for member in kind.split("+"))


class LatencySource:
    """Another device's latency for any network of the space: its table's value where the table
    has the network, elsewhere a predictor fitted on that table (or a saved predictor)."""

    FALLBACK_ROWS = 2000  # networks the fallback predictor of a partial table learns from

    def __init__(self, name: str, lookup: dict[Arch, float], fallback: LatencyPredictor | None,
                 additive: LatencyPredictor | None = None, floor_ms: float = 1e-6,
                 fallback_rows: tuple[SearchSpace, list[Arch], np.ndarray] | None = None) -> None:
        self.name, self.lookup, self._fallback, self._fallback_rows = name, lookup, fallback, fallback_rows
        self.additive_model, self.floor_ms = additive, floor_ms

    @property
    def fallback(self) -> LatencyPredictor | None:
        """Fitted when first needed (a network the table lacks, or a save): ~5 s on a 400-network
        table, never paid where the table has every network asked. The fit is seeded and keeps
        to its own random state, so when it happens changes nothing."""
        if self._fallback is None and self._fallback_rows is not None:
            space, archs, y = self._fallback_rows
            self._fallback = LatencyPredictor(space, self.fallback_model(space)).fit(archs, y)
            self._fallback_rows = None
        return self._fallback

    @property
    def has_fallback(self) -> bool:
        """Whether networks the table lacks are predicted (without fitting the predictor)."""
        return self._fallback is not None or self._fallback_rows is not None

    @classmethod
    def from_spec(cls, spec: str, space: SearchSpace) -> LatencySource:
        """A shipped table's id, a latency CSV, or a saved latency predictor."""
        from edgenas.estimate import TabularBenchmark
        from edgenas.estimate.tabular import SHIPPED_TABLES

        if spec in SHIPPED_TABLES or str(spec).endswith((".csv", ".csv.gz")):
            table = TabularBenchmark(spec, space, metrics=["latency_ms"])
            archs, y = measured_networks(table)
            return cls.from_table(str(spec), archs, y, space, {a: row["latency_ms"] for a, row in table.rows.items()})
        return cls(str(spec), {}, LatencyPredictor.load(spec, space))

    @classmethod
    def from_table(cls, name: str, archs: list[Arch], y: np.ndarray, space: SearchSpace,
                   lookup: dict[Arch, float] | None = None) -> LatencySource:
        """A source from measured networks: their values (``lookup``: every cell the table gives a
        value, its class's measurement), a fallback predictor where the table does not cover the
        space, and the per-op additive part."""
        if len(y) < 5:
            raise DataError(f"source {name} has {len(y)} measured network(s); a source needs at least 5 "
                            "(measure more on that device, or leave it out of --from)")
        lookup = lookup if lookup is not None else dict(zip(archs, (float(v) for v in y)))
        rows = None
        if len(lookup) < space.size():
            pick = np.random.default_rng(0).permutation(len(archs))[: cls.FALLBACK_ROWS]
            rows = (space, [archs[i] for i in pick], y[pick])
        additive = LatencyPredictor(space, "linear", rewrites=False).fit(archs, y)  # per op: see additive()
        # a ridge in ms can dip to zero on cells unlike any measured one; its log must not
        return cls(name, lookup, None, additive, floor_ms=float(y.min()) / 4, fallback_rows=rows)

    @staticmethod
    def fallback_model(space: SearchSpace) -> str:
        """For cell spaces the geometric mean of three models that err differently: 3-9 points more
        networks within 10% than `hybrid` alone on every table measured here, and no
        cross-validation to pay each time a source is read; `counts` in place of `gbm` where the
        space defines its counts (session 43: as many networks within 10% on the development
        tables and more on a runtime that merges work, TorchScript; docs/benchmarks.md).
        Elsewhere `gbm`: on both ViT tables timed here it has the most networks within 10% from
        100 of the single models (torch-cpu 96.1%, onnxruntime-cpu 93.9%; `hybrid` 95.8% and
        68.1%; docs/benchmarks.md)."""
        if space.cell_edges is None:
            return "gbm"
        return "counts+hybrid+paths" if defines_counts(space) else "hybrid+paths+gbm"

    def __call__(self, archs: list[Arch]) -> np.ndarray:
        out = np.array([self.lookup.get(a, np.nan) for a in archs], dtype=np.float64)
        missing = np.flatnonzero(np.isnan(out))
        if len(missing):
            if self.fallback is None:
                raise DataError(f"source {self.name} has no latency for {len(missing)} network(s)")
            out[missing] = self.fallback.predict([archs[i] for i in missing])
        return np.maximum(out, 1e-6)

    def additive(self, archs: list[Arch]) -> np.ndarray:
        """The source's latency as a per-op additive model of its table sees it (a ridge on the
        one-hot ops, `linear` without the rewrite counts): its measurements without their noise
        and without what is not a sum of per-op costs. With the rewrite counts `transfer` lost
        21-27 points at 10-20 networks from the Pi 5 (docs/benchmarks.md, session 39): what the
        source's runtime saves by rewriting is its own. A source that is itself a predictor is
        smooth already."""
        if self.additive_model is None:
            return self(archs)
        return np.maximum(self.additive_model.predict(archs), self.floor_ms)

    def state(self, space: SearchSpace) -> dict[str, Any]:
        import torch

        def saved(model: LatencyPredictor | None) -> dict[str, Any] | None:
            return model.state() if model is not None else None

        return {"name": self.name, "archs": [space.format(a) for a in self.lookup],
                "ms": torch.tensor(list(self.lookup.values()), dtype=torch.float64),
                "fallback": saved(self.fallback), "additive": saved(self.additive_model), "floor_ms": self.floor_ms}

    @classmethod
    def from_state(cls, state: dict[str, Any], space: SearchSpace) -> LatencySource:
        def loaded(saved: dict[str, Any] | None) -> LatencyPredictor | None:
            return LatencyPredictor.from_state(saved, space) if saved is not None else None

        lookup = dict(zip((space.parse(a) for a in state["archs"]), state["ms"].tolist()))
        return cls(state["name"], lookup, loaded(state["fallback"]), loaded(state.get("additive")),
                   state.get("floor_ms", 1e-6))


def _within_range(log_ms: np.ndarray, log_range: list[float]) -> np.ndarray:
    """Milliseconds from predicted log latency, never past 4x the latencies fitted on: the
    log models and `hybrid` do not extrapolate further."""
    lo, hi = log_range
    return np.exp(np.clip(log_ms, lo - math.log(4), hi + math.log(4)))


class LatencyPredictor(ArchPredictor):
    """Predicts latency in ms from an architecture of ``space`` (optionally from other devices'
    latency, ``sources``)."""

    MODELS = LATENCY_MODELS
    FORMAT = FORMAT
    ENSEMBLES = (2, 3)

    def __init__(self, space: SearchSpace, model: str = "auto", seed: int = 0,
                 sources: list[LatencySource] | tuple[LatencySource, ...] = (), kernels: str | None = None,
                 rewrites: bool = True) -> None:
        self.sources, self.rewrites = list(sources), rewrites
        if any(m in TRANSFER_MODELS for m in model.split("+")) and not self.sources:
            raise ConfigError(f"model {model!r} learns from other devices: give a source (--from TABLE_OR_PREDICTOR)")
        if kernels is not None:
            check_runtime(kernels)
        self.kernels, self.kernel_vocabulary_ = kernels, []
        super().__init__(space, model, seed)

    def fit(self, archs: list[Arch], y: np.ndarray | list[float]) -> LatencyPredictor:
        if self.kernels is not None:  # the node types the training networks run: the kernel columns
            self.kernel_vocabulary_ = sorted(set().union(*(kernel_counts(self.space, a, self.kernels) for a in archs)))
        return super().fit(archs, y)

    def features(self, archs: list[Arch], one_hot_only: bool = False) -> np.ndarray:
        """With ``kernels``, the runtime's kernel counts after the other features (the graph
        models, which read the one-hot ops along the DAG, go without)."""
        x = super().features(archs, one_hot_only)
        return x if one_hot_only else np.hstack([x, self._kernel_columns(archs)])

    def _kernel_columns(self, archs: list[Arch]) -> np.ndarray:
        if not self.kernel_vocabulary_:
            return np.zeros((len(archs), 0))
        return kernel_matrix(self.space, archs, self.kernel_vocabulary_, self.kernels)

    def _additive_features(self, archs: list[Arch], rewrites: bool) -> np.ndarray:
        """What ``linear`` sums costs over: the one-hot ops, the space's counts
        (``rewrites``: `SearchSpace.rewrite_features`; predictors saved before them lack them)
        and the kernels where counted."""
        rewritten = [self.space.rewrite_features(a) for a in archs] if rewrites else []
        return np.hstack([self.features(archs, True), np.reshape(rewritten, (len(archs), -1)),
                          self._kernel_columns(archs)])

    def models(self) -> tuple[str, ...]:
        counted = defines_counts(self.space)
        return (tuple(m for m in super().models() if m != "counts" or counted)
                + (TRANSFER_MODELS if self.sources else ()))

    def _counts(self, archs: list[Arch]) -> np.ndarray:
        return np.array([self.space.count_features(a) for a in archs], dtype=np.float64)

    def _auto_candidates(self, n: int) -> tuple[str, ...]:
        """Below ``FEW`` networks, where the space has it, the per-path model (few parameters),
        `counts` where the space defines `count_features` (eleven columns on NB201), and the
        linear transfer models only: with folds of 2-4 networks the hold-out picks the others by
        luck, and `benchmarks/latency_auto_choice.py` found the per-path model the best of them
        on average on every development table at 10 and 20 networks; `counts`, added in session
        42, gains 2-39 points at 10 networks on every table timed here (docs/benchmarks.md). ``transfer-gbm`` is left
        out too: its trees make no split on so few networks, so it equals ``transfer-ops``. With
        ``kernels``, ``linear`` too: a sum of kernel costs is a few numbers where the runtime's
        kernels explain the latency (docs/benchmarks.md)."""
        if n < FEW and "paths" in self.models():
            return ("paths", *(("counts",) if "counts" in self.models() else ()), *(("linear",) if self.kernels else ()),
                    *(("transfer", "transfer-ops") if self.sources else ()))
        return self.models()

    def _ensemble_pools(self, ranked: list[str]) -> list[list[str]]:
        """With sources, the best models without them are weighed together too: `_choose` may
        prefer them."""
        free = [c for c in ranked if c not in TRANSFER_MODELS]
        return [ranked, free] if self.sources and len(free) < len(ranked) else [ranked]

    def _choose(self, n_held: int) -> str:
        """The best, except where a simpler model is as good. ``transfer-ops`` (a ridge on the
        sources and the structure) must beat the power law ``transfer`` it extends by more than
        one standard error of its share within 10%. And from ``FEW`` held-out networks on, a
        model that reads the sources must have a larger share than the best one without them
        (`_ensemble_pools`: their ensembles too); a tie goes to the one without. Without this,
        foreign sources cost up to 2.5 points at 100 networks on the tables timed here; a margin
        of one standard error also dropped good sources (docs/benchmarks.md, session 39). Below
        ``FEW`` the rule is not applied: folds of 2-4 networks cannot tell (session 27)."""
        best = super()._choose(n_held)
        if best == "transfer-ops" and "transfer" in self.validation_:
            share = self.validation_[best][0]
            if self.validation_["transfer"][0] >= share - math.sqrt(share * (1 - share) / n_held):
                best = "transfer"
        if n_held >= FEW and reads_sources(best):
            free = {kind: figures for kind, figures in self.validation_.items() if not reads_sources(kind)}
            if free:
                alternative = max(free, key=lambda kind: free[kind])
                if free[alternative][0] >= self.validation_[best][0]:
                    return alternative
        return best

    def _extra_state(self) -> dict[str, Any]:
        return {"sources": [source.state(self.space) for source in self.sources], "kernels": self.kernels,
                "kernel_vocabulary": list(self.kernel_vocabulary_), "rewrites": self.rewrites}

    def _load_extra(self, data: dict[str, Any]) -> None:
        self.sources = [LatencySource.from_state(s, self.space) for s in data.get("sources", [])]
        self.kernels, self.kernel_vocabulary_ = data.get("kernels"), list(data.get("kernel_vocabulary", []))
        self.rewrites = data.get("rewrites", True)  # how a refit counts; a fitted `linear` reads its own flag

    def _source_ms(self, archs: list[Arch]) -> np.ndarray:
        return np.stack([source(archs) for source in self.sources], axis=1)

    def _power_law_features(self, archs: list[Arch], S: np.ndarray, additive: bool) -> np.ndarray:
        """Log of the sources' latency, and (``additive``; predictors saved before it existed
        lack it) of their additive part."""
        if not additive:
            return np.log(S)
        return np.log(np.hstack([S, np.stack([source.additive(archs) for source in self.sources], axis=1)]))

    def _structure(self, archs: list[Arch]) -> np.ndarray:
        """The features beyond the one-hot ops (NB201: op counts, live ops, depth; kernel counts)."""
        return self.features(archs)[:, self.space.encoding_size:]

    @staticmethod
    def _correction_columns(struct: np.ndarray, corrections: dict[str, list]) -> np.ndarray:
        """``transfer``'s per-op corrections: the structure features (``struct``), standardised on
        the training networks and shrunk so that its ridge penalises them ``CORRECTION_PENALTY``."""
        z = struct[:, np.array(corrections["keep"], dtype=bool)]
        return (z - np.array(corrections["mean"])) / np.array(corrections["scale"])

    def _fit_transfer(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        S = self._source_ms(archs)
        if kind == "transfer":
            struct = self._structure(archs)
            spread = struct.std(axis=0)
            keep = spread > 1e-9
            corrections = {"keep": keep.tolist(), "mean": struct[:, keep].mean(axis=0).tolist(),
                           "scale": (spread[keep] * math.sqrt(CORRECTION_PENALTY / TRANSFER_ALPHA)).tolist()}
            X = np.hstack([self._power_law_features(archs, S, True), self._correction_columns(struct, corrections)])
            return {"ridge": Ridge(alpha=TRANSFER_ALPHA).fit(X, np.log(y)), "additive": True,
                    "corrections": corrections}
        X = self._ops_features(archs, S)
        ridge = Ridge().fit(X, y)
        if kind == "transfer-ops":
            return {"ridge": ridge}
        base = np.maximum(ridge.predict(X), 1e-3 * y.min())
        trees = np.hstack([self.features(archs), np.log(S)])
        return {"ridge": ridge, "gbm": GradientBoosting(n_estimators=300, seed=self.seed).fit(trees, np.log(y / base))}

    def _ops_features(self, archs: list[Arch], S: np.ndarray) -> np.ndarray:
        """Sources' milliseconds and the structure features (NB201: op counts, live ops, depth):
        few columns, so per-op corrections are learnt from a few dozen networks."""
        return np.hstack([S, self._structure(archs)])

    def _predict_transfer(self, kind: str, parts: dict[str, Any], archs: list[Arch]) -> np.ndarray:
        S = self._source_ms(archs)
        if kind == "transfer":
            X = self._power_law_features(archs, S, parts.get("additive", False))
            if "corrections" in parts:  # saved before they existed: the power law alone
                X = np.hstack([X, self._correction_columns(self._structure(archs), parts["corrections"])])
            return np.exp(parts["ridge"].predict(X))
        base = np.maximum(parts["ridge"].predict(self._ops_features(archs, S)), 1e-3 * S.min())
        if kind == "transfer-ops":
            return base
        return base * np.exp(parts["gbm"].predict(np.hstack([self.features(archs), np.log(S)])))

    def _ensembles(self, n: int) -> tuple[int, ...]:
        """None below ``FEW`` networks: folds of 2-4 networks rank the members by luck, and the
        ensembles lost 2-9 points there on the development tables (docs/benchmarks.md)."""
        return self.ENSEMBLES if n >= FEW else ()

    def _combine(self, preds: list[np.ndarray]) -> np.ndarray:
        """The geometric mean: latency errors are ratios."""
        return np.exp(np.mean(np.log(np.maximum(preds, 1e-6)), axis=0))

    def _check_targets(self, y: np.ndarray) -> None:
        if not np.all(np.isfinite(y)) or np.any(y <= 0):
            raise DataError("latencies must be positive finite numbers")

    def _select(self, pred: np.ndarray, true: np.ndarray) -> tuple[float, ...]:
        scores = regression_metrics(pred, true)
        return (scores["within_10pct"], -scores["mape"])

    def _fit_kind(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        if kind in TRANSFER_MODELS:
            return self._fit_transfer(kind, archs, y)
        rewrites = self.rewrites and self.kernels is None  # the kernel counts state exactly what they guess
        if kind == "linear":
            return {"ridge": Ridge().fit(self._additive_features(archs, rewrites), y), "rewrites": rewrites}
        if kind == "counts":  # a ridge in ms on a few counts: never below a quarter of the fastest fitted
            return {"ridge": Ridge(alphas=COUNTS_ALPHAS).fit(self._counts(archs), y), "floor": float(y.min()) / 4}
        X = self.features(archs)
        log_range = [float(np.log(y).min()), float(np.log(y).max())]
        if kind == "gbm":
            return {"gbm": GradientBoosting(seed=self.seed).fit(X, np.log(y)), "log_range": log_range}
        if kind in NEURAL:
            if kind in (self._fitted_on_all or {}):  # trained beside the folds, on these rows
                return {kind: self._fitted_on_all.pop(kind), "log_range": log_range}
            model = self._neural(kind)
            return {kind: model.fit(self.features(archs, kind != "mlp"), np.log(y)), "log_range": log_range}
        # hybrid: the trees learn the log ratio to `linear`'s additive estimate
        additive = self._additive_features(archs, rewrites)
        ridge, floor = Ridge().fit(additive, y), 1e-3 * float(y.min())
        base = np.maximum(ridge.predict(additive), floor)
        return {"ridge": ridge, "gbm": GradientBoosting(n_estimators=300, seed=self.seed).fit(X, np.log(y / base)),
                "rewrites": rewrites, "floor": floor, "log_range": log_range}

    def _neural(self, kind: str) -> MLP:
        if kind == "mlp":
            return MLP(seed=self.seed)
        edges = self.space.cell_edges  # the ops on the DAG say everything; extra features overfit small sets
        return GRAPH_MODELS[kind](edges, self.space.encoding_size // len(edges), seed=self.seed)

    def _out_of_fold(self, kind: str, archs: list[Arch], y: np.ndarray, folds: list[np.ndarray]) -> np.ndarray:
        """The neural models train every fold at once (`MLP.fit_many`): same fits, one loop. A
        full-batch model (`paths`) trains its fit on every row in the same loop, during `fit`:
        the folds' training is the same with it or without, and so is the fit (one stacked
        copy more costs a fraction of a fit alone)."""
        if kind not in NEURAL:
            return super()._out_of_fold(kind, archs, y, folds)
        regressor = self._neural(kind)
        on_all = regressor.FULL_BATCH and self._fitted_on_all is not None
        weights = np.ones((len(folds) + on_all, len(y)))
        for f, val in enumerate(folds):
            weights[f, val] = 0.0
        models = regressor.fit_many(self.features(archs, kind != "mlp"), np.log(y), weights)
        if on_all:
            self._fitted_on_all[kind] = models.pop()
        pred = np.full(len(y), np.nan)
        for model, val, w in zip(models, folds, weights):
            train_y = np.log(y[w > 0])
            parts = {kind: model, "log_range": [float(train_y.min()), float(train_y.max())]}
            pred[val] = self._predict_kind(kind, parts, [archs[i] for i in val])
        return pred

    def _predict_kind(self, kind: str, parts: dict[str, Any], archs: list[Arch]) -> np.ndarray:
        if kind in TRANSFER_MODELS:
            return self._predict_transfer(kind, parts, archs)
        if kind == "linear":
            return parts["ridge"].predict(self._additive_features(archs, parts.get("rewrites", False)))
        if kind == "counts":
            return np.maximum(parts["ridge"].predict(self._counts(archs)), parts["floor"])
        X = self.features(archs, one_hot_only=kind in GRAPH_MODELS)
        if kind in ("gbm", "mlp", *GRAPH_MODELS):
            return _within_range(parts[kind].predict(X), parts["log_range"])
        if "floor" not in parts:  # hybrid saved before session 41: its ridge read every feature
            return np.maximum(parts["ridge"].predict(X), 1e-6) * np.exp(parts["gbm"].predict(X))
        base = np.maximum(parts["ridge"].predict(self._additive_features(archs, parts["rewrites"])), parts["floor"])
        return _within_range(np.log(base) + parts["gbm"].predict(X), parts["log_range"])

    def score(self, archs: list[Arch], latency_ms: np.ndarray | list[float]) -> dict[str, float]:
        """``rmse_ms``, ``mape``, ``within_5pct``, ``within_10pct``, ``spearman``, ``kendall``."""
        metrics = regression_metrics(self.predict(archs), np.asarray(latency_ms, dtype=np.float64))
        metrics["rmse_ms"] = metrics.pop("rmse")
        return metrics


@register_evaluator
class PredictedLatency(LatencyEvaluator):
    """A fitted latency predictor as a cheap evaluator (``latency_ms``) for constraints."""

    def __init__(self, path: str | Path, space: SearchSpace) -> None:
        super().__init__()
        self.path = str(path)
        self.predictor = LatencyPredictor.load(path, space)

    def get_params(self) -> dict[str, Any]:
        return {"type": "PredictedLatency", "path": self.path}

    def _latency(self, arch: Arch) -> float:
        return self.predictor.predict([arch])[0]
