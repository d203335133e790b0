"""Replay `guided`'s choices offline: how often the GP's pick lands in the noise-free top.

    python benchmarks/guided_replay.py [--std 1.0] [--draws 10] [--first-draw 100] [--seeds 3]
        [--top 300] [--encodings raw,structure,choices-0.25,live] [--noise 0.6] [--clean]
        [--runs guided:choice_weight=1.0]

Runs `guided` (its defaults, or the parameters ``--runs`` gives) on draws of the noisy landscape, built as `search_noise_draws.py`
builds them, and prints where its asks land: the share in the ``--top`` classes by noise-free
accuracy per window of queries. At every fourth ask from the 10th to the 59th it records the
told cells and the candidates it chose among; then the GP of each encoding (guided's own fit:
normal scores of the told values, length scale by marginal likelihood, ``--noise`` share) ranks
the same candidates again, and the share of asks whose highest-mean candidate is in that top is
printed per phase, beside a random candidate and the best one. A search takes minutes per
variant; a replay, seconds, so it screens a model before a search measures it. ``--clean``
tells the GP the noise-free values instead: how much of the shortfall is the noise.

Encodings: ``raw`` (what `guided` sees: one-hot choices and the structure features),
``structure`` (the structure features alone), ``choices-W`` (the one-hot columns weighted W
against the structure features, after standardising), ``live`` (the one-hot of the live cell,
dead edges shown as ``none``, and the structure features).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from nb201_landscape import SPACE, cells, classes
from search_nb201 import strategy_spec
from search_noise_draws import write_draw

from edgenas.estimate import TabularBenchmark
from edgenas.experiment import Experiment, Objective
from edgenas.spaces import Arch
from edgenas.strategies import STRATEGIES
from edgenas.strategies.guided import GuidedLocalSearch, _distances, normal_scores

PHASES = ((10, 22), (22, 36), (36, 60))
WINDOWS = ((10, 20), (20, 30), (30, 50))
QUERIES = 60


class _Recorder(GuidedLocalSearch):
    """`guided` that keeps, at every fourth ask, what it told and the candidates it weighed."""

    name = "guided-replay"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.snapshots: list[tuple[list[Arch], np.ndarray, list[Arch]]] = []
        _RECORDERS.append(self)

    def _candidates(self, ranked: list[Arch], parents_limit: int) -> tuple[list[Arch], list[int]]:
        out = super()._candidates(ranked, parents_limit)
        if len(self.history) % 4 == 2 and out[0]:
            told = [a for a, _ in self.history]
            self.snapshots.append((told, np.array([f for _, f in self.history]), out[0]))
        return out


_RECORDERS: list[_Recorder] = []
STRATEGIES.register("guided-replay", replace=True)(_Recorder)  # run twice in one process by the tests


def choice_weight_of(encoding: str) -> float:
    """The `choice_weight` an encoding stands for (``live`` and ``raw``: the choices whole)."""
    if encoding in ("raw", "live"):
        return 1.0
    if encoding == "structure":
        return 0.0
    try:
        return float(encoding.removeprefix("choices-")) if encoding.startswith("choices-") else -1.0
    except ValueError:
        return -1.0


def gp_mean(gp: GuidedLocalSearch, told: list[Arch], y: np.ndarray, candidates: list[Arch],
            encoding: str) -> np.ndarray:
    """The posterior mean at the candidates of guided's GP ``gp`` (its features, standardising
    and fit, with the encoding's choice weight) on ``encoding``."""
    archs = told + candidates
    if encoding == "live":
        archs = [Arch(dict(zip(SPACE.choices, SPACE.encode_live(a)))) for a in archs]
    x = gp._standardised(gp.features(archs))
    xt, xc = x[: len(told)], x[len(told):]
    (length, _, _), _, alpha = gp._gp_fit(xt, y)
    return np.exp(-_distances(xc, xt) / (2 * length**2)) @ alpha


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--std", type=float, default=1.0)
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--first-draw", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--top", type=int, default=300, help="the noise-free top a pick should land in")
    parser.add_argument("--encodings", default="raw,structure,choices-0.25,live")
    parser.add_argument("--noise", type=float, default=0.6, help="the GP's noise share in the replay")
    parser.add_argument("--clean", action="store_true", help="tell the replayed GP the noise-free values")
    parser.add_argument("--runs", default="guided", help="the recorded runs: guided, or e.g. guided:choice_weight=1.0")
    args = parser.parse_args()
    name, params = strategy_spec(args.runs)
    if name != "guided":
        raise SystemExit(f"error: --runs replays guided only; got {args.runs!r}")
    encodings = args.encodings.split(",")
    for encoding in encodings:  # an unknown encoding fails now, not after the runs
        if not 0 <= choice_weight_of(encoding) <= 1:
            raise SystemExit(f"error: unknown encoding {encoding!r}; use raw, structure, choices-W (0 <= W <= 1) or live")
    all_cells = cells()
    cell_keys = [SPACE.equivalence_key(arch) for _, arch in all_cells]
    accuracy = TabularBenchmark("nb201-cifar10", SPACE)
    asked, records = [], []  # noise-free ranks asked per run; (n told, told, values, candidates, their ranks)
    with tempfile.TemporaryDirectory() as tmp:
        for draw in range(args.first_draw, args.first_draw + args.draws):
            path = Path(tmp) / "draw.csv"
            clean, _ = write_draw(path, all_cells, cell_keys, accuracy, args.std, draw)
            representatives = classes(all_cells, draw)
            rank = {representatives[i][0]: r for r, i in enumerate(np.argsort(-clean, kind="stable"))}
            table = TabularBenchmark(str(path), SPACE)
            for seed in range(args.seeds):
                _RECORDERS.clear()
                trials = Experiment(name="replay", space=SPACE, evaluator=table, objective=Objective("score"),
                                    strategy="guided-replay", strategy_params=params, seed=seed,
                                    storage="sqlite://:memory:").run(QUERIES).trials
                asked.append([rank[SPACE.equivalence_key(Arch.from_json(t.arch))] for t in trials])
                for told, fitness, candidates in _RECORDERS[-1].snapshots:
                    told_rank = np.array([rank[SPACE.equivalence_key(a)] for a in told])
                    cand_rank = np.array([rank[SPACE.equivalence_key(a)] for a in candidates])
                    records.append((len(told), told, -told_rank if args.clean else fitness, candidates, cand_rank))

    asked = np.array(asked)
    print(f"noise std {args.std}, draws {args.first_draw}-{args.first_draw + args.draws - 1}, {args.seeds} seeds; "
          f"{args.runs}'s asks in the noise-free top {args.top}, by query:")
    print("  " + ", ".join(f"{a}-{b - 1}: {np.mean(asked[:, a:b] < args.top):.2f} (median rank "
                           f"{np.median(asked[:, a:b]):.0f})" for a, b in WINDOWS))
    rng = np.random.default_rng(0)
    pickers = {"random candidate": lambda rec: rng.random(len(rec[4])),
               "best candidate": lambda rec: -rec[4].astype(float)}
    for encoding in encodings:  # one GP each: its feature cache serves every replayed ask
        gp = GuidedLocalSearch(SPACE, noise=args.noise, choice_weight=choice_weight_of(encoding))
        pickers[f"GP on {encoding}"] = (lambda rec, gp=gp, e=encoding: gp_mean(gp, rec[1], normal_scores(rec[2]),
                                                                               rec[3], e))
    told_as = "noise-free" if args.clean else "noisy"
    print(f"\nReplayed picks ({len(records)} asks, {told_as} values told): share in the top {args.top}, asks "
          + " / ".join(f"{a}-{b - 1}" for a, b in PHASES) + "\n")
    for name, pick in pickers.items():
        hits = {phase: [] for phase in PHASES}
        for rec in records:
            phase = next(p for p in PHASES if p[0] <= rec[0] < p[1])
            hits[phase].append(rec[4][int(np.argmax(pick(rec)))] < args.top)
        print(f"{name}: " + " / ".join(f"{np.mean(hits[p]):.2f}" for p in PHASES))


if __name__ == "__main__":
    main()
