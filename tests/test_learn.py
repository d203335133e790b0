"""The regressors' networks: M stacked copies computed at once equal each copy alone."""

from __future__ import annotations

import pytest
import torch

from edgenas.learn import MLP, DagRegressor, PathRegressor

EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # the NB201 cell's DAG


@pytest.mark.parametrize("regressor", [MLP(hidden=8), DagRegressor(EDGES, 5, hidden=8), PathRegressor(EDGES, 5)],
                         ids=lambda r: r.kind)
def test_stacked_forward_equals_each_network_alone(regressor):
    """`_train_many` trains the folds' networks through ``stacked_forward`` (no vmap): it must
    compute exactly what each network's own forward does, or a fitted model would not be the
    one its parameters describe."""
    from torch.func import stack_module_state

    features = len(EDGES) * 5 + 3  # one-hot per edge, then extra columns
    nets = []
    for seed in range(3):
        torch.manual_seed(seed)
        nets.append(regressor._net(features))
        with torch.no_grad():  # away from the zero start, so every parameter shows
            for p in nets[-1].parameters():
                p.add_(0.3 * torch.randn_like(p))
    ops = torch.nn.functional.one_hot(torch.randint(5, (3, 7, len(EDGES))), 5).float().flatten(2)
    x = torch.cat([ops, torch.randn(3, 7, 3)], -1)
    params, buffers = stack_module_state(nets)
    stacked = nets[0].stacked_forward(params, buffers, x)
    alone = torch.stack([net(x[m]).squeeze(-1) for m, net in enumerate(nets)])
    assert stacked.shape == (3, 7)
    assert torch.allclose(stacked, alone, atol=1e-5)


def test_a_full_batch_models_folds_are_its_fits_on_their_rows():
    """`auto` scores a model by its folds: each fold's copy of the per-path model (full batch)
    must be what fitting it on the fold's rows gives (it used to take two smaller steps an
    epoch, so the folds scored another training than the fit's), and the copy trained on every
    row beside the folds (what `auto` keeps as the fit) must be the fit on every row."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 30
    X = np.zeros((n, len(EDGES) * 5))
    X[np.arange(n)[:, None], np.arange(len(EDGES)) * 5 + rng.integers(5, size=(n, len(EDGES)))] = 1
    y = X @ rng.uniform(0.1, 1.0, X.shape[1])
    regressor = PathRegressor(EDGES, 5, epochs=60)
    folds = np.ones((2, n))
    folds[0, :6], folds[1, 6:12] = 0, 0
    fold, other = regressor.fit_many(X, y, folds)
    np.testing.assert_allclose(fold.predict(X), regressor.fit(X[6:], y[6:]).predict(X), rtol=1e-4)
    assert not np.allclose(fold.predict(X), other.predict(X), rtol=1e-3)  # the weights took
    *with_every, every = regressor.fit_many(X, y, np.vstack([folds, np.ones(n)]))
    np.testing.assert_allclose(every.predict(X), regressor.fit(X, y).predict(X), rtol=1e-5)
    np.testing.assert_allclose(with_every[0].predict(X), fold.predict(X), rtol=1e-5)  # the folds as without it


def test_boosted_trees_walked_together_predict_as_each_tree_in_turn():
    """`GradientBoosting.predict` walks every tree at once (one arch costs ~0.1 ms, not ~13 ms
    tree by tree, where a predictor serves as a search's cheap constraint); it must give what
    adding each tree's leaf in turn gives, to the last bit, for one row and across chunks."""
    import numpy as np

    from edgenas.learn import GradientBoosting

    rng = np.random.default_rng(0)
    X = rng.random((120, 12))
    y = X @ rng.random(12) + np.sin(6 * X[:, 0])
    for depth in (1, 4):
        model = GradientBoosting(n_estimators=30, max_depth=depth).fit(X, y)
        test = rng.random((GradientBoosting.CHUNK + 7, 12))
        expected = np.full(len(test), model.init_)
        for left, right, feature, threshold, value in model.trees_:
            for i, row in enumerate(test):
                node = 0
                while left[node] >= 0:
                    node = left[node] if row[feature[node]] <= threshold[node] else right[node]
                expected[i] += model.learning_rate * value[node]
        assert np.array_equal(model.predict(test), expected)
        assert np.array_equal(model.predict(test[:1]), expected[:1])
        restored = GradientBoosting.from_state(model.state())
        assert np.array_equal(restored.predict(test), expected)
