"""Weight inheritance for the mbconv space: build a child from a trained parent.

A child that *grows* its parent keeps the parent's function exactly:
* a larger kernel: the parent's depthwise kernel is zero-padded to the new size;
* a larger expand ratio: `net2wider` on the expand conv, through the depthwise conv and its BN,
  into the projection;
* a deeper stage: the new blocks are residual blocks whose last BN scale is 0, i.e. identities.
Shrinking choices (smaller kernel or expand ratio, fewer blocks) crop the parent's weights:
a good start, no longer the same function. Width and resolution must match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from edgenas.atomic import atomic_write
from edgenas.data import Dataset, check_dataset, load_dataset
from edgenas.errors import ConfigError
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.spaces import Arch, MBConvSpace, SearchSpace
from edgenas.spaces._layers import get_op

__all__ = ["inherit", "InheritingEvaluator", "grows"]


def grows(space: MBConvSpace, parent: Arch, child: Arch) -> bool:
    """True when every choice of ``child`` is at least its parent's (function-preserving)."""
    if parent["width"] != child["width"] or parent["resolution"] != child["resolution"]:
        return False
    for s in range(len(space.stages)):
        if int(child[f"s{s}_depth"]) < int(parent[f"s{s}_depth"]):
            return False
        for b in range(int(parent[f"s{s}_depth"])):
            for key in (f"s{s}_b{b}_kernel", f"s{s}_b{b}_expand"):
                if int(child[key]) < int(parent[key]):
                    return False
    return True


def inherit(space: SearchSpace, parent: Arch, parent_model: nn.Module, child: Arch,
            num_classes: int) -> nn.Module:
    """A model of ``child`` initialised from ``parent_model``, layer by layer through the space's
    description: a layer whose slot the parent has inherits with its op's rule, a new slot
    starts as the identity where its op can (see module docstring)."""
    if parent["width"] != child["width"] or parent["resolution"] != child["resolution"]:
        raise ConfigError("inheritance needs the same width and resolution")
    model = space.build(child, num_classes=num_classes)
    trained = dict(zip([layer.slot for layer in space.layers(parent, num_classes)], parent_model.layer_modules()))
    for layer, module in zip(space.layers(child, num_classes), model.layer_modules()):
        op = get_op(layer.op)
        if layer.slot in trained and op.inherit is not None:
            op.inherit(trained[layer.slot], module)
        elif layer.slot not in trained and op.identity is not None:
            op.identity(module)
    return model


@register_evaluator
class InheritingEvaluator(Evaluator):
    """Trains the first architectures from scratch; later ones inherit from the closest trained
    architecture of the same width and resolution and are fine-tuned for ``finetune_epochs``.

    Its state is the trained weights. With ``state_dir`` each trained network is written there
    (weights-only, atomically) and listed in ``index.jsonl`` in training order before the next
    one starts, and a new evaluator on the same folder starts from them: a search resumed after
    a crash inherits from the parents trained before it, as the uninterrupted run did."""

    metrics = ("accuracy", "test_accuracy", "train_seconds", "inherited")

    def __init__(self, space: MBConvSpace, dataset: str = "fashion-mnist", scratch: TrainConfig | None = None,
                 finetune_epochs: int = 2, state_dir: str | Path | None = None) -> None:
        self.space, self.dataset = space, check_dataset(dataset)
        self.scratch = scratch or TrainConfig()
        self.finetune_epochs = finetune_epochs
        self.state_dir = Path(state_dir) if state_dir else None
        self.trained: dict[Arch, dict[str, torch.Tensor] | Path] = {}
        self._data: Dataset | None = None
        index = self.state_dir / "index.jsonl" if self.state_dir else None
        if index is not None and index.exists():
            for line in index.read_text().splitlines():
                try:
                    row = json.loads(line)
                    self.trained[self.space.validate(Arch.from_json(row["arch"]))] = self.state_dir / row["file"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line cut off by a crash: that network is trained again

    def get_params(self) -> dict[str, Any]:
        return {"type": "InheritingEvaluator", "dataset": self.dataset, "finetune_epochs": self.finetune_epochs,
                "scratch": asdict(self.scratch), "state_dir": str(self.state_dir) if self.state_dir else None}

    @classmethod
    def from_params(cls, space: MBConvSpace, params: dict[str, Any]) -> InheritingEvaluator:
        return cls(space, params["dataset"], TrainConfig(**params["scratch"]), params["finetune_epochs"],
                   params.get("state_dir"))

    def _weights(self, arch: Arch) -> dict[str, torch.Tensor]:
        stored = self.trained[arch]
        return torch.load(stored, weights_only=True) if isinstance(stored, Path) else stored

    def _keep(self, arch: Arch, state: dict[str, torch.Tensor]) -> None:
        if self.state_dir is None:
            self.trained[arch] = state
            return
        name = f"{hashlib.sha1(arch.to_json().encode()).hexdigest()[:16]}.pt"
        atomic_write(self.state_dir / name, lambda tmp: torch.save(state, tmp))
        with (self.state_dir / "index.jsonl").open("a") as index:
            index.write(json.dumps({"arch": arch.to_json(), "file": name}) + "\n")
        self.trained[arch] = self.state_dir / name

    def _parent(self, arch: Arch) -> Arch | None:
        same = [a for a in self.trained if a["width"] == arch["width"] and a["resolution"] == arch["resolution"]]
        if not same:
            return None
        distance = lambda a: sum(a[k] != arch[k] for k in self.space.choices)  # noqa: E731
        growing = [a for a in same if grows(self.space, a, arch)]
        return min(growing or same, key=distance)

    def evaluate(self, arch: Arch) -> dict[str, float]:
        shape = self.space.input_shape(arch)
        if self._data is None:
            self._data = load_dataset(self.dataset, resolution=shape[-1], channels=shape[1], seed=self.scratch.seed)
        parent = self._parent(arch)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.scratch.seed)
            if parent is None:
                model, config = self.space.build(arch, num_classes=self._data.num_classes), self.scratch
            else:
                parent_model = self.space.build(parent, num_classes=self._data.num_classes)
                parent_model.load_state_dict(self._weights(parent))
                model = inherit(self.space, parent, parent_model, arch, self._data.num_classes)
                config = TrainConfig(**{**self.scratch.__dict__, "epochs": self.finetune_epochs,
                                        "warmup_epochs": 0.0, "lr": self.scratch.lr / 5})
        result = Trainer(config).fit(model, self._data)
        self._keep(arch, {k: v.clone() for k, v in model.state_dict().items()})
        return {"accuracy": 100 * result.val_accuracy, "test_accuracy": 100 * result.test_accuracy,
                "train_seconds": result.seconds, "inherited": float(parent is not None)}
