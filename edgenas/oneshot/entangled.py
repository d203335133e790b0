"""Weight entanglement for the vision-transformer space (AutoFormer): one supernet, every ViT.

`ViTSupernet` is a `SlicedSupernet` over `ViTSpace`: the largest network's weights (plus one
patch embedding per patch size), and a sub-network's q/k/v, projection, MLP and LayerNorm
weights are the leading slices of the largest. `train_entangled` trains it the AutoFormer way,
one uniformly sampled sub-network per step (AdamW, warm-up then cosine, label smoothing),
checkpointed after every epoch and resumable. `inherited_accuracy` scores a sub-network with the
inherited weights: the ranking a search uses instead of training each candidate, and
`SupernetEvaluator` (``--evaluator supernet:CHECKPOINT``) serves it to any search.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from edgenas.atomic import atomic_write
from edgenas.data import Dataset
from edgenas.errors import ConfigError, DataError
from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.oneshot._search import cpu_state, epoch_generator, read_checkpoint
from edgenas.oneshot.elastic import SlicedSupernet
from edgenas.spaces import Arch, SearchSpace, ViTSpace

__all__ = ["ViTSupernet", "EntangledConfig", "train_entangled", "load_entangled", "inherited_accuracy", "SupernetEvaluator",
           "FORMAT"]

FORMAT = "edgenas-entangled-supernet"


class ViTSupernet(SlicedSupernet):
    """Every ViT of ``space`` in the weights of its largest (one patch embedding per patch size)."""

    def __init__(self, space: SearchSpace, num_classes: int = 10) -> None:
        if not isinstance(space, ViTSpace):
            raise ConfigError(f"weight entanglement is built for the vit space, not {space.name!r}")
        super().__init__(space, [space.largest(p) for p in space.patches], num_classes=num_classes)


@dataclass
class EntangledConfig:
    """AutoFormer's recipe scaled to a CPU: AdamW 1e-3, weight decay 0.05, one warm-up epoch."""

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup_epochs: float = 1.0
    label_smoothing: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ConfigError(f"epochs, batch_size and lr must be positive, got {self.epochs}, {self.batch_size}, "
                              f"{self.lr}")


def train_entangled(space: ViTSpace, data: Dataset, config: EntangledConfig | None = None,
                    checkpoint: str | Path | None = None,
                    progress: Callable[[dict[str, Any]], None] | None = None) -> tuple[ViTSupernet, list[dict]]:
    """Train the supernet, one random sub-network per step; resumes from ``checkpoint``."""
    data.expect("classification", "the ViT supernet")
    config = config or EntangledConfig()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        supernet = ViTSupernet(space, data.num_classes)
    optimizer = torch.optim.AdamW(supernet.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    identity = {"space": space.get_params(), "num_classes": data.num_classes, "config": asdict(config),
                "train": len(data.x_train)}
    path = Path(checkpoint) if checkpoint else None
    start, history = 0, []
    if path is not None and path.exists():
        state = _read(path)
        if state["identity"] != identity:
            raise ConfigError(f"{path} belongs to a supernet with other settings; give another checkpoint")
        supernet.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start, history = state["epoch"], state["history"]
    steps = math.ceil(len(data.x_train) / config.batch_size)
    total, warm = config.epochs * steps, int(config.warmup_epochs * steps)
    for epoch in range(start, config.epochs):
        gen = epoch_generator(config.seed, epoch)
        rng = np.random.default_rng([config.seed, epoch])
        order = torch.randperm(len(data.x_train), generator=gen)
        supernet.train()
        running = 0.0
        for step, idx in enumerate(order.split(config.batch_size)):
            t = epoch * steps + step
            lr = config.lr * (t + 1) / warm if t < warm else \
                0.5 * config.lr * (1 + math.cos(math.pi * (t - warm) / max(1, total - warm)))
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = F.cross_entropy(supernet(data.x_train[idx], space.sample(rng)), data.y_train[idx],
                                   label_smoothing=config.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += float(loss.detach()) / steps
            if progress:
                progress({"epoch": epoch + 1, "epochs": config.epochs, "step": step + 1, "steps": steps,
                          "loss": running * steps / (step + 1)})
        row = {"epoch": epoch + 1, "loss": running,
               "largest_accuracy": inherited_accuracy(supernet, space.largest(), data, limit=1000)}
        history.append(row)
        if path is not None:
            snapshot = {"format": FORMAT, "identity": identity, "epoch": epoch + 1, "history": history,
                        "model": cpu_state(supernet.state_dict()), "optimizer": cpu_state(optimizer.state_dict())}
            atomic_write(path, lambda tmp, s=snapshot: torch.save(s, tmp))
        if progress:
            progress(row | {"end_of_epoch": True})
    return supernet.eval(), history


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataError(f"supernet checkpoint {path} not found; train one with: edgenas oneshot train --space vit -o {path}")
    return read_checkpoint(path, FORMAT, "vit supernet", "give one written by: edgenas oneshot train --space vit")


def load_entangled(path: str | Path) -> tuple[ViTSupernet, dict[str, Any]]:
    """The trained supernet stored at ``path`` and its checkpoint."""
    state = _read(Path(path))
    identity = state["identity"]
    supernet = ViTSupernet(ViTSpace(**identity["space"]), identity["num_classes"])
    supernet.load_state_dict(state["model"])
    return supernet.eval(), state


def inherited_accuracy(supernet: ViTSupernet, arch: Arch, data: Dataset, split: str = "val",
                       limit: int | None = None) -> float:
    """Accuracy (%) of ``arch`` with the supernet's weights (no BatchNorm to recalibrate)."""
    data.expect("classification", "the ViT supernet")
    was_training = supernet.training
    supernet.eval()
    x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
    x, y = (x[:limit], y[:limit]) if limit is not None else (x, y)
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 500):
            correct += int((supernet(x[i:i + 500], arch).argmax(1) == y[i:i + 500]).sum())
    supernet.train(was_training)
    return 100.0 * correct / max(1, len(x))


@register_evaluator
class SupernetEvaluator(Evaluator):
    """Inherited accuracy (%) from a trained vit supernet on the first ``limit`` validation
    images of ``dataset`` (split seed 0, as `edgenas oneshot train` splits it)."""

    metrics = ("accuracy",)

    def __init__(self, space: SearchSpace, checkpoint: str | Path, dataset: str = "fashion-mnist",
                 limit: int = 2000) -> None:
        from edgenas.data import check_dataset

        self.space, self.checkpoint, self.limit = space, Path(checkpoint), limit
        self.dataset_spec = check_dataset(dataset)
        self.supernet, state = load_entangled(self.checkpoint)  # read once: checked here, used by evaluate
        trained = state["identity"]["space"]
        if trained != space.get_params():
            raise ConfigError(f"{checkpoint} was trained on the vit space {trained}; search that space "
                              "(--space-config) or train a supernet for this one")
        self._data: Dataset | None = None

    def evaluate(self, arch: Arch) -> dict[str, float]:
        if self._data is None:
            from edgenas.data import load_dataset

            self._data = load_dataset(self.dataset_spec, resolution=self.space.input_shape(arch)[-1], seed=0)
        return {"accuracy": inherited_accuracy(self.supernet, arch, self._data, limit=self.limit)}

    def get_params(self) -> dict[str, Any]:
        return {"type": "SupernetEvaluator", "checkpoint": str(self.checkpoint), "dataset": self.dataset_spec,
                "limit": self.limit}

    @classmethod
    def from_params(cls, space: SearchSpace, params: dict[str, Any]) -> SupernetEvaluator:
        return cls(space, params["checkpoint"], params["dataset"], params["limit"])
