"""What the one-shot searches share: CPU copies of state for checkpoints (all of them) and, for
the bilevel searches, BatchNorm for a supernet, the weight / architecture halves of the training set, per-epoch seeding,
and their checkpoint (weights, architecture parameters, both optimisers and the history,
written atomically as CPU tensors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edgenas.atomic import atomic_write
from edgenas.data import Dataset
from edgenas.errors import ConfigError, DataError


def cpu_state(state: Any) -> Any:
    """A copy of a (nested) state with every tensor on the CPU."""
    if isinstance(state, torch.Tensor):
        return state.detach().cpu().clone()
    if isinstance(state, dict):
        return {k: cpu_state(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(cpu_state(v) for v in state)
    return state


def read_checkpoint(path: Path, fmt: str, what: str, remedy: str) -> dict[str, Any]:
    """The checkpoint dict at ``path`` whose ``format`` is ``fmt``. A file of another kind is
    named as such (a user who hands the ViT evaluator an OFA supernet is told so, not to delete
    an expensive file); ``remedy`` says what to give instead."""
    try:
        state = torch.load(path, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise DataError(f"{path} is not a readable {what} checkpoint ({type(exc).__name__}: damaged, or not "
                        f"written by edgenas); {remedy}") from None
    found = state.get("format") if isinstance(state, dict) else None
    if found != fmt:
        held = f"holds an {found} file, not" if isinstance(found, str) else "is not"
        raise DataError(f"{path} {held} a {what} checkpoint; {remedy}")
    return state


def search_batchnorm(module: nn.Module, affine: bool) -> None:
    """Batch statistics only (running averages over a changing mixture describe no network);
    without ``affine``, no learnt scale that could grow an op's output instead of its weight."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.track_running_stats, m.running_mean, m.running_var, m.num_batches_tracked = False, None, None, None
            if not affine:
                m.affine, m.weight, m.bias = False, None, None


def weight_half(data: Dataset, batch_size: int) -> int:
    """The first half of the training images trains the weights, the rest the architecture."""
    half = len(data.x_train) // 2
    if half < batch_size:
        raise ConfigError(f"{len(data.x_train)} training images are too few for a weight half and an architecture "
                          f"half of batch {batch_size}; use more data or a smaller --batch-size")
    return half


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))


class SearchCheckpoint:
    """A search's state after each epoch; ``identity`` (space, data, settings) must match to resume."""

    def __init__(self, path: str | Path | None, form: str, what: str, identity: dict[str, Any]) -> None:
        self.path = Path(path) if path else None
        self.form, self.what, self.identity = form, what, identity

    def resume(self, net: torch.nn.Module, weights: torch.optim.Optimizer,
               arch: torch.optim.Optimizer) -> tuple[int, list[dict[str, Any]]]:
        """Load the saved state into ``net`` and the optimisers; (next epoch, history)."""
        if self.path is None or not self.path.exists():
            return 0, []
        state = read_checkpoint(self.path, self.form, self.what, "give a new --checkpoint path to start afresh")
        if state["identity"] != self.identity:
            raise ConfigError(f"{self.path} belongs to a search with other settings; give another checkpoint")
        net.load_state_dict(state["model"])
        weights.load_state_dict(state["weights"])
        arch.load_state_dict(state["arch"])
        return state["epoch"], state["history"]

    def save(self, epoch: int, net: torch.nn.Module, weights: torch.optim.Optimizer, arch: torch.optim.Optimizer,
             history: list[dict[str, Any]]) -> None:
        if self.path is None:
            return
        snapshot = {"format": self.form, "identity": self.identity, "epoch": epoch, "model": cpu_state(net.state_dict()),
                    "weights": cpu_state(weights.state_dict()), "arch": cpu_state(arch.state_dict()), "history": history}
        atomic_write(self.path, lambda tmp: torch.save(snapshot, tmp))
