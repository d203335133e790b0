"""The Once-for-All elastic supernet over an `MBConvSpace`.

The weights are those of the space's *largest* network, built by the space's own layer
description (`MBConvSpace.layers`), so the supernet is not a second copy of the topology. A
sub-network is the same description for a smaller architecture; each of its layers runs with
the supernet weights cut to its shape:

* elastic width and expand ratio: the leading channels (``weight[:out, :in]``, BN statistics
  ``[:c]``); `sort_channels` puts the most important expanded channels first before the expand
  ratio becomes elastic;
* elastic kernel: the centre of the largest kernel passed through a learnt per-layer transform,
  one per step down (7->5, 5->3), shared by the channels and initialised to the identity;
* elastic depth: the first d blocks of a stage (the description simply stops at d);
* elastic resolution: the batch is resized to the architecture's resolution.

The architecture is an argument of ``forward`` (``supernet(x, arch)``), never a mutable
"active sub-network"; `extract` returns the standalone network `space.build(arch)` with the cut
weights, which computes the same function. The space-independent part (largest layer per slot,
leading slices, forward, extract) is `SlicedSupernet`, which the vision-transformer supernet
shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from edgenas.errors import ConfigError
from edgenas.spaces import Arch, MBConvSpace, SearchSpace
from edgenas.spaces._layers import Layer, LayerNetwork

__all__ = ["SlicedSupernet", "ElasticSupernet", "describe", "largest", "smallest", "recalibrate_bn", "resize", "sample_subnet", "ELASTIC"]

# the elastic dimensions, each a family of the space's choices
ELASTIC = ("kernel", "expand", "depth", "width", "resolution")


def largest(space: MBConvSpace) -> Arch:
    return space.uniform(max(space.widths), max(space.resolutions), [max(space.depths)] * len(space.stages),
                         max(space.kernels), max(space.expands))


def smallest(space: MBConvSpace) -> Arch:
    return space.uniform(min(space.widths), min(space.resolutions), [min(space.depths)] * len(space.stages),
                         min(space.kernels), min(space.expands))


def describe(arch: Arch) -> str:
    """A short human form: ``w1.0 r28 | k7e6 k5e4 | k3e3`` (one group of blocks per stage)."""
    stages, s = [], 0
    while f"s{s}_depth" in arch:
        stages.append(" ".join(f"k{arch[f's{s}_b{b}_kernel']}e{arch[f's{s}_b{b}_expand']}"
                               for b in range(int(arch[f"s{s}_depth"]))))
        s += 1
    return " | ".join([f"w{arch['width']} r{arch['resolution']}", *stages])


def resize(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """The batch at ``resolution`` x ``resolution`` (bilinear), unchanged when it already is."""
    if x.shape[-1] == resolution and x.shape[-2] == resolution:
        return x
    return F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)


def sample_subnet(space: MBConvSpace, rng: np.random.Generator,
                  allowed: Mapping[str, Sequence[int | float]] | None = None) -> Arch:
    """A random architecture whose choices lie in ``allowed`` (per elastic dimension; the
    space's own values where a dimension is not given)."""
    allowed = dict(allowed or {})
    values = {"kernel": space.kernels, "expand": space.expands, "depth": space.depths, "width": space.widths,
              "resolution": space.resolutions}
    values.update({k: tuple(v) for k, v in allowed.items()})
    pick = {}
    for key in space.choices:
        family = key.rsplit("_", 1)[-1]
        options = values[family]
        pick[key] = options[int(rng.integers(len(options)))]
    return space.validate(pick)


def recalibrate_bn(model: nn.Module, images: torch.Tensor, batch_size: int = 200) -> nn.Module:
    """Re-estimate every BatchNorm's statistics as the average over ``images`` (the sub-network's
    own statistics: the supernet's running averages mix every sub-network's). Returns the model
    in eval mode."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches
    model.train()
    with torch.no_grad():
        for batch in images.split(batch_size):
            model(batch)
    for m, momentum in zip(bns, momenta):
        m.momentum = momentum
    return model.eval()


class SlicedSupernet(nn.Module):
    """Weights of the largest layer at every slot of a space's layer description;
    ``forward(x, arch)`` runs any architecture with every tensor cut to its layer's shape
    (leading slices), and `extract` returns ``space.build(arch)`` with the cut weights.

    ``covering`` lists architectures that together hold the largest layer of every slot (the
    first one's layers are ``network``; slots only the others have, such as the patch embedding
    of another patch size, are in ``extra``). This is the weight sharing of Once-for-All's
    elastic width and depth and of AutoFormer's weight entanglement alike."""

    def __init__(self, space: SearchSpace, covering: Sequence[Arch], **layer_args: object) -> None:
        super().__init__()
        self.space, self.layer_args = space, layer_args
        self.max_arch = covering[0]
        first = space.layers(self.max_arch, **layer_args)
        self.network = LayerNetwork(first)
        self._by_slot = dict(zip(self.network.slots, self.network.layer_modules()))  # shared, not copied
        self.extra = nn.ModuleDict()
        for arch in covering[1:]:
            for layer in space.layers(arch, **layer_args):
                if layer.slot not in self._by_slot:
                    self.extra[layer.slot] = layer.build()
                    self._by_slot[layer.slot] = self.extra[layer.slot]
        self._skeletons: dict[tuple, nn.Module] = {}

    # -- the cut weights ------------------------------------------------------------
    def _module(self, slot: str) -> nn.Module:
        return self._by_slot[slot]

    def _skeleton(self, layer: Layer) -> nn.Module:
        """A weightless module of the layer's shape (meta device), reused for every call."""
        key = (layer.op, layer.args)
        if key not in self._skeletons:
            with torch.device("meta"):
                self._skeletons[key] = layer.build()
        return self._skeletons[key]

    def _cut(self, slot: str, tensor: torch.Tensor, shape: torch.Size) -> torch.Tensor:
        """``tensor`` cut to ``shape``: its leading slices."""
        return tensor[tuple(slice(0, n) for n in shape)]

    def layer_state(self, layer: Layer) -> dict[str, torch.Tensor]:
        """The supernet's tensors cut to ``layer``'s shapes (differentiable views and products)."""
        source = self._module(layer.slot).state_dict(keep_vars=True)
        out = {}
        for name, target in self._skeleton(layer).state_dict(keep_vars=True).items():
            tensor = source[name]
            out[name] = self._cut(layer.slot, tensor, target.shape) if tensor.shape != target.shape else tensor
        return out

    def layers(self, arch: Arch | Mapping) -> list[Layer]:
        return self.space.layers(arch, **self.layer_args)

    def _input(self, x: torch.Tensor, layers: list[Layer]) -> torch.Tensor:
        """The batch as the architecture's first layer takes it (unchanged by default)."""
        return x

    # -- running and extracting ------------------------------------------------------
    def forward(self, x: torch.Tensor, arch: Arch | Mapping | None = None) -> torch.Tensor:
        arch = self.max_arch if arch is None else arch
        layers = self.layers(arch)
        x = self._input(x, layers)
        for layer in layers:
            skeleton = self._skeleton(layer).train(self.training)  # BN and dropout follow the supernet's mode
            x = functional_call(skeleton, self.layer_state(layer), (x,))
        return x

    def extract(self, arch: Arch | Mapping, calibrate: torch.Tensor | None = None) -> LayerNetwork:
        """The standalone network of ``arch`` (what ``space.build`` returns) with the cut weights;
        its output equals ``self(x, arch)``. With ``calibrate`` (training images, any
        resolution) its BatchNorm statistics are re-estimated on them and it is returned in
        eval mode, ready to evaluate or export."""
        layers = self.layers(arch)
        net = LayerNetwork(layers).to(next(self.parameters()).device)
        with torch.no_grad():
            for module, layer in zip(net.layer_modules(), layers):
                module.load_state_dict({k: v.detach().clone() for k, v in self.layer_state(layer).items()})
        if calibrate is not None:
            return recalibrate_bn(net, self._input(calibrate.to(next(self.parameters()).device), layers))
        return net.train(self.training)


class ElasticSupernet(SlicedSupernet):
    """Weights of ``space``'s largest network; ``forward(x, arch)`` runs any sub-network."""

    def __init__(self, space: MBConvSpace, num_classes: int = 10, dropout: float = 0.0) -> None:
        if not isinstance(space, MBConvSpace):
            raise ConfigError(f"the elastic supernet needs an mbconv space, not {getattr(space, 'name', space)!r}")
        if min(space.expands) <= 1:
            raise ConfigError("the elastic supernet needs expand ratios above 1 (an expand ratio of 1 has no "
                              f"expand conv to share); got {list(space.expands)}")
        super().__init__(space, [largest(space)], num_classes=num_classes, dropout=dropout)
        self.num_classes, self.dropout = num_classes, dropout
        self.block_slots = [layer.slot for layer in self.layers(self.max_arch)
                            if layer.slot.startswith("s") and layer.op == "mbconv"]
        kernels = sorted(space.kernels, reverse=True)
        self.kernel_steps = list(zip(kernels, kernels[1:]))
        self.transforms = nn.ParameterDict({
            f"{slot}__{a}to{b}": nn.Parameter(torch.eye(b * b)) for slot in self.block_slots for a, b in self.kernel_steps
        })

    def _shrink_kernel(self, slot: str, weight: torch.Tensor, kernel: int) -> torch.Tensor:
        for big, small in self.kernel_steps:
            if weight.shape[-1] <= kernel:
                break
            if big != weight.shape[-1]:
                continue
            crop = (big - small) // 2
            centre = weight[..., crop:crop + small, crop:crop + small]
            matrix = self.transforms[f"{slot}__{big}to{small}"]
            weight = (centre.reshape(-1, small * small) @ matrix).reshape(centre.shape)
        return weight

    def _cut(self, slot: str, tensor: torch.Tensor, shape: torch.Size) -> torch.Tensor:
        if tensor.dim() == 4 and tensor.shape[-1] != shape[-1]:
            tensor = self._shrink_kernel(slot, tensor, shape[-1])
        return super()._cut(slot, tensor, shape)

    def _input(self, x: torch.Tensor, layers: list[Layer]) -> torch.Tensor:
        return resize(x, layers[0].input_shape[-1])

    # -- importance order before the expand ratio or the width becomes elastic ------------
    @torch.no_grad()
    def sort_channels(self) -> None:
        """Reorder every block's expanded channels by importance (L1 norm of their projection
        weights), so a smaller expand ratio keeps the most important ones. The largest network's
        function is unchanged (a permutation of hidden channels)."""
        for slot in self.block_slots:
            block = self._module(slot)
            expand, depthwise, project = block.conv[0], block.conv[1], block.conv[-1]
            order = _importance_order([project[0]])
            _permute_outputs(expand, order)
            _permute_outputs(depthwise, order)
            _permute_inputs(project[0], order)

    @torch.no_grad()
    def sort_width(self) -> None:
        """Reorder the channels that elastic width cuts (the stem's, every stage's, the head's)
        by importance, the sum over the layers that read a channel of their weights' L1 norm on
        it, so a smaller width multiplier keeps the most important ones. A stage's residual
        blocks all write its channels: they are one group, permuted together. The largest
        network's function is unchanged."""
        for group in self._width_groups():
            order = _importance_order(group["readers"])
            for layer in group["writers"] + group["through"]:
                _permute_outputs(layer, order)
            for reader in group["readers"]:
                _permute_inputs(reader, order)

    def _width_groups(self) -> list[dict[str, list[nn.Module]]]:
        """The channel groups of the largest network, in order: the layers that write a
        group's channels (conv + BN), those that pass them channel by channel (a depthwise
        conv + BN) and the convs / linear layers that read them."""
        groups: list[dict[str, list[nn.Module]]] = []
        for layer in self.layers(self.max_arch):
            module = self._module(layer.slot)
            if layer.op == "classifier":
                groups[-1]["readers"].append(module.fc)
            elif layer.op == "conv_bn_act":
                if groups:
                    groups[-1]["readers"].append(module[0])
                groups.append({"writers": [module], "through": [], "readers": []})
            elif module.hidden == module.cin:  # no expand conv: the depthwise conv passes the channels
                groups[-1]["through"].append(module.conv[0])
                groups[-1]["readers"].append(module.conv[-1][0])
                groups.append({"writers": [module.conv[-1]], "through": [], "readers": []})
            else:
                groups[-1]["readers"].append(module.conv[0][0])
                if module.use_residual:  # adds into the channels it reads
                    groups[-1]["writers"].append(module.conv[-1])
                else:
                    groups.append({"writers": [module.conv[-1]], "through": [], "readers": []})
        return groups


def _importance_order(readers: Sequence[nn.Module]) -> torch.Tensor:
    """Channels by descending importance: the L1 norm of the readers' weights on each input."""
    importance = sum(r.weight.abs().sum(dim=0) if r.weight.dim() == 2 else r.weight.abs().sum(dim=(0, 2, 3))
                     for r in readers)
    return torch.argsort(importance, descending=True, stable=True)


def _permute_outputs(conv_bn: nn.Module, order: torch.Tensor) -> None:
    """Permute the output channels of a conv + BN pair (``ConvBNAct``)."""
    conv, bn = conv_bn[0], conv_bn[1]
    conv.weight.copy_(conv.weight[order])
    for tensor in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
        tensor.copy_(tensor[order])


def _permute_inputs(layer: nn.Module, order: torch.Tensor) -> None:
    layer.weight.copy_(layer.weight[:, order])
