"""Surrogate-guided local search: local moves, ordered by a Gaussian process of the fitness
ranks, sampled (Thompson) so that the order explores where the model is unsure."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from edgenas.errors import ConfigError, DataError
from edgenas.spaces import Arch, SearchSpace
from edgenas.strategies._base import Feasible, FitnessFactor, Strategy

__all__ = ["GuidedLocalSearch", "normal_scores", "load_prior", "split_prior_spec", "SHIPPED_PRIOR"]

LENGTH_SCALES = (0.25, 0.5, 1.0, 2.0)
# the shares of a related task's scores in the GP's kernel (``prior``), by marginal likelihood:
# small, so that a source that ranks the task's cells poorly costs little (docs/benchmarks.md)
PRIOR_SHARES = (0.0, 0.25, 0.5)
LINEAR_SHARES = (0.0, 0.25, 0.5)
# the noise shares the candidates' draw chooses from by marginal likelihood (``sharp_draw``)
DRAW_NOISES = (0.3, 0.6, 1.0)
# the default ``prior`` per space: a data-free zero-cost proxy's score of every architecture,
# which describes the network whatever the task (docs/benchmarks.md); spaces not named get none
SHIPPED_PRIOR = {"nb201": "nb201-synflow"}
MAX_CANDIDATES = 256  # a random subset beyond this: the joint draw is cubic in the candidates


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Ranks mapped to standard-normal quantiles: the model sees only the order of the
    fitnesses, so a table's scale, a skew, or a few failed networks change nothing. Failed
    (non-finite) fitnesses rank below every finite one."""
    from scipy.stats import norm

    values = np.where(np.isfinite(values), values, -np.inf)
    order = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return norm.ppf((order + 0.5) / len(values))


def _from_normal_scores(z: np.ndarray, scores: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Invert `normal_scores` for drawn scores ``z``: the told (score, value) pairs (finite
    values only) interpolated, and beyond the ends extended along the secant of the best (or
    worst) quarter, so a draw above every told score still means a higher value."""
    finite = np.isfinite(values)
    s, v = scores[finite], values[finite]
    if len(s) < 2:
        return np.full(len(z), v[0] if len(v) else 0.0)
    order = np.argsort(s)
    s, v = s[order], v[order]
    q = max(1, len(s) // 4)
    top = (v[-1] - v[-1 - q]) / max(s[-1] - s[-1 - q], 1e-12)
    bottom = (v[q] - v[0]) / max(s[q] - s[0], 1e-12)
    out = np.interp(z, s, v)
    out = np.where(z > s[-1], v[-1] + top * (z - s[-1]), out)
    return np.where(z < s[0], v[0] + bottom * (z - s[0]), out)


def _best_fit(grid: list[tuple], chol: np.ndarray, alpha: np.ndarray, loglik: np.ndarray
              ) -> tuple[tuple[float, float, float], np.ndarray, np.ndarray]:
    """`GuidedLocalSearch._gp_grid`'s entry of the highest log likelihood (the first of equal
    ones): its (length scale, prior share, linear share), Cholesky factor and alpha."""
    best = int(np.argmax(loglik))
    _, share, lin_share, length = grid[best]
    return (length, share, lin_share), chol[best], alpha[best]


def split_prior_spec(spec: str) -> tuple[str, str | None]:
    """``TABLE[:COLUMN]`` -> (table, column or None); a file whose own name has a colon stays whole."""
    head, sep, tail = spec.rpartition(":")
    if sep and head and tail and "/" not in tail and not Path(spec).exists():
        return head, tail
    return spec, None


# priors loaded in this process, by the table's stamp and the column: a benchmark or a resumed
# run builds the strategy again and again, and keying 15,625 cells takes 0.1 s
_LOADED: dict[tuple, tuple[dict[str, float], str]] = {}


def load_prior(spec: str, space: SearchSpace) -> tuple[dict[str, float], str]:
    """A related task's table as each equivalence class's normal score (``guided``'s ``prior``),
    and the spec as a run stores it (the table's ``source``: a shipped table by its name, a file
    by its absolute path, so a run resumed from another folder finds it).

    ``spec`` is a CSV path or a shipped table's name, with ``:COLUMN`` to pick the metric (by
    default an accuracy column, else the first); ranks, not values, so the source's scale is
    irrelevant. Cells of the space the table lacks get the median's score, 0, from the caller."""
    from edgenas.estimate import TabularBenchmark, resolve_table
    from edgenas.estimate.tabular import table_stamp

    path, column = split_prior_spec(spec)
    try:
        key = (table_stamp(resolve_table(path), space), path, column)
    except (DataError, OSError):
        key = None  # TabularBenchmark says what is wrong
    if key in _LOADED:
        return _LOADED[key]
    table = TabularBenchmark(path, space, metrics=None if column is None else [column])
    metric = column or next((m for m in table.metrics if "acc" in m), table.metrics[0])
    values: dict[str, float] = {}
    for arch, row in table.rows.items():
        if math.isfinite(row[metric]):
            values.setdefault(space.equivalence_key(arch), row[metric])
    if len(values) < 2:
        raise DataError(f"prior {spec!r}: fewer than 2 architectures with a finite {metric}; give a table "
                        "of a related task's scores for many of the space's architectures")
    keys = list(values)
    scores = dict(zip(keys, normal_scores(np.array([values[k] for k in keys])).tolist()))
    loaded = scores, table.source if column is None else f"{table.source}:{column}"
    if key is not None:
        if len(_LOADED) >= 8:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = loaded
    return loaded


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances per feature (so one length scale suits any feature count)."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0.0) / a.shape[1]


def _dot(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Inner products per feature, the linear term's kernel (None where there is no term)."""
    return None if a is None else a @ b.T / a.shape[1]


def _kernel(d: np.ndarray, lin: np.ndarray | None, length: float, share: float, lin_share: float,
            prior_a: np.ndarray | None, prior_b: np.ndarray | None) -> np.ndarray:
    """Squared exponential of the distances ``d``, mixed with a linear kernel on the two sides'
    prior scores at ``share`` and the features' linear kernel ``lin`` at ``lin_share``
    (exactly the squared exponential at shares 0)."""
    out = np.exp(-d / (2 * length**2))
    if share == 0 and lin_share == 0:
        return out
    out = (1 - share - lin_share) * out
    if share:
        out = out + share * np.outer(prior_a, prior_b)
    if lin_share:
        out = out + lin_share * lin
    return out


class GuidedLocalSearch(Strategy):
    """Local search whose next move a Gaussian process picks.

    After ``initial`` random evaluations, each ask fits a GP (squared-exponential kernel,
    length scale by marginal likelihood) to the fitness *ranks* of everything told, on the
    architecture's features (one-hot choices, plus the space's structure features where the
    space computes them cheaply), draws one joint sample over the candidates and asks for the
    highest. Candidates are the unseen neighbours (one choice changed) of the ``top`` best
    architectures so far: every step is a local move, but the model decides which move and
    from which good point, so what a hill climber learns one query at a time (this op is good
    on this edge) is shared across the neighbourhood. "Best" is by the GP's posterior mean at
    the told cells (``smooth_parents``), not their told fitness: where fitness is noisy (one
    training seed) the best told cells are partly the luckiest, and the mean, which pools each
    cell's neighbours, climbs from where the networks are good. Thompson sampling keeps trying
    moves the model is unsure of, which is what holds up on noisy fitness; the draw is taken at
    a quarter of its spread around the mean (``exploration``; 1 is a full Thompson draw, 0 the
    mean): of a hundred candidates, a full joint draw's best is often merely the least known
    one; tempered, the draw still tries uncertain moves but finds better cells within 50
    queries on noisy landscapes, at a small cost on some clean ones (docs/benchmarks.md). A best
    cell whose neighbours are all asked (or infeasible) gives its place to the next best one;
    only when no evaluated cell has a new neighbour does a random architecture restart the walk.

    When the objective's cost is known before evaluation (``fitness_factor``: a latency table
    or a profiler beside a MnasNet reward), the GP learns the metric alone (fitness divided by
    the factor) and each candidate is scored by its drawn metric, mapped back from ranks to
    values, times its own factor: the trade-off is computed, not learned. Of equivalent
    candidates the cheaper is kept; one that could not beat the best fitness even at its
    optimistic bound (GP mean + 2 sd) is dropped, and the walk climbs from the 2 x ``top``
    best cells (of the 4 x ``top`` best) that still have a hopeful neighbour.

    ``noise`` is the share of the rank variance the GP treats as unexplained (larger: trusts
    the model less). 0.6, not the 0.3 it was: with the tempered draw, a smoother GP is led
    less far by one lucky cell on noisy fitness, at some cost on noise-free trade-offs whose
    top is a plateau (docs/benchmarks.md). The GP sees at most ``memory`` points (the best two
    thirds and the most recent third), so an ask costs the same after 300 or 30,000
    evaluations.

    Where the space computes structure features (op counts, live paths, depth), the raw
    choices' one-hot columns weigh ``choice_weight`` (0.25) against them in the GP's distance:
    weighed equally, the one-hot columns (changed by every move, dead edges included) dominate
    the distance, so the GP tells neighbours apart by which choice moved rather than by what
    the move did to the network; on noisy landscapes its picks then land in the top less often
    (docs/benchmarks.md, `benchmarks/guided_replay.py`).

    ``prior`` (a table of scores of the space's architectures, see `load_prior`) adds to the
    kernel a linear term in each cell's score there: K = (1 - w) SE + w s s', the share w (0,
    0.25 or 0.5) chosen with the length scale by marginal likelihood, so the GP leans on the
    table as far as the told fitnesses agree with it (with either sign: the term is a slope of
    any sign). Transfer, not a warm start: the first cells stay random, and an unrelated table
    gets share 0. By default (``"auto"``) the space's data-free zero-cost scores
    (`SHIPPED_PRIOR`: synflow on NB201), which describe the network whatever the task: on noisy
    CIFAR-10 landscapes they cut the regret at 50 queries by a fifth to a third, and on tasks
    they rank poorly they cost within the seeds' noise (docs/benchmarks.md). Not where the cost
    factor is known (``fitness_factor``): the trade-off's best cells are small ones, which a
    size-bound proxy ranks poorly, and the prior cost up to 0.05 at 100 queries there. A
    related task's table (``nb201-cifar10`` when searching NB201 on another dataset) is the
    user's choice: a weakly related one misleads (CIFAR-10 for short Fashion-MNIST training
    costs a quarter point at 50 queries). ``"none"``: no prior.

    ``linear`` adds a linear kernel on the standardised features (every column weighing the
    same), its share (0, 0.25 or 0.5) chosen with the others by marginal likelihood: K = (1 -
    w - v) SE + w s s' + v x x' / D. The squared exponential pools only near neighbours; an
    effect that adds up over the choices (this op pays off on this edge, wherever the other
    edges stand: how one task differs from another) the linear term learns from every told
    cell, and TPE, which models each choice on its own, gains on such tasks for that reason.
    On tasks shifted from CIFAR-10 it cut the regret at 50 queries by 8-13%; elsewhere it costs
    nothing measurable (docs/benchmarks.md). An ask costs about twice the time (10 ms at 100 told).
    By default (``"auto"``) on, except, like the prior, where the cost factor is known: there
    the trade-off's optimistic bound reaches far beyond the told cells along the linear
    term, and on a noisy table times latency it cost a quarter point.

    ``tpe_after``: once the best told fitness has not improved for that many asks, every
    second ask is TPE's move instead (`_tpe_pick`: a cell drawn from the per-choice densities
    of the best told cells, blind to the GP), until a better cell turns up. A hedge: the walk
    climbs to a top near where it started, and a task whose top lies elsewhere (a small cell
    where CIFAR-10's are large) it does not leave for; TPE's independent per-choice draws jump
    there. On tasks shifted from CIFAR-10 it cut the regret at 100 queries by a third to a
    half; where the walk's own top is the task's (noisy CIFAR-10) it costs up to about a tenth
    of a point (docs/benchmarks.md). ``"auto"``: 10, or 0 (never) where the cost factor is
    known: there TPE's moves, blind to the known cost, cost up to a fifth of a point at 50
    queries on three of six trade-offs and gained a tenth on one soft limit (docs/benchmarks.md).

    ``shared_fit``: one GP fit per ask serves both the parents' ranking and the candidates'
    draw, the features scaled by the told cells alone: a run takes about 60% of the time of one
    fitting twice, the regret unchanged within the seeds' noise (docs/benchmarks.md). Runs
    stored before it scaled the features with the candidates and fitted again, and resume so.

    ``sharp_draw``: the candidates are drawn from a second fit whose noise share (0.3, 0.6 or
    1.0) marginal likelihood chooses with the other kernel parameters, while the parents stay
    ranked by the fit of the fixed ``noise``: a smooth mean keeps lucky cells from leading the
    walk, and the draw is as sharp as the task allows (the likelihood picks 0.3 on tasks shifted
    from CIFAR-10 with little noise, mostly 0.6 on noisy ones). Choosing the noise for both fits
    traded a gain on shifted tasks for a loss on noisy ones; for the draw alone it cut the regret
    at 50 queries by 0.09 on the shifted development draws and by 0.23 on the held-out draws
    shifted furthest (shift 2.0), within the seeds' noise elsewhere, about +0.01 at 100 queries on
    noisy draws (docs/benchmarks.md). Not where the cost factor is known (that path is
    unchanged). With ``shared_fit`` both fits come from one grid over the noise shares (`_gp_fits`;
    a run of 100 queries ~1 s). Runs stored before it draw from the one fit, and resume so.
    """

    name = "guided"
    # runs stored before these existed climbed from the told best, with full Thompson draws, on
    # features that weighed the raw choices as much as the structure
    added_params = {"smooth_parents": False, "exploration": 1.0, "choice_weight": 1.0, "prior": None,
                    "linear": False, "tpe_after": 0, "shared_fit": False, "sharp_draw": False}

    def __init__(self, space: SearchSpace, *, seed: int = 0, feasible: Feasible | None = None,
                 fitness_factor: FitnessFactor | None = None,
                 initial: int = 10, top: int = 5, noise: float = 0.6, memory: int = 300,
                 smooth_parents: bool = True, exploration: float = 0.25, choice_weight: float = 0.25,
                 prior: str | None = "auto", linear: bool | str = "auto", tpe_after: int | str = "auto",
                 shared_fit: bool = True, sharp_draw: bool = True) -> None:
        super().__init__(space, seed=seed, feasible=feasible, fitness_factor=fitness_factor)
        if (initial < 2 or top < 1 or not 0 < noise < 10 or memory < initial or not 0 <= exploration <= 1
                or not 0 <= choice_weight <= 1):
            raise ConfigError(f"guided needs initial >= 2, top >= 1, 0 < noise < 10, memory >= initial, "
                              f"0 <= exploration <= 1 and 0 <= choice_weight <= 1; got initial={initial}, top={top}, "
                              f"noise={noise}, memory={memory}, exploration={exploration}, choice_weight={choice_weight}")
        self.initial, self.top, self.noise, self.memory = initial, top, noise, memory
        self.smooth_parents, self.exploration, self.choice_weight = smooth_parents, exploration, choice_weight
        if linear == "auto":  # like the prior, not where a known cost factor shapes the fitness
            linear = fitness_factor is None
        if not isinstance(linear, bool):
            raise ConfigError(f"guided's linear is true, false or 'auto', got {linear!r}")
        self.linear = linear
        if tpe_after == "auto":  # like the prior, not where a known cost factor shapes the fitness
            tpe_after = 10 if fitness_factor is None else 0
        if not isinstance(tpe_after, int) or isinstance(tpe_after, bool) or tpe_after < 0:
            raise ConfigError(f"guided's tpe_after is a number of asks >= 0 (0: never) or 'auto', got {tpe_after!r}")
        self.tpe_after = tpe_after
        if not isinstance(shared_fit, bool):
            raise ConfigError(f"guided's shared_fit is true or false, got {shared_fit!r}")
        self.shared_fit = shared_fit
        if not isinstance(sharp_draw, bool):
            raise ConfigError(f"guided's sharp_draw is true or false, got {sharp_draw!r}")
        self.sharp_draw = sharp_draw
        self._features: dict[Arch, np.ndarray] = {}
        self._factor_cache: dict[Arch, float] = {}
        self._exhausted: set[Arch] = set()
        if prior is not None and not isinstance(prior, str):
            raise ConfigError(f"guided's prior is a table (a CSV path or a shipped table's name), 'auto' or "
                              f"'none', got {prior!r}")
        if prior == "auto":  # not where a known cost factor shapes the fitness: see the docstring
            prior = SHIPPED_PRIOR.get(space.name) if fitness_factor is None else None
        elif prior == "none":
            prior = None
        self._prior, self.prior = (None, None) if prior is None else load_prior(prior, space)

    def get_params(self) -> dict:
        return {"initial": self.initial, "top": self.top, "noise": self.noise, "memory": self.memory,
                "smooth_parents": self.smooth_parents, "exploration": self.exploration,
                "choice_weight": self.choice_weight, "prior": self.prior, "linear": self.linear,
                "tpe_after": self.tpe_after, "shared_fit": self.shared_fit, "sharp_draw": self.sharp_draw}

    def features(self, archs: list[Arch]) -> np.ndarray:
        rows = []
        for arch in archs:
            hit = self._features.get(arch)
            if hit is None:
                hit = self.space.encode(arch).astype(np.float64)
                if self.space.cheap_structure_features:
                    hit = np.concatenate([hit, self.space.structure_features(arch)])
                self._features[arch] = hit
            rows.append(hit)
        return np.array(rows, dtype=np.float64)

    def _prior_of(self, archs: list[Arch]) -> np.ndarray | None:
        """Each architecture's score in the ``prior`` table (0, the median, where it has none)."""
        if self._prior is None:
            return None
        return np.array([self._prior.get(self.key(a), 0.0) for a in archs])

    def _linear_features(self, x: np.ndarray, rows: int | None = None) -> np.ndarray | None:
        """The features of the kernel's linear term (``linear``): standardised, every column
        weighing the same, since an additive effect of one choice is as likely as one of a
        structure feature."""
        return self._standardised(x, weighted=False, rows=rows) if self.linear else None

    def _standardised(self, x: np.ndarray, weighted: bool = True, rows: int | None = None) -> np.ndarray:
        """Features scaled to zero mean and unit variance over the first ``rows`` rows (all by
        default), constant ones dropped; beside the structure features, the raw choices'
        one-hot columns then weigh ``choice_weight``."""
        ref = x[:rows]
        scale = ref.std(axis=0)
        weight = np.ones(x.shape[1])
        if self.space.cheap_structure_features and weighted:
            weight[: self.space.encoding_size] = self.choice_weight
        keep = (scale > 1e-9) & (weight > 0)
        return (x[:, keep] - ref[:, keep].mean(axis=0)) / scale[keep] * weight[keep]

    def _candidates(self, ranked: list[Arch], parents_limit: int) -> tuple[list[Arch], list[int]]:
        """Unseen feasible neighbours of the ``parents_limit`` best cells that still have any
        (under a tight constraint the best cells' neighbourhoods run out, and the next best
        cells', not a random restart, carry on the climb), and the rank among those parents
        of each one's parent."""
        out: dict[str, Arch] = {}
        parent_of: dict[str, int] = {}
        parents = 0
        for parent in ranked:
            if parents == parents_limit:
                break
            if parent in self._exhausted:
                continue
            fresh = [a for a in self.space.neighbors(parent) if self.is_new(a)]
            if not fresh:
                self._exhausted.add(parent)  # seen only grows: it stays exhausted
                continue
            parents += 1
            for arch in fresh:
                key = self.key(arch)
                if key not in out:
                    out[key] = arch
                    parent_of[key] = parents - 1
                elif self.fitness_factor is not None:  # one function, two costs: the cheaper one
                    both = self._factors([out[key], arch])
                    if both[1] > both[0]:
                        out[key] = arch
        return list(out.values()), list(parent_of.values())

    def _tpe_pick(self, order: list[int]) -> Arch | None:
        """TPE's move (Bergstra et al. 2011, as Optuna samples categorical choices): per choice,
        the densities of its values among the best told cells (``order``: history indices, best
        first; the best 15%, at least 5), l, and among the rest, g, each count plus one; of 24
        cells drawn from l, the new one of the highest l / g (None if none is new)."""
        n_good = max(5, int(0.15 * len(order)))
        log_ratio, good_p = [], []
        for key, values in self.space.choices.items():
            index = {v: i for i, v in enumerate(values)}
            good, bad = np.ones(len(values)), np.ones(len(values))
            for rank, i in enumerate(order):
                (good if rank < n_good else bad)[index[self.history[i][0][key]]] += 1
            good_p.append(good / good.sum())
            log_ratio.append({v: math.log(good_p[-1][j] / (bad[j] / bad.sum())) for v, j in index.items()})
        best, best_score = None, -math.inf
        for _ in range(24):
            arch = self.space.canonical(Arch({key: values[int(self.rng.choice(len(values), p=p))]
                                              for (key, values), p in zip(self.space.choices.items(), good_p)}))
            score = sum(ratio[arch[key]] for key, ratio in zip(self.space.choices, log_ratio))
            if score > best_score and self.is_new(arch):
                best, best_score = arch, score
        return best

    def _remembered(self, order: list[int]) -> list[int]:
        """History indices the GP sees: all, or beyond ``memory`` the best (``order``: history
        indices, best first) and the most recent."""
        if len(self.history) <= self.memory:
            return list(range(len(self.history)))
        n_best = self.memory * 2 // 3
        best = set(order[:n_best])
        recent = [i for i in range(len(self.history) - 1, -1, -1) if i not in best][: self.memory - n_best]
        return sorted(best.union(recent))

    def _smoothed(self, order: list[int], seen: list[int], y: np.ndarray, alpha: np.ndarray) -> list[int]:
        """``order`` (best told fitness first) with the GP's cells (``seen``, scores ``y``,
        ``alpha`` its fit's (K + noise I)^-1 y) ranked by the GP's posterior mean there instead:
        on a noisy landscape the best told cells are partly the luckiest, and climbing from them
        spends moves where luck, not the network, was good. The mean pools each cell's
        neighbours, so its top is where the good networks are. Cells the GP does not see keep
        their place after."""
        mean = y - self.noise * alpha  # K (K + noise I)^-1 y at the told points
        ranked = [seen[i] for i in np.argsort(-mean, kind="stable")]
        rest = set(seen)
        return ranked + [i for i in order if i not in rest]

    def _propose(self) -> Arch:
        if len(self.history) < self.initial:
            return self.random_fresh()
        order = sorted(range(len(self.history)), key=lambda i: -self.history[i][1])
        known = self.fitness_factor is not None
        stalled = len(self.history) - 1 - order[0]  # asks since the first cell of the best told fitness
        if self.tpe_after and stalled >= self.tpe_after and stalled % 2 == 0:
            pick = self._tpe_pick(order)
            if pick is not None:
                return pick
        seen = self._remembered(order)
        told = [self.history[i] for i in seen]
        fitness = np.array([f for _, f in told])
        y = normal_scores(fitness)  # the GP's targets where the cost is not known
        told_prior = self._prior_of([a for a, _ in told])
        fit = draw_fit = None  # the GP of y on the told cells: the parents' ranking's, the draw's
        if self.smooth_parents and not known:
            told_x = self.features([a for a, _ in told])
            told_fit = (self._standardised(told_x), y, told_prior, self._linear_features(told_x))
            if self.shared_fit and self.sharp_draw:
                fit, draw_fit = self._gp_fits(*told_fit)
            else:
                fit = self._gp_fit(*told_fit)
            order = self._smoothed(order, seen, y, fit[2])
        candidates, parent = self._candidates([self.history[i][0] for i in order], 4 * self.top if known else self.top)
        if not candidates:
            return self.random_fresh()
        if len(candidates) > MAX_CANDIDATES:
            picked = np.sort(self.rng.choice(len(candidates), MAX_CANDIDATES, replace=False))
            candidates, parent = [candidates[i] for i in picked], [parent[i] for i in picked]
        raw = self.features([a for a, _ in told] + candidates)
        rows = len(told) if self.shared_fit and fit is not None else None  # scaled as the fit saw them
        x_all = self._standardised(raw, rows=rows)
        z_all = self._linear_features(raw, rows=rows)
        z = None if z_all is None else (z_all[: len(told)], z_all[len(told):])
        prior = None if told_prior is None else (told_prior, self._prior_of(candidates))
        if not known:
            if self.sharp_draw and draw_fit is None:
                draw_fit = self._gp_fit(x_all[: len(told)], y, told_prior, None if z is None else z[0], DRAW_NOISES)
            elif not self.sharp_draw and self.shared_fit:
                draw_fit = fit
            _, _, draw = self._gp_sample(x_all[: len(told)], y, x_all[len(told):], prior, z, draw_fit)
            return candidates[int(np.argmax(draw))]
        # the cost's factor is known: learn the metric alone, then score each candidate by its
        # drawn metric times its own factor
        told_factor = self._factors([a for a, _ in told])
        metric = np.where(np.isfinite(fitness) & np.isfinite(told_factor), fitness / told_factor, -np.inf)
        y = normal_scores(metric)
        mean, sd, draw = self._gp_sample(x_all[: len(told)], y, x_all[len(told):], prior, z)
        factors = self._factors(candidates)
        scores = _from_normal_scores(draw, y, metric) * factors
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        # a candidate that could not beat the best found even at its metric's optimistic
        # bound (GP mean + 2 sd) is dropped, and its parent with it when it has no other: the
        # walk moves on to parents whose neighbours can still win (2 x top of the 4 x top best)
        hope = _from_normal_scores(mean + 2 * sd, y, metric) * factors > np.max(fitness)
        parent = np.array(parent)
        hopeful = sorted(set(parent[hope].tolist()))[: 2 * self.top]
        eligible = hope & np.isin(parent, hopeful) if hopeful else parent < self.top
        return candidates[int(np.argmax(np.where(eligible, scores, -np.inf)))]

    def _factors(self, archs: list[Arch]) -> np.ndarray:
        """``fitness_factor`` per architecture, cached (nan where the cost is unknown)."""
        out = []
        for arch in archs:
            if arch not in self._factor_cache:
                factor = self.fitness_factor(arch)
                self._factor_cache[arch] = np.nan if factor is None else float(factor)
            out.append(self._factor_cache[arch])
        return np.array(out, dtype=np.float64)

    def _gp_fit(self, x: np.ndarray, y: np.ndarray, prior: np.ndarray | None = None, z: np.ndarray | None = None,
                noises: tuple[float, ...] | None = None) -> tuple[tuple[float, float, float], np.ndarray, np.ndarray]:
        """The (length scale, prior share, linear share) of the highest marginal likelihood, the
        Cholesky factor of the kernel matrix plus noise, and (K + noise I)^-1 y (``prior``: the
        told cells' scores in the ``prior`` table, or None; ``z``: their features for the linear
        term, or None for none; ``noises``: noise shares to choose among too, else ``noise``)."""
        grid, chol, alpha, loglik = self._gp_grid(x, y, prior, z, noises or (self.noise,))
        return _best_fit(grid, chol, alpha, loglik)

    def _gp_fits(self, x: np.ndarray, y: np.ndarray, prior: np.ndarray | None = None, z: np.ndarray | None = None
                 ) -> tuple[tuple, tuple]:
        """`_gp_fit` at the fixed noise share (the parents') and over DRAW_NOISES (the draw's)
        from one grid: the two share every kernel of the fixed share's slice."""
        noises = tuple(sorted(set(DRAW_NOISES) | {self.noise}))
        grid, chol, alpha, loglik = self._gp_grid(x, y, prior, z, noises)
        noise = np.array([g[0] for g in grid])
        return (_best_fit(grid, chol, alpha, np.where(noise == self.noise, loglik, -np.inf)),
                _best_fit(grid, chol, alpha, np.where(np.isin(noise, DRAW_NOISES), loglik, -np.inf)))

    def _grid(self, has_prior: bool, has_linear: bool, noises: tuple[float, ...]) -> list[tuple]:
        """Every (noise, prior share, linear share, length scale) marginal likelihood chooses among."""
        return [(noise, share, lin_share, length) for noise in noises
                for share in (PRIOR_SHARES if has_prior else (0.0,))
                for lin_share in (LINEAR_SHARES if has_linear else (0.0,)) for length in LENGTH_SCALES]

    def _gp_grid(self, x: np.ndarray, y: np.ndarray, prior: np.ndarray | None, z: np.ndarray | None,
                 noises: tuple[float, ...]) -> tuple[list[tuple], np.ndarray, np.ndarray, np.ndarray]:
        """Every (noise, prior share, linear share, length scale) of the grid, with its Cholesky
        factor, (K + noise I)^-1 y and log marginal likelihood."""
        d_xx = _distances(x, x)
        lin = _dot(z, z)
        grid = self._grid(prior is not None, z is not None, noises)
        # the whole grid in one batched factorisation: with tens of told cells the loop's Python
        # overhead, not the algebra, was the cost
        kernels = {(share, lin_share, length): _kernel(d_xx, lin, length, share, lin_share, prior, prior)
                   for _, share, lin_share, length in grid}  # the same for every noise share
        eye = np.eye(len(x))
        chol = np.linalg.cholesky(np.stack([kernels[entry[1:]] + entry[0] * eye for entry in grid]))
        half = np.linalg.solve(chol, np.broadcast_to(y[:, None], (len(grid), len(y), 1)))
        alpha = np.linalg.solve(np.swapaxes(chol, 1, 2), half)[..., 0]
        loglik = -0.5 * alpha @ y - np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(1)
        return grid, chol, alpha, loglik

    def _gp_sample(self, x: np.ndarray, y: np.ndarray, x_cand: np.ndarray,
                   prior: tuple[np.ndarray, np.ndarray] | None = None,
                   z: tuple[np.ndarray, np.ndarray] | None = None, fit: tuple | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The posterior mean and standard deviation at the candidates, and one joint draw, its
        spread around the mean scaled by ``exploration`` (``prior``: the told cells' and the
        candidates' scores in the ``prior`` table, or None; ``z``: their features for the linear
        term, or None; ``fit``: `_gp_fit`'s answer for these told cells, if already computed)."""
        told_prior, cand_prior = (None, None) if prior is None else prior
        told_z, cand_z = (None, None) if z is None else z
        (length, share, lin_share), chol, alpha = fit or self._gp_fit(x, y, told_prior, told_z)
        k_star = _kernel(_distances(x_cand, x), _dot(cand_z, told_z), length, share, lin_share, cand_prior, told_prior)
        v = np.linalg.solve(chol, k_star.T)
        cov = _kernel(_distances(x_cand, x_cand), _dot(cand_z, cand_z), length, share, lin_share, cand_prior, cand_prior) - v.T @ v
        root = np.linalg.cholesky((cov + cov.T) / 2 + 1e-6 * np.eye(len(cov)))
        mean = k_star @ alpha
        draw = mean + self.exploration * (root @ self.rng.standard_normal(len(x_cand)))
        return mean, np.sqrt(np.maximum(np.diag(cov), 0)), draw
