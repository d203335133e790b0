"""Small regressors on plain arrays (scikit-learn style) that save without pickle, and the
ranking / error metrics every predictor reports.

``state()`` returns only tensors, numbers, strings and lists, so a saved predictor loads with
``torch.load(..., weights_only=True)``: no arbitrary code runs when a file is opened.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from edgenas.errors import DataError
from edgenas.threads import torch_threads

__all__ = ["Regressor", "Ridge", "GradientBoosting", "MLP", "DagRegressor", "PathRegressor", "REGRESSORS", "regression_metrics"]


class Regressor:
    kind = "regressor"

    def fit(self, X: np.ndarray, y: np.ndarray) -> Regressor:
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Regressor:
        raise NotImplementedError


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a))


class Ridge(Regressor):
    """Least squares with an L2 penalty, intercept unpenalised (closed form).

    ``alphas``: a grid of penalties, the one of the smallest leave-one-out error chosen at each
    fit (closed form, the residuals over one minus the leverage) and kept in ``alpha``: where the
    features nearly outnumber the rows the right penalty depends on the data."""

    kind = "ridge"

    def __init__(self, alpha: float = 1e-3, alphas: tuple[float, ...] | None = None) -> None:
        self.alpha, self.alphas = alpha, alphas

    def fit(self, X: np.ndarray, y: np.ndarray) -> Ridge:
        self.mean_ = X.mean(0)
        self.offset_ = float(y.mean())
        Xc, yc = X - self.mean_, y - self.offset_
        if self.alphas:
            self.alpha = min(self.alphas, key=lambda a: self._loo_error(Xc, yc, a))
        gram = Xc.T @ Xc + self.alpha * np.eye(X.shape[1])
        self.coef_ = np.linalg.solve(gram, Xc.T @ yc)
        return self

    @staticmethod
    def _loo_error(Xc: np.ndarray, yc: np.ndarray, alpha: float) -> float:
        """Mean squared leave-one-out residual of the ridge on centred data (the intercept's
        leverage 1/n included)."""
        inv = np.linalg.inv(Xc.T @ Xc + alpha * np.eye(Xc.shape[1]))
        leverage = np.einsum("ij,jk,ik->i", Xc, inv, Xc) + 1.0 / len(yc)
        residual = yc - Xc @ (inv @ (Xc.T @ yc))
        return float(np.mean((residual / np.maximum(1.0 - leverage, 1e-6)) ** 2))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.coef_ + self.offset_

    def state(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "mean": _t(self.mean_), "coef": _t(self.coef_), "offset": self.offset_}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Ridge:
        model = cls(state["alpha"])
        model.mean_, model.coef_ = state["mean"].numpy(), state["coef"].numpy()
        model.offset_ = state["offset"]
        return model


class GradientBoosting(Regressor):
    """Gradient-boosted regression trees (fitted by scikit-learn, stored as plain arrays)."""

    kind = "gbm"

    def __init__(self, n_estimators: int = 400, max_depth: int = 3, learning_rate: float = 0.05,
                 subsample: float = 0.8, seed: int = 0) -> None:
        self.n_estimators, self.max_depth = n_estimators, max_depth
        self.learning_rate, self.subsample, self.seed = learning_rate, subsample, seed
        self._padded_trees: tuple[np.ndarray, ...] | None = None  # `_padded`'s arrays, made on first predict

    def fit(self, X: np.ndarray, y: np.ndarray) -> GradientBoosting:
        import sklearn
        from sklearn.ensemble import GradientBoostingRegressor

        gbm = GradientBoostingRegressor(n_estimators=self.n_estimators, max_depth=self.max_depth,
                                        learning_rate=self.learning_rate, subsample=self.subsample,
                                        random_state=self.seed)
        with sklearn.config_context(skip_parameter_validation=True):  # per-tree checks of settings fixed here: overhead only
            gbm.fit(X, y)
        self.init_ = float(gbm.init_.constant_.ravel()[0])
        self.trees_, self._padded_trees = [], None
        for est in gbm.estimators_[:, 0]:
            t = est.tree_
            self.trees_.append((t.children_left.copy(), t.children_right.copy(), t.feature.copy(),
                                t.threshold.copy(), t.value[:, 0, 0].copy()))
        return self

    CHUNK = 256  # rows walked down every tree at once: (trees x rows) index arrays stay small

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Every tree walked at once, level by level (one arch at a time, as a cheap constraint
        asks, cost ~13 ms tree by tree); the trees' steps are added in order, as boosting did."""
        X = np.asarray(X, dtype=np.float64)
        if len(X) > self.CHUNK:
            return np.concatenate([self.predict(X[i:i + self.CHUNK]) for i in range(0, len(X), self.CHUNK)])
        left, right, feature, threshold, value = self._padded()  # flat: tree t's node k at t * width + k
        width = len(left) // len(self.trees_)
        flat_x = X.ravel()
        row_start = (np.arange(len(X)) * X.shape[1])[None, :]
        at = np.repeat(np.arange(len(self.trees_)) * width, len(X)).reshape(len(self.trees_), len(X))
        for _ in range(self.max_depth + 1):
            to_left = left.take(at)
            leaf = to_left < 0
            if leaf.all():
                break
            go_left = flat_x.take(row_start + feature.take(at)) <= threshold.take(at)
            at = np.where(leaf, at, at - at % width + np.where(go_left, to_left, right.take(at)))
        steps = self.learning_rate * value.take(at)
        # summed in boosting's order in one call (a Python loop over the trees costs more than the walk)
        return np.add.accumulate(np.vstack([np.full(len(X), self.init_), steps]))[-1]

    def _padded(self) -> tuple[np.ndarray, ...]:
        """The trees as (trees x nodes) arrays, short trees padded with leaves (made once)."""
        if self._padded_trees is None:
            width = max(len(tree[0]) for tree in self.trees_)
            out = [np.full((len(self.trees_), width), fill, dtype=dtype)
                   for fill, dtype in ((-1, np.int64), (-1, np.int64), (0, np.int64), (0.0, np.float64), (0.0, np.float64))]
            for t, tree in enumerate(self.trees_):
                for array, part in zip(out, tree):
                    array[t, :len(part)] = part
            out[2] = np.maximum(out[2], 0)  # a leaf's feature (-2) reads column 0, unused
            self._padded_trees = tuple(array.ravel() for array in out)
        return self._padded_trees

    def state(self) -> dict[str, Any]:
        return {"params": [self.n_estimators, self.max_depth, self.learning_rate, self.subsample, self.seed],
                "init": self.init_, "trees": [[_t(a) for a in tree] for tree in self.trees_]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> GradientBoosting:
        model = cls(*state["params"])
        model.init_ = state["init"]
        model.trees_ = [tuple(a.numpy() for a in tree) for tree in state["trees"]]
        return model


def _stacked_linear(x: torch.Tensor, p: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    """The Linear layer ``name`` of M stacked models (``p``: parameters with a first axis of M)
    on ``x`` (M, ..., in): one batched matrix product."""
    weight, bias = p[f"{name}.weight"], p[f"{name}.bias"]
    flat = torch.baddbmm(bias[:, None], x.reshape(len(x), -1, x.shape[-1]), weight.transpose(1, 2))
    return flat.reshape(*x.shape[:-1], weight.shape[1])


class _Perceptron(torch.nn.Sequential):
    """Linear layers with ReLUs between them (a plain `Sequential`, the same state dict) that
    can also run M stacked copies at once."""

    def stacked_forward(self, p: dict[str, torch.Tensor], b: dict, x: torch.Tensor) -> torch.Tensor:
        """M models' outputs for ``x`` (M, n, features), ``p`` their parameters stacked on a first
        axis: batched matrix products in place of vmap's per-op dispatch."""
        layers = [i for i, layer in enumerate(self) if isinstance(layer, torch.nn.Linear)]
        for i in layers:
            x = _stacked_linear(x, p, str(i))
            if i != layers[-1]:
                x = torch.relu(x)
        return x.squeeze(-1)


class MLP(Regressor):
    """A two-hidden-layer perceptron (PyTorch), inputs and target standardised."""

    kind = "mlp"
    standardize_inputs = True
    FULL_BATCH = False  # True: every step reads every row (`_batch_size` unused)

    def __init__(self, hidden: int = 128, epochs: int = 300, lr: float = 3e-3,
                 weight_decay: float = 1e-4, seed: int = 0) -> None:
        self.hidden, self.epochs, self.lr, self.weight_decay, self.seed = hidden, epochs, lr, weight_decay, seed

    def _net(self, features: int) -> torch.nn.Module:
        h = self.hidden
        return _Perceptron(torch.nn.Linear(features, h), torch.nn.ReLU(), torch.nn.Linear(h, h),
                           torch.nn.ReLU(), torch.nn.Linear(h, 1))

    def _batch_size(self, n: int) -> int:
        return min(64, n)

    def fit(self, X: np.ndarray, y: np.ndarray) -> MLP:
        fitted = self.fit_many(X, y, np.ones((1, len(y))))[0]
        self.__dict__.update(fitted.__dict__)
        return self

    def fit_many(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> list[MLP]:
        """One fitted copy of this regressor per row of ``weights`` (0/1 per sample: e.g. the
        training rows of each cross-validation fold), trained together as one vectorised
        network: a fold costs little more than a single fit."""
        return [self._copy_with(net, stats) for net, stats in self._train_many(X, y, weights, [self.seed] * len(weights))]

    def _copy_with(self, net: torch.nn.Module, stats: tuple) -> MLP:
        out = type(self).__new__(type(self))
        out.__dict__.update({k: v for k, v in self.__dict__.items() if not k.endswith("_")})
        out.x_mean_, out.x_std_, out.y_mean_, out.y_std_ = stats
        out.net_ = net
        return out

    def _train_many(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray, seeds: list[int]
                    ) -> list[tuple[torch.nn.Module, tuple]]:
        """Train ``len(weights)`` networks at once on stacked parameters (the network's own
        ``stacked_forward`` where it has one, else ``torch.func.vmap``).
        Model m sees sample i with weight ``weights[m, i]``, standardises with the statistics of
        its own samples and starts from ``seeds[m]``; Adam's update is elementwise, so each
        model follows exactly the path it would alone."""
        from torch.func import functional_call, stack_module_state, vmap

        weights = np.asarray(weights, dtype=np.float64)
        stats, xs, ys = [], [], []
        for w in weights:
            rows = w > 0
            if self.standardize_inputs:
                x_mean, x_std = X[rows].mean(0), X[rows].std(0) + 1e-8
            else:
                x_mean, x_std = np.zeros(X.shape[1]), np.ones(X.shape[1])
            y_mean, y_std = float(y[rows].mean()), float(y[rows].std() + 1e-8)
            stats.append((x_mean, x_std, y_mean, y_std))
            xs.append((X - x_mean) / x_std)
            ys.append((y - y_mean) / y_std)
        xs_t = torch.as_tensor(np.stack(xs), dtype=torch.float32)
        n_rows = xs_t.shape[1]
        ys_t = torch.as_tensor(np.stack(ys), dtype=torch.float32)
        w_t = torch.as_tensor(weights, dtype=torch.float32)
        with torch_threads(1), torch.random.fork_rng(devices=[]):  # tiny matrices: extra threads only spin
            nets = []
            for seed in seeds:
                torch.manual_seed(seed)
                nets.append(self._net(X.shape[1]))
            if len(nets) == 1:  # no vmap: its overhead would double the cost of a single fit
                params, buffers = dict(nets[0].named_parameters()), dict(nets[0].named_buffers())

                def batched(p: dict, b: dict, x: torch.Tensor) -> torch.Tensor:
                    return nets[0](x[0]).squeeze(-1).unsqueeze(0)
            else:
                params, buffers = stack_module_state(nets)
                batched = getattr(nets[0], "stacked_forward", None)  # the net computes every model at once
                if batched is None:
                    base = self._net(X.shape[1]).to("meta")

                    def forward(p: dict, b: dict, x: torch.Tensor) -> torch.Tensor:
                        return functional_call(base, (p, b), (x,)).squeeze(-1)

                    batched = vmap(forward)
            opt = torch.optim.AdamW(params.values(), lr=self.lr, weight_decay=self.weight_decay, foreach=True)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, self.epochs)
            # the held-out rows of a fold stay in its batches with weight 0: a full-batch model
            # takes one step an epoch on every fold, as its fit on all rows does
            batch = n_rows if self.FULL_BATCH else self._batch_size(int(weights.sum(1).max()))
            gen = torch.Generator().manual_seed(self.seed)
            for _ in range(self.epochs):
                for idx in torch.randperm(n_rows, generator=gen).split(batch):
                    opt.zero_grad()
                    err = (batched(params, buffers, xs_t[:, idx]) - ys_t[:, idx]) ** 2
                    w = w_t[:, idx]
                    (err * w).sum(1).div(w.sum(1).clamp(min=1)).sum().backward()
                    opt.step()
                sched.step()
            if len(nets) > 1:
                for m, net in enumerate(nets):
                    net.load_state_dict({k: v[m].detach().clone() for k, v in {**params, **buffers}.items()})
        return list(zip(nets, stats))

    def predict(self, X: np.ndarray) -> np.ndarray:
        xs = torch.as_tensor((X - self.x_mean_) / self.x_std_, dtype=torch.float32)
        with torch.no_grad():
            return self.net_(xs).squeeze(-1).double().numpy() * self.y_std_ + self.y_mean_

    def state(self) -> dict[str, Any]:
        return {"params": [self.hidden, self.epochs, self.lr, self.weight_decay, self.seed],
                "x_mean": _t(self.x_mean_), "x_std": _t(self.x_std_), "y": [self.y_mean_, self.y_std_],
                "net": self.net_.state_dict(), "features": int(len(self.x_mean_))}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> MLP:
        return cls(*state["params"])._restore(state)

    def _restore(self, state: dict[str, Any]) -> MLP:
        self.x_mean_, self.x_std_ = state["x_mean"].numpy(), state["x_std"].numpy()
        self.y_mean_, self.y_std_ = state["y"]
        self.net_ = self._net(state["features"])
        self.net_.load_state_dict(state["net"])
        return self


def _incoming_edges(edges: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """For each node of a DAG given as ``(dst, src)`` edges: its ``(edge index, src)`` inputs."""
    incoming: list[list[tuple[int, int]]] = [[] for _ in range(1 + max(max(e) for e in edges))]
    for e, (dst, src) in enumerate(edges):
        incoming[dst].append((e, src))
    return incoming


class _DagNet(torch.nn.Module):
    """Message passing over a cell DAG in topological order. Each node's state mixes the sum
    and the max of its incoming edge messages: the sum can express an additive device, the
    max a device that runs branches in parallel and waits for the slowest (a learnable
    critical path). The output node's state and the remaining features feed a small head."""

    def __init__(self, edges: list[tuple[int, int]], num_ops: int, features: int, hidden: int) -> None:
        super().__init__()
        self.edges, self.num_ops = [tuple(e) for e in edges], num_ops
        self.incoming = _incoming_edges(self.edges)
        self.rest = features - len(self.edges) * num_ops
        self.op_embed = torch.nn.Linear(num_ops, hidden)
        self.start = torch.nn.Parameter(torch.zeros(hidden))
        self.message = torch.nn.Sequential(torch.nn.Linear(2 * hidden, hidden), torch.nn.ReLU())
        self.update = torch.nn.Sequential(torch.nn.Linear(2 * hidden, hidden), torch.nn.ReLU())
        self.head = torch.nn.Sequential(torch.nn.Linear(hidden + self.rest, hidden), torch.nn.ReLU(),
                                        torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n_edge = len(self.edges) * self.num_ops
        ops = self.op_embed(x[:, :n_edge].reshape(len(x), len(self.edges), self.num_ops))
        states: list[torch.Tensor] = [self.start.expand(len(x), -1)]
        for incoming in self.incoming[1:]:
            if not incoming:  # a node nothing feeds: it holds the start state
                states.append(states[0])
                continue
            sources = torch.stack([states[src] for _, src in incoming], 1)
            msgs = self.message(torch.cat([sources, ops[:, [e for e, _ in incoming]]], -1))
            states.append(self.update(torch.cat([msgs.sum(1), msgs.max(1).values], -1)))
        return self.head(torch.cat([states[-1], x[:, n_edge:]], -1))

    def stacked_forward(self, p: dict[str, torch.Tensor], b: dict, x: torch.Tensor) -> torch.Tensor:
        """`forward` of M models at once (``p`` stacked on a first axis, ``x`` (M, n, features)):
        batched matrix products in place of vmap's per-op dispatch."""
        m, n = x.shape[:2]
        n_edge = len(self.edges) * self.num_ops
        ops = _stacked_linear(x[..., :n_edge].reshape(m, n, len(self.edges), self.num_ops), p, "op_embed")
        states: list[torch.Tensor] = [p["start"][:, None].expand(m, n, -1)]
        for incoming in self.incoming[1:]:
            if not incoming:
                states.append(states[0])
                continue
            sources = torch.stack([states[src] for _, src in incoming], 2)
            msgs = torch.relu(_stacked_linear(torch.cat([sources, ops[:, :, [e for e, _ in incoming]]], -1), p, "message.0"))
            states.append(torch.relu(_stacked_linear(torch.cat([msgs.sum(2), msgs.max(2).values], -1), p, "update.0")))
        hidden = torch.relu(_stacked_linear(torch.cat([states[-1], x[..., n_edge:]], -1), p, "head.0"))
        return _stacked_linear(hidden, p, "head.2").squeeze(-1)


class DagRegressor(MLP):
    """A graph network over a fixed cell DAG whose edges each choose one of ``num_ops`` ops.

    Rows of X start with one one-hot block per edge (in ``edges`` order, as a cell space's
    ``encode`` writes them); any further columns are global features read by the head."""

    kind = "dag"

    def __init__(self, edges: list[tuple[int, int]], num_ops: int, hidden: int = 64, epochs: int = 150,
                 lr: float = 3e-3, weight_decay: float = 1e-4, seed: int = 0) -> None:
        super().__init__(hidden, epochs, lr, weight_decay, seed)
        self.edges, self.num_ops = [list(e) for e in edges], num_ops

    def _net(self, features: int) -> torch.nn.Module:
        return _DagNet(self.edges, self.num_ops, features, self.hidden)

    def _batch_size(self, n: int) -> int:
        return min(n, max(64, -(-n // 8)))  # at most 8 steps an epoch: large sets fit in bounded time

    def state(self) -> dict[str, Any]:
        return {**super().state(), "graph": [self.edges, self.num_ops]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DagRegressor:
        edges, num_ops = state["graph"]
        return cls(edges, num_ops, *state["params"])._restore(state)


class _PathNet(torch.nn.Module):
    """Two scalar cost models of a cell DAG, read by a small head: the total work (every
    edge's op cost summed: what a device running one op at a time pays) and the critical path
    (a node is ready when its slowest input is: what a device running branches in parallel
    pays), each with its own learnt non-negative cost per op. The max is a smooth max
    (log-sum-exp with a learnt temperature) so every edge gets a gradient."""

    def __init__(self, edges: list[tuple[int, int]], num_ops: int, features: int, hidden: int) -> None:
        super().__init__()
        self.edges, self.num_ops = [tuple(e) for e in edges], num_ops
        self.incoming = _incoming_edges(self.edges)
        self.work_cost = torch.nn.Parameter(torch.zeros(num_ops))
        self.path_cost = torch.nn.Parameter(torch.zeros(num_ops))
        self.log_temperature = torch.nn.Parameter(torch.tensor(-2.0))
        self.head = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        onehot = x[:, : len(self.edges) * self.num_ops].reshape(len(x), len(self.edges), self.num_ops)
        work = (onehot @ torch.nn.functional.softplus(self.work_cost)).sum(1)
        edge_path = onehot @ torch.nn.functional.softplus(self.path_cost)
        t = self.log_temperature.exp()
        finish = [torch.zeros(len(x))]
        for incoming in self.incoming[1:]:
            arrivals = [finish[src] + edge_path[:, e] for e, src in incoming]
            finish.append(t * torch.logsumexp(torch.stack(arrivals, 1) / t, 1) if arrivals else finish[0])
        return self.head(torch.stack([torch.log1p(work), torch.log1p(finish[-1])], 1))

    def stacked_forward(self, p: dict[str, torch.Tensor], b: dict, x: torch.Tensor) -> torch.Tensor:
        """`forward` of M models at once, ``p`` their parameters stacked on a first axis and
        ``x`` (M, n, features): the same sums as vmap would run, without its per-op dispatch,
        which on these tiny tensors cost more than the arithmetic."""
        m, n = x.shape[:2]
        onehot = x[..., : len(self.edges) * self.num_ops].reshape(m, n * len(self.edges), self.num_ops)
        costs = torch.nn.functional.softplus(torch.stack([p["work_cost"], p["path_cost"]], -1))  # (M, ops, 2)
        per_edge = (onehot @ costs).reshape(m, n, len(self.edges), 2)  # a batched product: einsum was slower
        work, edge_path = per_edge[..., 0].sum(-1), per_edge[..., 1]
        t = p["log_temperature"].exp()[:, None]
        finish = [x.new_zeros(m, n)]
        for incoming in self.incoming[1:]:
            arrivals = [finish[src] + edge_path[..., e] for e, src in incoming]
            finish.append(t * torch.logsumexp(torch.stack(arrivals, -1) / t[..., None], -1) if arrivals else finish[0])
        both = torch.stack([torch.log1p(work), torch.log1p(finish[-1])], -1)
        return _stacked_linear(torch.tanh(_stacked_linear(both, p, "head.0")), p, "head.2").squeeze(-1)


class PathRegressor(DagRegressor):
    """Latency of a cell as a learnt mix of its total work and its critical path (`_PathNet`):
    a handful of parameters, so a hundred measurements pin it down on serial and parallel
    devices alike. Same X layout as `DagRegressor`; extra columns are ignored."""

    kind = "paths"
    standardize_inputs = False  # the one-hot blocks select costs as they are
    FULL_BATCH = True  # a few dozen parameters
    RESTARTS = 4

    def __init__(self, edges: list[tuple[int, int]], num_ops: int, hidden: int = 16, epochs: int = 500,
                 lr: float = 3e-2, weight_decay: float = 0.0, seed: int = 0) -> None:
        super().__init__(edges, num_ops, hidden, epochs, lr, weight_decay, seed)

    def _net(self, features: int) -> torch.nn.Module:
        return _PathNet(self.edges, self.num_ops, features, self.hidden)

    def fit_many(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> list[MLP]:
        """Several seeded starts per model, keeping the one with the lowest training loss: with
        so few parameters a start can settle where the costs mean nothing (every op alike),
        and the training loss shows it. Every start of every model trains at once."""
        weights = np.asarray(weights, dtype=np.float64)
        starts = np.repeat(weights, self.RESTARTS, axis=0)
        seeds = [self.seed + 1000 * r for _ in weights for r in range(self.RESTARTS)]
        trained = self._train_many(X, y, starts, seeds)
        out = []
        for m, w in enumerate(weights):
            best = None
            for net, fold_stats in trained[m * self.RESTARTS:(m + 1) * self.RESTARTS]:
                x_mean, x_std, y_mean, y_std = fold_stats
                with torch.no_grad():
                    pred = net(torch.as_tensor((X - x_mean) / x_std, dtype=torch.float32)).squeeze(-1).double().numpy()
                loss = float((w * (pred - (y - y_mean) / y_std) ** 2).sum() / max(w.sum(), 1))
                if best is None or loss < best[0]:
                    best = (loss, net, fold_stats)
            out.append(self._copy_with(best[1], best[2]))
        return out


REGRESSORS: dict[str, type[Regressor]] = {"ridge": Ridge, "gbm": GradientBoosting, "mlp": MLP, "dag": DagRegressor,
                                          "paths": PathRegressor}


def regression_metrics(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """RMSE, MAPE, share within +-5% / +-10%, Spearman and Kendall rank correlations."""
    from scipy import stats  # here, not at the top: it cost every command ~0.6 s to start

    pred, true = np.asarray(pred, dtype=np.float64), np.asarray(true, dtype=np.float64)
    if pred.shape != true.shape or len(true) < 2:
        raise DataError(f"{len(pred)} predictions against {len(true)} measured values; give two or more, one per "
                        "architecture")
    rel = np.abs(pred - true) / np.abs(true)
    return {
        "rmse": float(np.sqrt(np.mean((pred - true) ** 2))),
        "mape": float(rel.mean()),
        "within_5pct": float((rel <= 0.05).mean()),
        "within_10pct": float((rel <= 0.10).mean()),
        "spearman": float(stats.spearmanr(pred, true).statistic),
        "kendall": float(stats.kendalltau(pred, true).statistic),
    }
