"""Session 38 scratch: does *which* networks a board measures matter at 10-20 networks?

Each seed splits the target table's measured networks in half: a pool the design picks N from,
and a test half every design is scored on (so a design cannot win by leaving easy networks to
the test). Designs: random; strata (one network per quantile bin of the shipped Pi 5 latency);
kmeans (the pool member nearest each of N k-means centres in the standardised structure
features); kmeans+src (the same with the Pi 5 log latency as a further coordinate, weight 3);
dopt (greedy D-optimal for a ridge on the standardised structure features); kmedians (greedy
k-medians on the standardised structure features: the most central network first, then each time
the one that most lowers the summed distance of the pool to its nearest pick; nested in N).

    OMP_NUM_THREADS=1 python s38_design.py --target T.csv [--from nb201-pi5-onnx] [--sizes 10,20] [--seeds 8]
"""

from __future__ import annotations

import argparse

import numpy as np

from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import create_space

DESIGNS = ("random", "strata", "kmeans", "kmeans+src", "dopt", "kmedians")


def standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std(axis=0)
    keep = sd > 1e-9
    return (x[:, keep] - x[:, keep].mean(axis=0)) / sd[keep]


def kmeans_pick(z: np.ndarray, n: int, rng: np.random.Generator, iters: int = 30) -> np.ndarray:
    """Pool members nearest the centres of k-means (k-means++ start): a representative sample."""
    centres = [z[rng.integers(len(z))]]
    for _ in range(n - 1):
        d = np.min(((z[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(z[rng.choice(len(z), p=d / d.sum())])
    c = np.array(centres)
    for _ in range(iters):
        label = ((z[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        c = np.array([z[label == k].mean(0) if np.any(label == k) else c[k] for k in range(n)])
    chosen: list[int] = []
    for k in range(n):
        d = ((z - c[k]) ** 2).sum(-1)
        d[chosen] = np.inf
        chosen.append(int(d.argmin()))
    return np.array(chosen)


def kmedians_pick(z: np.ndarray, n: int) -> np.ndarray:
    """Greedy k-medians: deterministic, and the first k of n picks are the pick for k."""
    squared = (z**2).sum(axis=1)
    d = np.sqrt(np.maximum(squared[:, None] - 2 * z @ z.T + squared[None, :], 0.0))
    chosen = [int(d.sum(axis=0).argmin())]
    nearest = d[:, chosen[0]].copy()
    while len(chosen) < n:
        gain = np.maximum(nearest[:, None] - d, 0.0).sum(axis=0)
        gain[chosen] = -1.0
        chosen.append(int(gain.argmax()))
        nearest = np.minimum(nearest, d[:, chosen[-1]])
    return np.array(chosen)


def dopt_pick(z: np.ndarray, n: int, rng: np.random.Generator, lam: float = 1.0) -> np.ndarray:
    """Greedy D-optimal: each step adds the candidate of largest predictive variance."""
    x = np.hstack([np.ones((len(z), 1)), z])
    inv = np.eye(x.shape[1]) / lam
    chosen = [int(rng.integers(len(z)))]
    for _ in range(n):
        v = x[chosen[-1]]
        iv = inv @ v
        inv -= np.outer(iv, iv) / (1 + v @ iv)
        if len(chosen) == n:
            break
        var = np.einsum("ij,jk,ik->i", x, inv, x)
        var[chosen] = -np.inf
        chosen.append(int(var.argmax()))
    return np.array(chosen)


def design(name: str, struct: np.ndarray, src: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if name == "random":
        return rng.choice(len(src), n, replace=False)
    if name == "strata":
        order = np.argsort(src)
        return np.array([rng.choice(b) for b in np.array_split(order, n)])
    if name == "kmeans":
        return kmeans_pick(standardise(struct), n, rng)
    if name == "kmeans+src":
        return kmeans_pick(np.hstack([standardise(struct), 3 * standardise(src[:, None])]), n, rng)
    if name == "kmedians":
        return kmedians_pick(standardise(struct), n)
    if name == "dopt":
        return dopt_pick(standardise(struct), n, rng)
    raise ValueError(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--from", dest="sources", default="nb201-pi5-onnx")
    parser.add_argument("--sizes", default="10,20")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    args = parser.parse_args()
    space = create_space("nb201")
    archs, y = measured_networks(TabularBenchmark(args.target, space, metrics=["latency_ms"]))
    sources = [LatencySource.from_spec(s, space) for s in args.sources.split(",")]
    pi5 = LatencySource.from_spec("nb201-pi5-onnx", space)
    struct_all = LatencyPredictor(space)._structure(archs)
    src_all = np.log(pi5(archs))
    print(f"# target {args.target} ({len(archs)} networks), sources {args.sources}; within 10% on the test half")
    print("| N | design | auto | auto + sources | transfer |")
    print("|---|---|---|---|---|")
    for n in (int(v) for v in args.sizes.split(",")):
        for name in args.designs.split(","):
            res = {"auto": [], "src": [], "transfer": []}
            for seed in range(args.seeds):
                order = np.random.default_rng(seed).permutation(len(archs))
                pool, test = order[: len(archs) // 2], order[len(archs) // 2:]
                pick = pool[design(name, struct_all[pool], src_all[pool], n, np.random.default_rng(seed + 1000))]
                assert len(set(pick.tolist())) == n
                tr, te = [archs[i] for i in pick], [archs[i] for i in test]
                for key, kw in (("auto", {}), ("src", {"sources": sources}),
                                ("transfer", {"model": "transfer", "sources": sources})):
                    p = LatencyPredictor(space, seed=seed, **kw).fit(tr, y[pick])
                    res[key].append(p.score(te, y[test])["within_10pct"])
            cells = " | ".join(f"{100 * np.mean(v):.1f}%" for v in res.values())
            print(f"| {n} | {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
