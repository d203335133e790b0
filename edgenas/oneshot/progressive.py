"""Progressive shrinking: train the elastic supernet so that every sub-network works.

Phases (Once-for-All): the full network, then elastic kernel, depth, expand ratio and width,
each phase admitting smaller values of one more dimension while keeping the earlier ones
elastic; resolution is elastic from the start (one resolution per batch). Several sub-networks
per step (1, 1, 2, 4, 4) accumulate their gradients into one optimiser step, distilled from the
full network trained in the first phase. ``schedule="joint"`` is the paper's ablation: every
sub-network sampled from the whole space from the first epoch, with the same epochs, sub-networks
per step and learning rates.

A checkpoint (weights-only file, written atomically) after every epoch holds the supernet,
the optimiser, the teacher and the position (phase, epoch); a rerun continues from it and ends
with the same weights as an uninterrupted run: shuffling, sub-network sampling and dropout are
seeded by (seed, phase, epoch, step).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from edgenas.atomic import atomic_write
from edgenas.data import Dataset
from edgenas.errors import ConfigError, DataError
from edgenas.estimate.train import TrainingDiverged
from edgenas.oneshot._search import cpu_state, read_checkpoint
from edgenas.oneshot.elastic import ElasticSupernet, largest, resize, sample_subnet
from edgenas.spaces import Arch, MBConvSpace

__all__ = ["SMALL_IMAGES", "OFAConfig", "Phase", "phases", "train_supernet", "load_supernet", "subnet_accuracy", "FORMAT"]

FORMAT = "edgenas-ofa-supernet"

# An elastic space sized for 28-32 px images on a CPU: three stride-2 stages after the stem
# (14 -> 7 -> 4 -> 2 px at 28 px input), up to 9 blocks, kernels 3/5/7, expand 3/4/6, two widths
# and three resolutions.
SMALL_IMAGES = {"depths": [1, 2, 3], "kernels": [3, 5, 7], "expands": [3, 4, 6], "widths": [0.75, 1.0],
                "resolutions": [20, 24, 28], "stages": [[24, 2], [40, 2], [80, 2]], "head_channels": 256}


@dataclass
class OFAConfig:
    """Epochs per phase (the joint schedule trains for their sum), optimiser and distillation."""

    full_epochs: int = 4
    kernel_epochs: int = 2
    depth_epochs: int = 2
    expand_epochs: int = 2
    width_epochs: int = 2
    schedule: str = "progressive"
    batch_size: int = 128
    lr: float = 0.05
    shrink_lr: float = 0.05  # the elastic phases' rate (0.02, near the paper's, starved them here)
    momentum: float = 0.9
    weight_decay: float = 3e-5
    label_smoothing: float = 0.1
    kd_weight: float = 1.0
    # "full": the full network frozen after the full phase (OFA); "inplace": the largest
    # sub-network of the same step, detached (BigNAS), a teacher that keeps improving
    teacher: str = "inplace"
    # "phase": a cosine from each phase's rate to 0 within the phase (OFA); "global": one cosine
    # from ``lr`` to 0 over all phases
    lr_schedule: str = "phase"
    subnets: tuple[int, ...] = (1, 1, 2, 4, 4)  # per phase: full, kernel, depth, expand, width
    sandwich: bool = True  # with 2+ sub-networks per step, two are the largest and smallest admitted
    # reorder the width-cut channels by importance before the width phase, as the expanded
    # channels are before the expand phase
    sort_width: bool = False
    bn_images: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        self.subnets = tuple(self.subnets)
        if self.schedule not in ("progressive", "joint"):
            raise ConfigError(f"schedule must be progressive or joint, got {self.schedule!r}")
        if self.lr_schedule not in ("phase", "global"):
            raise ConfigError(f"lr_schedule must be phase or global, got {self.lr_schedule!r}")
        if self.teacher not in ("full", "inplace"):
            raise ConfigError(f"teacher must be full or inplace, got {self.teacher!r}")
        if self.teacher == "inplace" and not self.sandwich:
            raise ConfigError("the inplace teacher is the largest sub-network of each step: it needs sandwich on")
        epochs = [self.full_epochs, self.kernel_epochs, self.depth_epochs, self.expand_epochs, self.width_epochs]
        if min(epochs) < 0 or self.full_epochs < 1:
            raise ConfigError(f"epochs per phase must be non-negative and the full phase at least 1, got {epochs}")
        if self.batch_size < 1 or not self.lr > 0 or not self.shrink_lr > 0 or self.bn_images < 1:
            raise ConfigError("batch_size, lr, shrink_lr and bn_images must be positive")
        if len(self.subnets) != 5 or min(self.subnets) < 1:
            raise ConfigError(f"subnets needs 5 positive counts (full, kernel, depth, expand, width), got {self.subnets}")


@dataclass(frozen=True)
class Phase:
    name: str
    epochs: int
    subnets: int
    lr: float
    allowed: dict[str, tuple] = field(default_factory=dict)  # restricted elastic dimensions
    distill: bool = True
    window: tuple[float, float] = (0.0, 1.0)  # the part of the cosine from ``lr`` to 0 this phase runs


def phases(space: MBConvSpace, config: OFAConfig) -> list[Phase]:
    """The schedule for this space: a phase per elastic dimension the space has. The joint
    ablation keeps every phase's epochs, sub-networks per step and learning rate (the same
    compute) but samples from the whole space throughout, without a teacher."""
    if config.schedule == "joint":
        return [Phase("joint", p.epochs, p.subnets, p.lr, {}, distill=False, window=p.window)
                for p in phases(space, OFAConfig(**(asdict(config) | {"schedule": "progressive"})))]
    fixed = {"kernel": (max(space.kernels),), "depth": (max(space.depths),), "expand": (max(space.expands),),
             "width": (max(space.widths),)}
    out = [Phase("full", config.full_epochs, config.subnets[0], config.lr, dict(fixed), distill=False)]
    values = {"kernel": space.kernels, "depth": space.depths, "expand": space.expands, "width": space.widths}
    epochs = {"kernel": config.kernel_epochs, "depth": config.depth_epochs, "expand": config.expand_epochs,
              "width": config.width_epochs}
    for i, dim in enumerate(("kernel", "depth", "expand", "width")):
        if len(values[dim]) < 2 or epochs[dim] == 0:
            continue
        fixed.pop(dim)
        out.append(Phase(dim, epochs[dim], config.subnets[i + 1], config.shrink_lr, dict(fixed)))
    if config.lr_schedule == "global":
        ends = np.cumsum([0] + [p.epochs for p in out]) / sum(p.epochs for p in out)
        out = [replace(p, lr=config.lr, window=(float(a), float(b))) for p, a, b in zip(out, ends[:-1], ends[1:])]
    return out


# -- checkpoints ---------------------------------------------------------------------------
def _identity(space: MBConvSpace, num_classes: int) -> dict[str, Any]:
    return {"space": space.get_params(), "num_classes": num_classes}


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataError(f"supernet checkpoint {path} not found; train one with: edgenas ofa train -o {path}")
    return read_checkpoint(path, FORMAT, "Once-for-All supernet", "give one written by: edgenas ofa train")


def load_supernet(path: str | Path) -> tuple[ElasticSupernet, dict[str, Any]]:
    """The trained supernet stored at ``path`` and its checkpoint (config, history, dataset)."""
    state = _read(Path(path))
    space = MBConvSpace(**state["space"])
    supernet = ElasticSupernet(space, state["num_classes"])
    supernet.load_state_dict(state["model"])
    return supernet.eval(), state


def subnet_accuracy(supernet: ElasticSupernet, arch: Arch, data: Dataset, bn_images: int = 2000,
                    split: str = "val", limit: int | None = None, seed: int = 0) -> float:
    """Accuracy (%) of ``arch`` with inherited weights after BatchNorm recalibration on
    ``bn_images`` training images (a fixed, seeded subset)."""
    data.expect("classification", "the Once-for-All supernet")
    device = next(supernet.parameters()).device
    r = int(supernet.space.validate(arch)["resolution"])
    net = supernet.extract(arch, calibrate=data.batch(bn_images, seed=seed)[0])
    x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 500):
            correct += int((net(resize(x[i:i + 500].to(device), r)).argmax(1).cpu() == y[i:i + 500]).sum())
    return 100.0 * correct / max(1, len(x))


# -- training ------------------------------------------------------------------------------
def _optimizer(supernet: ElasticSupernet, config: OFAConfig, lr: float) -> torch.optim.Optimizer:
    decay = [p for n, p in supernet.named_parameters() if p.dim() > 1 and not n.startswith("transforms")]
    rest = [p for n, p in supernet.named_parameters() if not (p.dim() > 1 and not n.startswith("transforms"))]
    return torch.optim.SGD([{"params": decay, "weight_decay": config.weight_decay},
                            {"params": rest, "weight_decay": 0.0}], lr=lr, momentum=config.momentum, nesterov=True)


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


def train_supernet(space: MBConvSpace, data: Dataset, config: OFAConfig | None = None,
                   checkpoint: str | Path | None = None,
                   progress: Callable[[dict[str, Any]], None] | None = None,
                   device: str = "cpu") -> tuple[ElasticSupernet, list[dict]]:
    """Train an elastic supernet on ``data`` by progressive shrinking (or the joint ablation),
    resuming from ``checkpoint`` when it exists. ``progress`` receives a dict after every step
    (phase, epoch, step, steps, loss) and every epoch (plus the phase's largest and smallest
    sub-networks' validation accuracy). ``device`` runs the training there (``cuda``); the
    checkpoint is always written from CPU tensors."""
    data.expect("classification", "the Once-for-All supernet")
    config = config or OFAConfig()
    checkpoint = Path(checkpoint) if checkpoint else None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        supernet = ElasticSupernet(space, data.num_classes)
    schedule = phases(space, config)
    history: list[dict] = []
    teacher_state = None
    phase_index, epoch = 0, 0
    if checkpoint is not None and checkpoint.exists():
        state = _read(checkpoint)
        if {k: state[k] for k in ("space", "num_classes")} != _identity(space, data.num_classes):
            raise ConfigError(f"{checkpoint} holds a supernet of another space or class count; "
                              "give another --output to train this one")
        if _OLDER_DEFAULTS | state["config"] != _saved(config):
            raise ConfigError(f"{checkpoint} was trained with other settings; give another --output "
                              "or the same settings to resume")
        supernet.load_state_dict(state["model"])
        phase_index, epoch, history, teacher_state = state["phase"], state["epoch"], state["history"], state["teacher"]
    else:
        state = None
    supernet.to(device)
    teacher = None
    while phase_index < len(schedule):
        phase = schedule[phase_index]
        if epoch >= phase.epochs:
            phase_index, epoch, state = phase_index + 1, 0, None
            continue
        if epoch == 0 and phase.name == "expand":
            supernet.sort_channels()
        if epoch == 0 and phase.name == "width" and config.sort_width:
            supernet.sort_width()
        optimizer = _optimizer(supernet, config, phase.lr)
        if state is not None and state.get("optimizer") is not None:
            optimizer.load_state_dict(state["optimizer"])
        state = None
        if phase.distill and config.kd_weight > 0 and config.teacher == "full" and teacher is None:
            if teacher_state is None:
                raise ConfigError("the distillation teacher is missing from the checkpoint; train again")
            teacher = supernet.extract(supernet.max_arch)
            teacher.load_state_dict(teacher_state)
            teacher.to(device).eval()
        for e in range(epoch, phase.epochs):
            row = _train_epoch(supernet, optimizer, teacher if phase.distill else None, data, config, phase,
                               phase_index, e, progress)
            history.append(row)
            if phase.name == "full" and e + 1 == phase.epochs and config.teacher == "full":
                teacher_state = cpu_state(supernet.extract(supernet.max_arch).state_dict())
            if checkpoint is not None:
                snapshot = {"format": FORMAT, "version": 1, **_identity(space, data.num_classes),
                            "config": _saved(config),
                            "dataset": data.name, "phase": phase_index, "epoch": e + 1,
                            "model": cpu_state(supernet.state_dict()), "optimizer": cpu_state(optimizer.state_dict()),
                            "teacher": teacher_state, "history": history}
                atomic_write(checkpoint, lambda tmp, s=snapshot: torch.save(s, tmp))
            if progress:
                progress(row | {"end_of_epoch": True})
        phase_index, epoch = phase_index + 1, 0
    return supernet.cpu().eval(), history


_OLDER_DEFAULTS = {"sort_width": False}  # settings checkpoints written before they existed did without


def _saved(config: OFAConfig) -> dict[str, Any]:
    """The config as a checkpoint stores it (plain lists, as it reads back)."""
    return asdict(config) | {"subnets": list(config.subnets)}


def _extreme(space: MBConvSpace, allowed: dict[str, tuple], pick: Callable, resolution: int) -> Arch:
    """The largest (``pick=max``) or smallest (``min``) sub-network a phase admits."""
    values = {"kernel": space.kernels, "depth": space.depths, "expand": space.expands, "width": space.widths} | allowed
    return space.uniform(pick(values["width"]), resolution, [pick(values["depth"])] * len(space.stages),
                         pick(values["kernel"]), pick(values["expand"]))


def _train_epoch(supernet: ElasticSupernet, optimizer: torch.optim.Optimizer, teacher: torch.nn.Module | None,
                 data: Dataset, config: OFAConfig, phase: Phase, phase_index: int, epoch: int,
                 progress: Callable[[dict[str, Any]], None] | None) -> dict[str, Any]:
    space = supernet.space
    supernet.train()
    order = torch.randperm(len(data.x_train), generator=torch.Generator().manual_seed(_seed(config.seed, phase_index, epoch)))
    batches = order.split(config.batch_size)
    total = len(batches) * phase.epochs
    running, seen, begin = 0.0, 0, time.perf_counter()
    device = next(supernet.parameters()).device
    torch.manual_seed(_seed(config.seed, phase_index, epoch, 1))  # dropout
    a, b = phase.window
    inplace = phase.distill and config.kd_weight > 0 and config.teacher == "inplace" and phase.subnets > 1
    for step, idx in enumerate(batches):
        rng = np.random.default_rng([config.seed, phase_index, epoch, step])
        resolutions = phase.allowed.get("resolution", space.resolutions)
        r = int(resolutions[int(rng.integers(len(resolutions)))])
        x, y = resize(data.x_train[idx].to(device), r), data.y_train[idx].to(device)
        done = epoch * len(batches) + step
        lr = 0.5 * phase.lr * (1 + math.cos(math.pi * (a + (b - a) * done / total)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        soft = None
        if teacher is not None:
            with torch.no_grad():
                soft = F.softmax(teacher(x), -1)
        optimizer.zero_grad()
        step_loss = 0.0
        for k in range(phase.subnets):
            if config.sandwich and phase.subnets > 1 and k < 2:  # the largest and smallest admitted, every step
                arch = _extreme(space, phase.allowed, max if k == 0 else min, r)
            else:
                arch = sample_subnet(space, rng, phase.allowed | {"resolution": (r,)})
            logits = supernet(x, arch)
            loss = F.cross_entropy(logits, y, label_smoothing=config.label_smoothing)
            if soft is not None:
                loss = loss + config.kd_weight * F.cross_entropy(logits, soft)
            if inplace and k == 0:  # the largest admitted: its output teaches the others of this step
                soft = F.softmax(logits.detach(), -1)
            if not torch.isfinite(loss):
                raise TrainingDiverged(f"loss became {loss.item()} in phase {phase.name}, epoch {epoch + 1}; "
                                       "lower --lr")
            (loss / phase.subnets).backward()
            step_loss += float(loss.detach()) / phase.subnets
        optimizer.step()
        running += step_loss * len(idx)
        seen += len(idx)
        if progress:
            progress({"phase": phase.name, "epoch": epoch + 1, "epochs": phase.epochs, "step": step + 1,
                      "steps": len(batches), "loss": running / seen})
    row: dict[str, Any] = {"phase": phase.name, "epoch": epoch + 1, "epochs": phase.epochs, "loss": running / seen,
                           "seconds": time.perf_counter() - begin}
    low = _extreme(space, phase.allowed, min, min(space.resolutions))
    for name, arch in (("acc_largest", largest(space)), ("acc_smallest", low)):
        row[name] = subnet_accuracy(supernet, arch, data, bn_images=min(500, config.bn_images), limit=1000)
    supernet.train()
    return row

