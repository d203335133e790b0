"""How far below TPE a search could go on the shifted draws if it knew the task's form.

The shifted draws (`search_noise_draws.py --shift X`) are CIFAR-10 accuracy + a random linear
function of each class's features (std X) + N(0, std) noise per class. A "form oracle" knows all
of that but the function's weights: it has CIFAR-10's clean accuracy of every class as its prior
mean, the exact feature columns of the shift, the noise std and the weights' prior variance, and
asks classes (not cells: a search may ask two cells of one class) by Thompson sampling from the
exact Bayesian posterior of the weights, after `initial` random classes. Its regret is a lower
bound on what any model-based search of this family reaches with that information; the gap to
TPE says whether half of TPE's regret is reachable at all.

    python bound.py SHIFT FIRST_DRAW DRAWS [SEEDS] [STD] [MODE]

MODE `exact` (above); `blind`: no CIFAR-10 prior, no known scales: a Bayesian linear model on
the same features plus an intercept, its prior and noise variances chosen by marginal likelihood
on a grid at every ask (what a search could build from the features alone); `synflow`: `blind`
plus the class's synflow score (the default prior) as a feature; `cifar`: `blind` plus the class's
CIFAR-10 accuracy as a feature (`--prior nb201-cifar10`; its coefficient learned, not known);
`cifar-free`: `cifar` with a broad prior on that coefficient (and the intercept; the grid's
prior variance is for the features' weights); `synflow-free` the same with synflow's column.

    python bound.py --table TABLE SEEDS MODE

The same models (not `exact`) on a whole table's values per class as the task (e.g.
`benchmarks/data/nb201-fmnist-short.csv`: short Fashion-MNIST training, a real task).
"""

import sys

import numpy as np
from nb201_landscape import SPACE, cells, noisy_classes
from search_noise_draws import task_shift

from edgenas.estimate import TabularBenchmark

TABLE = sys.argv[2] if sys.argv[1] == "--table" else None
if TABLE:
    shift, first, draws, seeds, std, mode = 0.0, 0, 1, int(sys.argv[3]), 0.0, sys.argv[4]
else:
    shift, first, draws = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    seeds = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    std = float(sys.argv[5]) if len(sys.argv) > 5 else 0.5
    mode = sys.argv[6] if len(sys.argv) > 6 else "exact"
budgets, initial = (50, 100), 10

all_cells = cells()
cell_keys = [SPACE.equivalence_key(a) for _, a in all_cells]
arch_of = dict(zip(cell_keys, (a for _, a in all_cells)))
accuracy = TabularBenchmark("nb201-cifar10", SPACE)


def features(keys):
    x = np.array([np.concatenate([SPACE.encode(arch_of[k]), SPACE.structure_features(arch_of[k])]) for k in keys],
                 dtype=np.float64)
    spread = x.std(0)
    return (x[:, spread > 0] - x[:, spread > 0].mean(0)) / spread[spread > 0]


def weight_scale(x, scale, rng):
    """The weights' prior std: shift / std(x g) * scale with g ~ N(0, I), averaged over g."""
    return scale / np.mean([(x @ rng.standard_normal(x.shape[1])).std() for _ in range(200)])


def thompson(x, prior_mean, noisy, tau, sigma, seed):
    rng = np.random.default_rng(seed)
    n, d = x.shape
    asked = list(rng.choice(n, initial, replace=False))
    while len(asked) < max(budgets):
        xa, r = x[asked], noisy[asked] - prior_mean[asked]
        precision = xa.T @ xa / sigma**2 + np.eye(d) / tau**2
        cov = np.linalg.inv(precision)
        mean = cov @ xa.T @ r / sigma**2
        w = rng.multivariate_normal(mean, cov)
        score = prior_mean + x @ w
        score[asked] = -np.inf
        asked.append(int(np.argmax(score)))
    return [noisy.max() - noisy[asked[:b]].max() for b in budgets]


def blind(x, noisy, seed, free=1):
    """Thompson sampling from a Bayesian linear model whose scales marginal likelihood picks;
    the last ``free`` columns (the intercept, and the prior's column in `cifar-free`) get a
    broad prior (variance 100) instead of the grid's."""
    rng = np.random.default_rng(seed)
    n = len(x)
    x = np.hstack([x, np.ones((n, 1))])
    d = x.shape[1]
    broad = np.zeros(d, dtype=bool)
    broad[d - free:] = True
    asked = list(rng.choice(n, initial, replace=False))
    while len(asked) < max(budgets):
        xa, ya = x[asked], noisy[asked]
        mu, sd = ya.mean(), ya.std() + 1e-9
        r = (ya - mu) / sd
        best = None
        for tau2 in (0.003, 0.01, 0.03, 0.1, 0.3):
            for s2 in (0.1, 0.3, 0.6, 1.0):
                k = tau2 * xa[:, ~broad] @ xa[:, ~broad].T + 100 * xa[:, broad] @ xa[:, broad].T + s2 * np.eye(len(r))
                chol = np.linalg.cholesky(k)
                alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, r))
                ll = -0.5 * r @ alpha - np.log(np.diag(chol)).sum()
                if best is None or ll > best[0]:
                    best = (ll, tau2, s2)
        _, tau2, s2 = best
        precision = xa.T @ xa / s2 + np.diag(np.where(broad, 1 / 100, 1 / tau2))
        cov = np.linalg.inv(precision)
        mean = cov @ xa.T @ r / s2
        try:
            w = rng.multivariate_normal(mean, cov)
        except np.linalg.LinAlgError:  # SVD of a near-singular covariance (fresh draws): eigh instead
            w = rng.multivariate_normal(mean, (cov + cov.T) / 2, method="eigh")
        score = x @ w
        score[asked] = -np.inf
        asked.append(int(np.argmax(score)))
    return [noisy.max() - noisy[asked[:b]].max() for b in budgets]


if mode.startswith("synflow"):
    from edgenas.strategies.guided import load_prior
    synflow, _ = load_prior("nb201-synflow", SPACE)

regret = []
for draw in range(first, first + draws):
    keys, clean, noisy = noisy_classes(all_cells, accuracy, std, draw)
    x = features(keys)
    if TABLE:
        task = TabularBenchmark(TABLE, SPACE)
        metric = next((m for m in task.metrics if "acc" in m), task.metrics[0])
        noisy = np.array([task.evaluate(arch_of[k])[metric] for k in keys])
    else:
        noisy = noisy + task_shift(keys, arch_of, shift, draw)
        tau = weight_scale(x, shift, np.random.default_rng(0))
    if mode == "exact":
        r = np.mean([thompson(x, clean, noisy, tau, std, seed) for seed in range(seeds)], axis=0)
    else:
        xm = x
        if mode in ("synflow", "cifar", "cifar-free", "synflow-free"):
            z = np.array([synflow.get(k, 0.0) for k in keys]) if mode.startswith("synflow") else clean.copy()
            xm = np.hstack([x, ((z - z.mean()) / z.std())[:, None]])
        r = np.mean([blind(xm, noisy, seed, 2 if mode.endswith("-free") else 1) for seed in range(seeds)], axis=0)
    regret.append(r)
    print(f"{TABLE or f'draw {draw}'}: {mode} " + " / ".join(f"{v:.3f}" for v in r), flush=True)
regret = np.array(regret)
se = regret.std(0, ddof=1) / np.sqrt(len(regret)) if len(regret) > 1 else np.full(len(budgets), np.nan)
print(f"{mode} mean regret " + " / ".join(f"{m:.3f} ± {s:.3f}" for m, s in zip(regret.mean(0), se)))
