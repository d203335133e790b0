"""Model factories the CLI tests load as ``_factories:NAME``."""

from __future__ import annotations

import torch
from torch import nn


def tiny() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))


def broken() -> nn.Module:
    raise RuntimeError("weights file not found")


def not_a_model() -> int:
    return 3


class DataDependent(nn.Module):
    """Reads tensor values in forward: cannot run on meta tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x) if float(x.sum()) >= 0 else self.b(x)


def data_dependent() -> nn.Module:
    return DataDependent()
