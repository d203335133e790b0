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
