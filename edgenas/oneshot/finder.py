"""Specialisation: a constrained evolutionary search over the sub-networks, on whole arrays.

Architectures are rows of choice indices (`ChoiceCodec`), so a generation of mutation,
crossover, canonical forms, constraint checks and predicted accuracy is a few numpy / PyTorch
calls rather than a Python loop per candidate (the reference finder calls its cost model per
sample and rejection-samples with ``while True``).

Costs are `LayerCost` tables: every cost the specialisation uses is a sum (MACs, parameters,
a layer lookup table's latency) or a maximum (peak activation memory) over the layers, and a
block's layer depends only on its position, width, resolution, kernel and expand ratio. The
table holds each (width, resolution, block, kernel, expand) once, so a cost of a million
candidates is one gather; its exact minimum over the space is known, so an impossible limit is
reported up front with the closest value that can be met.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from edgenas.errors import ConfigError
from edgenas.profile import Profile
from edgenas.spaces import Arch, MBConvSpace
from edgenas.spaces._layers import Layer, layer_profile

__all__ = ["ChoiceCodec", "LayerCost", "Constraint", "EvolutionFinder", "FinderResult", "layer_profile_costs"]


class ChoiceCodec:
    """Architectures of an `MBConvSpace` as integer rows (one column per choice)."""

    def __init__(self, space: MBConvSpace) -> None:
        self.space = space
        self.keys = list(space.choices)
        self.sizes = np.array([len(space.choices[k]) for k in self.keys])
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.column = {k: i for i, k in enumerate(self.keys)}
        # block columns: (kernel col, expand col, depth col, block index)
        self.blocks = [(self.column[f"s{s}_b{b}_kernel"], self.column[f"s{s}_b{b}_expand"], self.column[f"s{s}_depth"], b)
                       for s in range(len(space.stages)) for b in range(space.max_depth)]
        self.depth_values = np.array(space.depths)
        self.kernel_cols = np.array([k for k, *_ in self.blocks])
        self.expand_cols = np.array([e for _, e, *_ in self.blocks])
        self.block_depth_cols = np.array([d for *_, d, _ in self.blocks])
        self.block_index = np.array([b for *_, b in self.blocks])

    def encode(self, archs: Sequence[Arch]) -> np.ndarray:
        return np.array([[self.space._index[k][a[k]] for k in self.keys] for a in archs], dtype=np.int64)

    def decode(self, row: np.ndarray) -> Arch:
        return self.space.validate({k: self.space.choices[k][int(i)] for k, i in zip(self.keys, row)})

    def active(self, rows: np.ndarray) -> np.ndarray:
        """(n, blocks) bool: which block slots the rows' depths keep."""
        return self.depth_values[rows[:, self.block_depth_cols]] > self.block_index

    def canonical(self, rows: np.ndarray) -> np.ndarray:
        """Inactive blocks' choices set to the first value (the space's canonical form)."""
        rows = rows.copy()
        active = self.active(rows)
        rows[:, self.kernel_cols] *= active
        rows[:, self.expand_cols] *= active
        return rows

    def one_hot(self, rows: np.ndarray) -> np.ndarray:
        """The space's `encode` of every row at once (float32)."""
        out = np.zeros((len(rows), int(self.sizes.sum())), dtype=np.float32)
        np.put_along_axis(out, rows + self.offsets, 1.0, axis=1)
        return out

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.canonical(rng.integers(0, self.sizes, size=(n, len(self.sizes))))


@dataclass
class LayerCost:
    """A per-network cost as a table over layers: ``fixed[w, r]`` (stem, head, classifier) and
    ``blocks[w, r, j, k, e]``, combined by ``reduce`` (``sum`` or ``max``)."""

    name: str
    fixed: np.ndarray
    blocks: np.ndarray
    reduce: str = "sum"
    codec: ChoiceCodec = field(repr=False, default=None)  # type: ignore[assignment]

    @classmethod
    def build(cls, name: str, space: MBConvSpace, layer_cost: Callable[[Layer], float], reduce: str = "sum",
              num_classes: int = 10) -> LayerCost:
        codec = ChoiceCodec(space)
        slots = [f"s{s}_b{b}" for s in range(len(space.stages)) for b in range(space.max_depth)]
        fixed = np.zeros((len(space.widths), len(space.resolutions)))
        blocks = np.zeros((len(space.widths), len(space.resolutions), len(slots), len(space.kernels), len(space.expands)))
        cache: dict[str, float] = {}
        full = [space.max_depth] * len(space.stages)
        for wi, w in enumerate(space.widths):
            for ri, r in enumerate(space.resolutions):
                for ki, k in enumerate(space.kernels):
                    for ei, e in enumerate(space.expands):
                        rest = []
                        for layer in space.layers(space.uniform(w, r, full, k, e), num_classes):
                            if layer.key not in cache:
                                cache[layer.key] = float(layer_cost(layer))
                            if layer.slot in slots:
                                blocks[wi, ri, slots.index(layer.slot), ki, ei] = cache[layer.key]
                            else:
                                rest.append(cache[layer.key])
                        fixed[wi, ri] = sum(rest) if reduce == "sum" else max(rest)
        return cls(name, fixed, blocks, reduce, codec)

    @classmethod
    def project(cls, name: str, codec: ChoiceCodec, rows: np.ndarray, values: np.ndarray) -> LayerCost:
        """The additive table closest in least squares to ``values`` given on ``rows`` (minimum
        norm where choices are collinear; a choice never seen costs 0). This is how a cost that
        is not a sum over layers -- a learned latency predictor on whole-network features, a tree
        model whose gradient is zero almost everywhere -- gets a differentiable expectation: the
        expectation of its additive projection, whose error the caller measures and corrects."""
        n_fixed = len(codec.space.widths) * len(codec.space.resolutions)
        shape = (len(codec.space.widths), len(codec.space.resolutions), len(codec.blocks),
                 len(codec.space.kernels), len(codec.space.expands))
        w, r = rows[:, codec.column["width"]], rows[:, codec.column["resolution"]]
        design = np.zeros((len(rows), n_fixed + int(np.prod(shape))))
        design[np.arange(len(rows)), w * shape[1] + r] = 1.0
        j = np.broadcast_to(np.arange(len(codec.blocks)), (len(rows), len(codec.blocks)))
        cells = np.ravel_multi_index((np.broadcast_to(w[:, None], j.shape), np.broadcast_to(r[:, None], j.shape), j,
                                      rows[:, codec.kernel_cols], rows[:, codec.expand_cols]), shape)
        np.put_along_axis(design, n_fixed + cells, codec.active(rows).astype(np.float64), axis=1)
        solution = np.linalg.lstsq(design, np.asarray(values, dtype=np.float64), rcond=None)[0]
        return cls(name, solution[:n_fixed].reshape(shape[:2]), solution[n_fixed:].reshape(shape), "sum", codec)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        c = self.codec
        w, r = rows[:, c.column["width"]], rows[:, c.column["resolution"]]
        j = np.arange(len(c.blocks))
        per_block = self.blocks[w[:, None], r[:, None], j[None, :], rows[:, c.kernel_cols], rows[:, c.expand_cols]]
        active = c.active(rows)
        if self.reduce == "sum":
            return self.fixed[w, r] + np.where(active, per_block, 0.0).sum(1)
        return np.maximum(self.fixed[w, r], np.where(active, per_block, -np.inf).max(1))

    def minimum(self) -> tuple[float, np.ndarray]:
        """The smallest value any architecture has, and one architecture (row) that has it."""
        c, space = self.codec, self.codec.space
        best, best_row = np.inf, None
        combine = np.add if self.reduce == "sum" else np.maximum
        for wi in range(len(space.widths)):
            for ri in range(len(space.resolutions)):
                table = self.blocks[wi, ri].reshape(len(c.blocks), -1)
                cheapest = table.min(1)
                pick = table.argmin(1)
                row = np.zeros(len(c.keys), dtype=np.int64)
                row[c.column["width"]], row[c.column["resolution"]] = wi, ri
                value = self.fixed[wi, ri]
                for s in range(len(space.stages)):
                    js = [j for j, (*_, dcol, _) in enumerate(c.blocks) if dcol == c.column[f"s{s}_depth"]]
                    options = []
                    for d in space.depths:
                        used = cheapest[js[:d]]
                        options.append(used.sum() if self.reduce == "sum" else used.max())
                    di = int(np.argmin(options))
                    value = combine(value, options[di])
                    row[c.column[f"s{s}_depth"]] = di
                    for j in js:
                        row[c.blocks[j][0]], row[c.blocks[j][1]] = divmod(int(pick[j]), len(space.expands))
                if value < best:
                    best, best_row = float(value), c.canonical(row[None])[0]
        assert best_row is not None
        return best, best_row


def layer_profile_costs(space: MBConvSpace, num_classes: int = 10, bytes_per_element: int = 1) -> dict[str, LayerCost]:
    """``macs``, ``params``, ``weight_bytes`` (sums) and ``peak_memory_bytes`` (max over layers:
    between layers of a chain only one activation is alive), each layer profiled once
    (`layer_profile`)."""

    def prof(layer: Layer) -> Profile:
        return layer_profile(layer, bytes_per_element)

    return {
        "macs": LayerCost.build("macs", space, lambda lay: prof(lay).macs, num_classes=num_classes),
        "params": LayerCost.build("params", space, lambda lay: prof(lay).params, num_classes=num_classes),
        "weight_bytes": LayerCost.build("weight_bytes", space, lambda lay: prof(lay).weight_bytes, num_classes=num_classes),
        "peak_memory_bytes": LayerCost.build("peak_memory_bytes", space, lambda lay: prof(lay).peak_memory_bytes,
                                             reduce="max", num_classes=num_classes),
    }


@dataclass(frozen=True)
class Constraint:
    """``cost(rows) <= limit``."""

    cost: Callable[[np.ndarray], np.ndarray]
    limit: float
    name: str

    def check(self) -> None:
        """Raise with the closest feasible value when no architecture meets the limit."""
        minimum = getattr(self.cost, "minimum", None)
        if minimum is None:
            return
        low, _ = minimum()
        if low > self.limit:
            raise ConfigError(f"no sub-network has {self.name} <= {self.limit:g}: the smallest possible is {low:.4g}; "
                              f"raise the limit to at least {low:.4g}")


@dataclass
class FinderResult:
    arch: Arch
    predicted: float
    costs: dict[str, float]
    history: list[float]
    evaluated: int


class EvolutionFinder:
    """Population, elitist parents, mutation and uniform crossover, constraints by rejection in
    bulk (a capped number of oversampled rounds, never an endless loop). ``predict`` maps rows
    (`ChoiceCodec`) to predicted accuracy; children repeat neither each other nor a parent."""

    def __init__(self, space: MBConvSpace, predict: Callable[[np.ndarray], np.ndarray],
                 constraints: Sequence[Constraint] = (), population: int = 100, generations: int = 500,
                 parent_ratio: float = 0.25, mutation_ratio: float = 0.5, mutate_prob: float = 0.1,
                 resolution_mutate_prob: float = 0.5, seed: int = 0) -> None:
        if population < 2 or generations < 1:
            raise ConfigError(f"population must be at least 2 and generations at least 1, got {population}, {generations}")
        self.codec = ChoiceCodec(space)
        self.predict, self.constraints = predict, list(constraints)
        self.population, self.generations = population, generations
        self.parents = max(1, int(round(parent_ratio * population)))
        self.mutants = int(round(mutation_ratio * population))
        self.mutate_prob, self.resolution_mutate_prob = mutate_prob, resolution_mutate_prob
        self.seed = seed
        self._weights = np.random.default_rng(12345).integers(1, 2**62, size=len(self.codec.keys))

    def feasible(self, rows: np.ndarray) -> np.ndarray:
        ok = np.ones(len(rows), dtype=bool)
        for c in self.constraints:
            ok &= c.cost(rows) <= c.limit
        return ok

    def _fill(self, make: Callable[[int], np.ndarray], n: int, taken: np.ndarray | None = None,
              rounds: int = 20) -> np.ndarray:
        """``n`` distinct feasible rows from ``make(batch)``, none in ``taken``, oversampling
        twofold per round; fewer if the rounds run out."""
        seen = set() if taken is None else set(self._keys(taken).tolist())
        found: list[np.ndarray] = []
        have = 0
        for _ in range(rounds):
            batch = make(2 * (n - have) + 16)
            batch = batch[self.feasible(batch)]
            fresh = []
            for i, key in enumerate(self._keys(batch).tolist()):
                if key not in seen:
                    seen.add(key)
                    fresh.append(i)
                    if have + len(fresh) == n:
                        break
            found.append(batch[fresh])
            have += len(fresh)
            if have >= n:
                break
        return np.concatenate(found) if found else np.zeros((0, len(self.codec.keys)), dtype=np.int64)

    def _keys(self, rows: np.ndarray) -> np.ndarray:
        """One integer per row (a random 64-bit projection: equal rows, equal keys)."""
        return rows @ self._weights

    def _mutate(self, rng: np.random.Generator, parents: np.ndarray, n: int) -> np.ndarray:
        c = self.codec
        rows = parents[rng.integers(len(parents), size=n)].copy()
        fresh = rng.integers(0, c.sizes, size=rows.shape)
        prob = np.full(len(c.keys), self.mutate_prob)
        prob[c.column["resolution"]] = self.resolution_mutate_prob
        change = rng.random(rows.shape) < prob
        change[:, c.expand_cols] = change[:, c.kernel_cols]  # a block's kernel and expand change together
        rows[change] = fresh[change]
        return c.canonical(rows)

    def _crossover(self, rng: np.random.Generator, parents: np.ndarray, n: int) -> np.ndarray:
        a = parents[rng.integers(len(parents), size=n)]
        b = parents[rng.integers(len(parents), size=n)]
        return self.codec.canonical(np.where(rng.random(a.shape) < 0.5, a, b))

    def run(self, progress: Callable[[int, int, float], None] | None = None,
            start: Sequence[np.ndarray] = ()) -> FinderResult:
        """``start``: rows known to be feasible, to grow the population from when random rows
        rarely are (a floor on predicted accuracy)."""
        for c in self.constraints:
            c.check()
        rng = np.random.default_rng(self.seed)
        pop = self._fill(lambda m: self.codec.sample(rng, m), self.population)
        if len(pop) < self.population:
            # a tight limit: grow the population from the cheapest network of each constraint
            seeds = [*start, *(c.cost.minimum()[1] for c in self.constraints if hasattr(c.cost, "minimum"))]
            seeds = np.array([s for s in seeds if self.feasible(s[None])[0]])
            if len(pop) == 0 and len(seeds) == 0:
                names = ", ".join(f"{c.name} <= {c.limit:g}" for c in self.constraints)
                raise ConfigError(f"no sub-network found that meets all of {names} together; relax one of them")
            base = np.concatenate([pop, seeds]) if len(seeds) else pop
            more = self._fill(lambda m: self._mutate(rng, base, m), self.population - len(base), base, rounds=50)
            pop = np.concatenate([base, more])
        fitness = self.predict(pop)
        evaluated = len(pop)
        history: list[float] = []
        for g in range(self.generations):
            order = np.argsort(-fitness, kind="stable")[: self.parents]
            parents, parent_fit = pop[order], fitness[order]
            history.append(float(parent_fit[0]))
            if progress:
                progress(g + 1, self.generations, float(parent_fit[0]))
            mutants = self._fill(lambda m, p=parents: self._mutate(rng, p, m), self.mutants, parents)
            crossed = self._fill(lambda m, p=parents: self._crossover(rng, p, m), self.population - len(mutants),
                                 np.concatenate([parents, mutants]))
            kids = np.concatenate([mutants, crossed])
            kid_fit = self.predict(kids) if len(kids) else np.zeros(0)
            evaluated += len(kids)
            pop, fitness = np.concatenate([parents, kids]), np.concatenate([parent_fit, kid_fit])
        best = int(np.argmax(fitness))
        row = pop[best]
        costs = {c.name: float(c.cost(row[None])[0]) for c in self.constraints}
        return FinderResult(self.codec.decode(row), float(fitness[best]), costs, history, evaluated)
