"""Zero-cost proxies against a NAS-Bench-201 accuracy table, side by side, resumable.

    python benchmarks/proxies_nb201.py [--table FILE.csv] [--sample 1000] [--proxies a,b,...]
        [--ensemble meco,jacob_cov,synflow] [--data digits|noise|PATH] [--jobs 2] [--cache DIR]
        [--device cpu|cuda]

Scores the same ``--sample`` random architectures with every proxy (seeded init and batches),
prints Spearman / Kendall against the table's accuracy and seconds per architecture (on
``--device``; jobs share it), plus
the rank-aggregation ensemble and, for scale, the seconds to train one of the networks for one
epoch on digits. Scores are cached per job in ``--cache`` (JSON lines): rerun to resume.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

from edgenas.estimate import TabularBenchmark
from edgenas.estimate.proxies import list_proxies
from edgenas.estimate.proxies.study import correlate_proxies, sample_archs
from edgenas.spaces import NB201Space


def _job(args: tuple) -> None:
    table_path, metric, proxies, sample, seed, data, classes, cache, ensemble, job, jobs, device = args
    torch.set_num_threads(1)
    table = TabularBenchmark(table_path, NB201Space())
    # every job scores its share of the same seeded sample (a strided slice of it)
    mine = sample_archs(table, sample, seed)[job::jobs]
    correlate_proxies(table, metric, proxies, sample=len(mine), seed=seed, data=data, num_classes=classes,
                      cache=cache, ensemble=ensemble, device=device, archs=mine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="nb201-cifar10")
    parser.add_argument("--metric", default=None)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--proxies", default=",".join(list_proxies()))
    parser.add_argument("--ensemble", default="meco,jacob_cov,synflow")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache", default="runs/proxy_cache")
    parser.add_argument("--device", default="cpu", help="torch device for the proxies (cpu, cuda)")
    parser.add_argument("--fresh-after", type=int, default=0,
                        help="also report the cells after the first N of the sample (e.g. those not used "
                             "to choose the ensemble)")
    args = parser.parse_args()
    space = NB201Space()
    table = TabularBenchmark(args.table, space)
    metric = args.metric or next((m for m in table.metrics if "acc" in m), table.metrics[0])
    proxies = [p for p in args.proxies.split(",") if p]
    ensemble = tuple(args.ensemble.split(","))
    cache_dir = Path(args.cache)
    cache_dir.mkdir(parents=True, exist_ok=True)
    caches = [cache_dir / f"seed{args.seed}-{args.data.replace('/', '_').replace(':', '_')}-job{j}of{args.jobs}.jsonl"
              for j in range(args.jobs)]
    start = time.perf_counter()
    jobs = [(str(table.path), metric, proxies, args.sample, args.seed, args.data, args.num_classes, caches[j],
             ensemble, j, args.jobs, args.device) for j in range(args.jobs)]
    if args.jobs == 1:
        _job(jobs[0])
    else:
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_job, jobs))
    # merge the job caches and correlate over the whole sample
    merged = cache_dir / f"seed{args.seed}-{args.data.replace('/', '_').replace(':', '_')}-merged.jsonl"
    merged.write_text("".join(c.read_text() for c in caches if c.exists()))
    result = correlate_proxies(table, metric, proxies + ["ensemble"], sample=args.sample, seed=args.seed,
                               data=args.data, num_classes=args.num_classes, cache=merged, ensemble=ensemble,
                               device=args.device)
    wall = time.perf_counter() - start
    print(f"table {table.path.name}, metric {metric}, {args.sample} random archs (seed {args.seed}), "
          f"data {args.data}; ensemble = sum of log-ranks of {', '.join(ensemble)}; device {args.device}, "
          f"{args.jobs} jobs; wall {wall:.0f} s\n")
    print(f"| proxy | Spearman | Kendall | {args.device} s / arch |")
    print("|---|---|---|---|")
    for name, r in sorted(result.items(), key=lambda kv: -kv[1]["spearman"]):
        print(f"| {name} | {r['spearman']:.3f} | {r['kendall']:.3f} | {r['seconds_per_arch']:.3f} |")
    if 0 < args.fresh_after < args.sample:
        fresh = sample_archs(table, args.sample, args.seed)[args.fresh_after:]
        again = correlate_proxies(table, metric, proxies + ["ensemble"], sample=len(fresh), seed=args.seed,
                                  data=args.data, num_classes=args.num_classes, cache=merged, ensemble=ensemble,
                                  device=args.device, archs=fresh)
        best = max((p for p in again if p != "ensemble"), key=lambda p: again[p]["spearman"])
        print(f"\non the {len(fresh)} cells after the first {args.fresh_after}: ensemble Spearman "
              f"{again['ensemble']['spearman']:.3f}, best single proxy {best} {again[best]['spearman']:.3f}")
    print(f"\none epoch on digits (median network of the sample): {train_epoch_seconds(table, args.seed):.2f} s")


def train_epoch_seconds(table: TabularBenchmark, seed: int) -> float:
    """Seconds to train one mid-sized sampled network for one epoch on digits (batch 64)."""
    from edgenas.data import load_dataset

    torch.set_num_threads(1)
    space = table.space
    archs = table.archs()
    pick = [archs[i] for i in np.random.default_rng(seed).permutation(len(archs))[:51]]
    params = [sum(p.numel() for p in space.build(a).parameters()) for a in pick]
    arch = pick[int(np.argsort(params)[len(params) // 2])]
    data = load_dataset("digits", resolution=32, channels=3, seed=seed)
    torch.manual_seed(seed)
    model = space.build(arch, num_classes=10).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    start = time.perf_counter()
    for idx in torch.randperm(len(data.x_train)).split(64):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx]).backward()
        opt.step()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
