"""Training from scratch: the exact-but-expensive rung of the estimator ladder.

SGD (Nesterov) or AdamW, linear warm-up then cosine decay per step, label smoothing, optional
knowledge distillation from a teacher, divergence detection, a checkpoint after every epoch
(loaded with ``weights_only=True``) and resume. Each epoch's shuffling comes from a generator
seeded by (seed, epoch), so a resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from edgenas.atomic import atomic_write
from edgenas.data import Dataset, check_dataset, load_dataset
from edgenas.errors import ConfigError, EdgeNASError
from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.spaces import Arch, SearchSpace

__all__ = ["TrainConfig", "TrainResult", "Trainer", "TrainingDiverged", "TrainEvaluator", "accuracy"]


class TrainingDiverged(EdgeNASError):
    """The loss became NaN or infinite; training stopped."""


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_epochs: float = 1.0
    label_smoothing: float = 0.1
    kd_weight: float = 0.0
    kd_temperature: float = 4.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in ("sgd", "adamw"):
            raise ConfigError(f"optimizer must be sgd or adamw, got {self.optimizer!r}")
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ConfigError(f"epochs, batch_size and lr must be positive, got epochs={self.epochs}, "
                              f"batch_size={self.batch_size}, lr={self.lr}")
        if not 0 <= self.label_smoothing <= 1:
            raise ConfigError(f"label_smoothing must be between 0 and 1, got {self.label_smoothing}")
        if self.seed < 0:
            raise ConfigError(f"seed must be non-negative, got {self.seed}")


@dataclass
class TrainResult:
    """Accuracies are shares of images (classification) or pixels (segmentation); the mIoU
    fields are set for segmentation only."""

    history: list[dict[str, float]] = field(default_factory=list)
    val_accuracy: float = 0.0
    test_accuracy: float = 0.0
    seconds: float = 0.0
    val_miou: float | None = None
    test_miou: float | None = None


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 512) -> float:
    """Share of correct labels: of images, or of pixels when ``y`` has one label per pixel."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            correct += int((model(x[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum())
    return correct / max(1, y.numel())


def segmentation_iou(model: nn.Module, x: torch.Tensor, y: torch.Tensor, num_classes: int,
                     batch_size: int = 256) -> float:
    """Mean intersection-over-union of the per-pixel predictions over the whole split."""
    from edgenas.data.scenes import confusion, mean_iou

    model.eval()
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.long)
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            matrix += confusion(model(x[i:i + batch_size]).argmax(1), y[i:i + batch_size], num_classes)
    return mean_iou(matrix)


class Trainer:
    def __init__(self, config: TrainConfig | None = None, checkpoint: str | Path | None = None) -> None:
        self.config = config or TrainConfig()
        self.checkpoint = Path(checkpoint) if checkpoint else None

    def _optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        c = self.config
        if c.optimizer == "adamw":
            return torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        return torch.optim.SGD(model.parameters(), lr=c.lr, momentum=c.momentum, nesterov=True,
                               weight_decay=c.weight_decay)

    def _lr(self, step: int, total: int, per_epoch: int) -> float:
        c = self.config
        warm = int(c.warmup_epochs * per_epoch)
        if step < warm:
            return c.lr * (step + 1) / warm
        progress = (step - warm) / max(1, total - warm)
        return 0.5 * c.lr * (1 + math.cos(math.pi * progress))

    def fit(self, model: nn.Module, data: Dataset, teacher: nn.Module | None = None,
            progress: Callable[[int, int, dict[str, float]], None] | None = None) -> TrainResult:
        c = self.config
        optimizer = self._optimizer(model)
        result = TrainResult()
        start_epoch = 0
        if self.checkpoint and self.checkpoint.exists():
            try:
                state = torch.load(self.checkpoint, weights_only=True)
                model.load_state_dict(state["model"])
                optimizer.load_state_dict(state["optimizer"])
            except Exception as exc:  # noqa: BLE001 - a foreign or broken file is a user error
                raise ConfigError(f"cannot resume from {self.checkpoint} ({type(exc).__name__}: "
                                  f"{str(exc).splitlines()[0]}): not this training's checkpoint; give a new --checkpoint "
                                  "path to start afresh") from None
            start_epoch, result.history = int(state["epoch"]), list(state["history"])
        per_epoch = math.ceil(len(data.x_train) / c.batch_size)
        total = per_epoch * c.epochs
        begin = time.perf_counter()
        for epoch in range(start_epoch, c.epochs):
            model.train()
            order = torch.randperm(len(data.x_train), generator=torch.Generator().manual_seed(c.seed * 10_007 + epoch))
            running, seen = 0.0, 0
            for i, idx in enumerate(order.split(c.batch_size)):
                step = epoch * per_epoch + i
                for group in optimizer.param_groups:
                    group["lr"] = self._lr(step, total, per_epoch)
                x, y = data.x_train[idx], data.y_train[idx]
                logits = model(x)
                loss = F.cross_entropy(logits, y, label_smoothing=c.label_smoothing)
                if teacher is not None and c.kd_weight > 0:
                    with torch.no_grad():
                        soft = F.softmax(teacher(x) / c.kd_temperature, 1)  # classes are dim 1, pixels or not
                    kd = F.kl_div(F.log_softmax(logits / c.kd_temperature, 1), soft, reduction="sum") / y.numel()
                    loss = (1 - c.kd_weight) * loss + c.kd_weight * kd * c.kd_temperature**2
                if not torch.isfinite(loss):
                    raise TrainingDiverged(f"loss became {loss.item()} at epoch {epoch + 1}, step {i + 1}; "
                                           "lower the learning rate")
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                running += float(loss.detach()) * len(idx)
                seen += len(idx)
            row = {"epoch": epoch + 1, "loss": running / seen, "val_accuracy": accuracy(model, data.x_val, data.y_val),
                   "lr": optimizer.param_groups[0]["lr"]}
            if data.task == "segmentation":
                row["val_miou"] = segmentation_iou(model, data.x_val, data.y_val, data.num_classes)
            result.history.append(row)
            if self.checkpoint:
                state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "epoch": epoch + 1, "history": result.history, "config": asdict(c)}
                atomic_write(self.checkpoint, lambda tmp, s=state: torch.save(s, tmp))  # never half a checkpoint
            if progress:
                progress(epoch + 1, c.epochs, row)
        result.seconds = time.perf_counter() - begin
        result.val_accuracy = accuracy(model, data.x_val, data.y_val)
        result.test_accuracy = accuracy(model, data.x_test, data.y_test)
        if data.task == "segmentation":
            result.val_miou = segmentation_iou(model, data.x_val, data.y_val, data.num_classes)
            result.test_miou = segmentation_iou(model, data.x_test, data.y_test, data.num_classes)
        return result


@register_evaluator
class TrainEvaluator(Evaluator):
    """Trains each architecture from scratch (seeded) and reports validation accuracy (%); on a
    segmentation dataset ``accuracy`` and ``test_accuracy`` are mean IoU (%), the score that
    decides there."""

    metrics = ("accuracy", "test_accuracy", "train_seconds")

    def __init__(self, space: SearchSpace, dataset: str = "fashion-mnist", config: TrainConfig | None = None,
                 checkpoint_dir: str | Path | None = None) -> None:
        self.space, self.dataset_spec = space, check_dataset(dataset)
        self.train_config = config or TrainConfig()
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self._data: dict[tuple, Dataset] = {}

    def get_params(self) -> dict[str, Any]:
        return {"type": "TrainEvaluator", "dataset": self.dataset_spec, "config": asdict(self.train_config),
                "checkpoint_dir": str(self.checkpoint_dir) if self.checkpoint_dir else None}

    @classmethod
    def from_params(cls, space: SearchSpace, params: dict[str, Any]) -> TrainEvaluator:
        return cls(space, params["dataset"], TrainConfig(**params["config"]), params.get("checkpoint_dir"))

    def data(self, arch: Arch) -> Dataset:
        shape = self.space.input_shape(arch)
        key = (shape[1], shape[-1])
        if key not in self._data:
            data = load_dataset(self.dataset_spec, resolution=shape[-1], channels=shape[1],
                                seed=self.train_config.seed)
            data.expect(self.space.task, f"the {self.space.name} space's network")  # a ConfigError: stops the run
            self._data[key] = data
        return self._data[key]

    def evaluate(self, arch: Arch) -> dict[str, float]:
        data = self.data(arch)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.train_config.seed)
            model = self.space.build(arch, num_classes=data.num_classes)
        checkpoint = None
        if self.checkpoint_dir:
            import hashlib

            checkpoint = self.checkpoint_dir / f"{hashlib.sha1(arch.to_json().encode()).hexdigest()[:16]}.pt"
        result = Trainer(self.train_config, checkpoint).fit(model, data)
        segmentation = result.val_miou is not None
        return {"accuracy": 100 * (result.val_miou if segmentation else result.val_accuracy),
                "test_accuracy": 100 * (result.test_miou if segmentation else result.test_accuracy),
                "train_seconds": result.seconds}
