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

from dataclasses import asdict
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from edgenas.blocks import InvertedResidual
from edgenas.data import Dataset, check_dataset, load_dataset
from edgenas.errors import ConfigError
from edgenas.estimate.net2net import net2wider
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.spaces import Arch, MBConvSpace

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


def _blocks(model: nn.Module) -> list[InvertedResidual]:
    return [m for m in model.features if isinstance(m, InvertedResidual)][1:]  # skip the fixed first


def _copy_block(src: InvertedResidual, dst: InvertedResidual) -> None:
    """Copy ``src`` into ``dst`` (same cin/cout/stride), adapting kernel and hidden width."""
    src = _resize_hidden(src, dst.hidden)
    with torch.no_grad():
        for s_layer, d_layer in zip(src.conv, dst.conv):
            s_conv, d_conv = s_layer[0], d_layer[0]
            w = s_conv.weight
            if w.shape[-1] != d_conv.weight.shape[-1]:  # depthwise kernel size changed
                diff = (d_conv.weight.shape[-1] - w.shape[-1]) // 2
                w = F.pad(w, [diff] * 4) if diff > 0 else w[..., -diff:diff, -diff:diff]
            d_conv.weight.copy_(w)
            d_layer[1].load_state_dict(s_layer[1].state_dict())


def _resize_hidden(block: InvertedResidual, hidden: int) -> InvertedResidual:
    """A copy of ``block`` whose expanded width is ``hidden`` (widened by net2wider, or cropped)."""
    import copy

    block = copy.deepcopy(block)
    if block.hidden == hidden or block.hidden == block.cin:
        if block.hidden != hidden:
            raise ConfigError("cannot change the expand ratio of a block without an expand conv")
        return block
    expand, dw, project = block.conv[0], block.conv[1], block.conv[-1]
    if hidden > block.hidden:
        wide, proj, bn, (dw_conv, dw_bn) = net2wider(expand[0], project[0], hidden, bn=expand[1],
                                                     channelwise=[dw[0], dw[1]])
        expand[0], expand[1], dw[0], dw[1], project[0] = wide, bn, dw_conv, dw_bn, proj
    else:
        keep = torch.arange(hidden)
        with torch.no_grad():
            expand[0].weight = nn.Parameter(expand[0].weight[keep])
            dw[0].weight = nn.Parameter(dw[0].weight[keep])
            project[0].weight = nn.Parameter(project[0].weight[:, keep])
            for bn in (expand[1], dw[1]):
                for name in ("weight", "bias"):
                    setattr(bn, name, nn.Parameter(getattr(bn, name)[keep]))
                bn.running_mean, bn.running_var = bn.running_mean[keep], bn.running_var[keep]
    block.hidden = hidden
    return block


def inherit(space: MBConvSpace, parent: Arch, parent_model: nn.Module, child: Arch,
            num_classes: int) -> nn.Module:
    """A model of ``child`` initialised from ``parent_model`` (see module docstring)."""
    if parent["width"] != child["width"] or parent["resolution"] != child["resolution"]:
        raise ConfigError("inheritance needs the same width and resolution")
    model = space.build(child, num_classes=num_classes)
    parent_blocks, child_blocks = _blocks(parent_model), _blocks(model)
    # the fixed parts (stem, first block, feature-mix head, classifier) keep their shapes
    for index in (0, 1, -1):
        model.features[index].load_state_dict(parent_model.features[index].state_dict())
    model.classifier.load_state_dict(parent_model.classifier.state_dict())
    p_index = c_index = 0
    for s in range(len(space.stages)):
        p_depth, c_depth = int(parent[f"s{s}_depth"]), int(child[f"s{s}_depth"])
        for b in range(c_depth):
            target = child_blocks[c_index + b]
            if b < p_depth:
                _copy_block(parent_blocks[p_index + b], target)
            elif target.use_residual:  # a new block: start as the identity
                with torch.no_grad():
                    target.conv[-1][1].weight.zero_()
        p_index += p_depth
        c_index += c_depth
    return model


@register_evaluator
class InheritingEvaluator(Evaluator):
    """Trains the first architectures from scratch; later ones inherit from the closest trained
    architecture of the same width and resolution and are fine-tuned for ``finetune_epochs``."""

    metrics = ("accuracy", "test_accuracy", "train_seconds", "inherited")

    def __init__(self, space: MBConvSpace, dataset: str = "fashion-mnist", scratch: TrainConfig | None = None,
                 finetune_epochs: int = 2) -> None:
        self.space, self.dataset = space, check_dataset(dataset)
        self.scratch = scratch or TrainConfig()
        self.finetune_epochs = finetune_epochs
        self.trained: dict[Arch, dict[str, torch.Tensor]] = {}
        self._data: Dataset | None = None

    def get_params(self) -> dict[str, Any]:
        return {"type": "InheritingEvaluator", "dataset": self.dataset, "finetune_epochs": self.finetune_epochs,
                "scratch": asdict(self.scratch)}

    @classmethod
    def from_params(cls, space: MBConvSpace, params: dict[str, Any]) -> InheritingEvaluator:
        return cls(space, params["dataset"], TrainConfig(**params["scratch"]), params["finetune_epochs"])

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
                parent_model.load_state_dict(self.trained[parent])
                model = inherit(self.space, parent, parent_model, arch, self._data.num_classes)
                config = TrainConfig(**{**self.scratch.__dict__, "epochs": self.finetune_epochs,
                                        "warmup_epochs": 0.0, "lr": self.scratch.lr / 5})
        result = Trainer(config).fit(model, self._data)
        self.trained[arch] = {k: v.clone() for k, v in model.state_dict().items()}
        return {"accuracy": 100 * result.val_accuracy, "test_accuracy": 100 * result.test_accuracy,
                "train_seconds": result.seconds, "inherited": float(parent is not None)}
