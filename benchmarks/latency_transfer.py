"""Latency predictors on a device they have not seen, from N measured networks: without and with
other devices' latency as sources (`edgenas latency fit --from`).

    python benchmarks/latency_transfer.py --tables A.csv,B.csv,... [--from SOURCES] [--space nb201]
        [--sizes 10,20,100,1000] [--seeds 3] [--kernels onnxruntime] [--test-max N]
        [--unseen-by-sources]

Each table of ``--tables`` is the unseen device in turn. Its sources are ``--from`` (comma-
separated table ids, CSVs or saved predictors) when given, else every *other* table of
``--tables`` (leave one out; none for a single table without ``--from``). For each N smaller
than the target's measured networks minus 50, and each seed: fit on N measured networks of the
target, score on all its other measured networks. Prints, per target and N, the share within 10% (and 5%) of `auto` without sources,
`auto` with sources (and the models it chose), and the bare power-law map `transfer`; the mean
over seeds. ``--kernels RUNTIME`` adds `auto` without sources but with the runtime's kernel counts
as features (`latency fit --kernels`), and the model it chose; ``--test-max`` scores on at most
that many of the other networks (a seeded sample; the kernel counts cost ~0.2 s per network).
``--unseen-by-sources`` scores on networks the sources have not measured either, as a search asks
about: the scored networks are taken out of every source table that does not cover the space
(its fallback predictor and additive part are fitted without them). Tables measured here share
their networks, so use it with ``--test-max`` below the sources' size, or they keep only the N
fitted networks.
Shipped table ids (nb201-pi5-onnx) work wherever a path does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space


def _cell(runs: list[dict]) -> str:
    return (f"{100 * np.mean([r['within_10pct'] for r in runs]):.1f}% "
            f"({100 * np.mean([r['within_5pct'] for r in runs]):.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True)
    parser.add_argument("--from", dest="sources", default=None)
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--sizes", default="10,20,100,1000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--kernels", default=None, help="also fit auto with this runtime's kernel counts")
    parser.add_argument("--test-max", type=int, default=None, help="score on at most this many other networks")
    parser.add_argument("--unseen-by-sources", action="store_true",
                        help="take the scored networks out of every source table that does not cover the space")
    args = parser.parse_args()
    if args.test_max is not None and args.test_max < 1:
        parser.error("--test-max must be at least 1")
    space = create_space(args.space)
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    given = [s.strip() for s in args.sources.split(",")] if args.sources else None
    cache: dict[str, LatencySource] = {}
    rows: dict[str, tuple[list, np.ndarray, dict]] = {}

    def source(spec: str, unseen: frozenset = frozenset()) -> LatencySource:
        """The source; without the ``unseen`` networks where it is a table that lacks some cells."""
        if spec not in cache:
            cache[spec] = LatencySource.from_spec(spec, space)
        if not unseen or not cache[spec].has_fallback or not cache[spec].lookup:
            return cache[spec]
        if spec not in rows:
            table = TabularBenchmark(spec, space, metrics=["latency_ms"])
            rows[spec] = (*measured_networks(table), {a: r["latency_ms"] for a, r in table.rows.items()})
        archs, y, lookup = rows[spec]
        keep = [i for i, a in enumerate(archs) if a not in unseen]
        return LatencySource.from_table(spec, [archs[i] for i in keep], y[keep], space,
                                        {a: v for a, v in lookup.items() if a not in unseen})

    kernels = f" auto + {args.kernels} kernels (chose) |" if args.kernels else ""
    print(f"| unseen device | sources | N | auto | auto + sources (chose) | transfer alone |{kernels}")
    print("|---|---|---|---|---|---|" + ("---|" if kernels else ""))
    for target in tables:
        archs, y = measured_networks(TabularBenchmark(target, space, metrics=["latency_ms"]))
        specs = given if given is not None else [t for t in tables if t != target]
        names = ", ".join(Path(s).stem for s in specs)
        for n in (int(v) for v in args.sizes.split(",")):
            if n > len(archs) - 50:
                continue
            plain, transfer, alone, chose, counted, counted_chose = [], [], [], [], [], []
            for seed in range(args.seeds):
                order = np.random.default_rng(seed).permutation(len(archs))
                train, test = order[:n], order[n:][: args.test_max]
                tr, te = [archs[i] for i in train], [archs[i] for i in test]
                sources = [source(s, frozenset(te) if args.unseen_by_sources else frozenset()) for s in specs]
                plain.append(LatencyPredictor(space, seed=seed).fit(tr, y[train]).score(te, y[test]))
                if sources:  # one table and no --from: the columns with sources stay empty
                    fitted = LatencyPredictor(space, seed=seed, sources=sources).fit(tr, y[train])
                    transfer.append(fitted.score(te, y[test]))
                    chose.append(fitted.kind_)
                    alone.append(LatencyPredictor(space, "transfer", seed=seed, sources=sources).fit(tr, y[train])
                                 .score(te, y[test]))
                if args.kernels:
                    fitted = LatencyPredictor(space, seed=seed, kernels=args.kernels).fit(tr, y[train])
                    counted.append(fitted.score(te, y[test]))
                    counted_chose.append(fitted.kind_)
            extra = f" {_cell(counted)} ({','.join(counted_chose)}) |" if args.kernels else ""
            with_sources = f"{_cell(transfer)} ({','.join(chose)}) | {_cell(alone)}" if specs else "— | —"
            print(f"| {Path(target).stem} | {names or '—'} | {n} | {_cell(plain)} | {with_sources} |{extra}", flush=True)


if __name__ == "__main__":
    main()
