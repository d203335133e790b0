"""Function-preserving transformations (Chen et al., Net2Net): inherit weights instead of
training from scratch.

* `net2wider` widens a conv/linear layer (and its BN) by replicating units, and divides the
  next layer's incoming weights by the replication count, so the network computes the same
  function. Channel-wise layers in between (a depthwise conv and its BN, as in an inverted
  residual) are replicated with the channels.
* `net2deeper` inserts an identity conv (Dirac kernel) or linear layer after a module.
Optional noise on the copies breaks their symmetry (then the function is only approximately
preserved).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from edgenas.errors import ConfigError

__all__ = ["net2wider", "net2deeper"]

Layer = nn.Conv2d | nn.Linear


def _out_channels(layer: nn.Module) -> int:
    return layer.out_channels if isinstance(layer, nn.Conv2d) else layer.out_features


def _check(layer: nn.Module, what: str) -> None:
    if not isinstance(layer, (nn.Conv2d, nn.Linear)):
        raise ConfigError(f"{what} must be a Conv2d or Linear, got {type(layer).__name__}")
    if isinstance(layer, nn.Conv2d) and layer.groups != 1:
        raise ConfigError(f"{what} is a grouped/depthwise conv: pass it in `channelwise` instead")


def _resized(layer: nn.Module, cin: int, cout: int) -> nn.Module:
    if isinstance(layer, nn.Linear):
        return nn.Linear(cin, cout, bias=layer.bias is not None, dtype=layer.weight.dtype)
    groups = cin if layer.groups > 1 else 1
    return nn.Conv2d(cin, cout, layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                     groups=groups, bias=layer.bias is not None, dtype=layer.weight.dtype)


def _widen_bn(bn: nn.modules.batchnorm._BatchNorm, mapping: torch.Tensor) -> nn.Module:
    new = type(bn)(len(mapping), bn.eps, bn.momentum, bn.affine, bn.track_running_stats,
                   dtype=bn.weight.dtype if bn.affine else None)
    with torch.no_grad():
        if bn.affine:
            new.weight.copy_(bn.weight[mapping])
            new.bias.copy_(bn.bias[mapping])
        if bn.track_running_stats:
            new.running_mean.copy_(bn.running_mean[mapping])
            new.running_var.copy_(bn.running_var[mapping])
            new.num_batches_tracked.copy_(bn.num_batches_tracked)
    return new


def net2wider(layer: Layer, next_layer: Layer, new_width: int, *, bn: nn.Module | None = None,
              channelwise: list[nn.Module] | None = None, noise: float = 0.0,
              generator: torch.Generator | None = None) -> tuple[nn.Module, nn.Module, nn.Module | None, list[nn.Module]]:
    """Return ``(wider layer, adapted next layer, wider bn, wider channel-wise layers)``.

    ``layer`` produces C channels/units, ``next_layer`` consumes them; ``new_width >= C``.
    ``channelwise`` lists the layers between them that act per channel (depthwise conv,
    BN); they are replicated along with the channels.
    """
    _check(layer, "layer")
    _check(next_layer, "next_layer")
    width = _out_channels(layer)
    if new_width < width:
        raise ConfigError(f"new_width {new_width} is smaller than the current width {width}")
    in_next = next_layer.in_channels if isinstance(next_layer, nn.Conv2d) else next_layer.in_features
    if in_next != width:
        raise ConfigError(f"next_layer takes {in_next} inputs but layer gives {width}")
    gen = generator or torch.Generator().manual_seed(0)
    extra = torch.randint(0, width, (new_width - width,), generator=gen)
    mapping = torch.cat([torch.arange(width), extra])
    counts = torch.bincount(mapping, minlength=width).to(layer.weight.dtype)

    wide = _resized(layer, layer.weight.shape[1], new_width)
    nxt = _resized(next_layer, new_width, _out_channels(next_layer))
    with torch.no_grad():
        wide.weight.copy_(layer.weight[mapping])
        if layer.bias is not None:
            wide.bias.copy_(layer.bias[mapping])
        scale = (1.0 / counts[mapping]).view(1, -1, *([1] * (next_layer.weight.dim() - 2)))
        w = next_layer.weight[:, mapping] * scale
        if noise > 0:
            w = w + noise * w.abs().mean() * torch.randn(w.shape, generator=gen, dtype=w.dtype)
        nxt.weight.copy_(w)
        if next_layer.bias is not None:
            nxt.bias.copy_(next_layer.bias)
    new_bn = _widen_bn(bn, mapping) if bn is not None else None
    widened = []
    for module in channelwise or []:
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            widened.append(_widen_bn(module, mapping))
        elif isinstance(module, nn.Conv2d) and module.groups == module.in_channels == module.out_channels:
            dw = _resized(module, new_width, new_width)
            with torch.no_grad():
                dw.weight.copy_(module.weight[mapping])
                if module.bias is not None:
                    dw.bias.copy_(module.bias[mapping])
            widened.append(dw)
        elif not any(True for _ in module.parameters()) and not list(module.buffers()):
            widened.append(copy.deepcopy(module))  # activations, pooling: nothing to widen
        else:
            raise ConfigError(f"{type(module).__name__} is not channel-wise; net2wider cannot widen it")
    return wide, nxt, new_bn, widened


def _identity_after(module: nn.Module, reference: nn.Module | None) -> nn.Module:
    if isinstance(reference, nn.Linear):
        layer = nn.Linear(reference.out_features, reference.out_features, dtype=reference.weight.dtype)
        with torch.no_grad():
            layer.weight.copy_(torch.eye(reference.out_features, dtype=reference.weight.dtype))
            layer.bias.zero_()
        return layer
    if isinstance(reference, nn.Conv2d):
        c = reference.out_channels
        layer = nn.Conv2d(c, c, 3, padding=1, bias=False, dtype=reference.weight.dtype)
        with torch.no_grad():
            nn.init.dirac_(layer.weight)
        return layer
    raise ConfigError(f"cannot tell the width after {type(module).__name__}: no conv/linear before it")


def net2deeper(model: nn.Sequential, after: int) -> nn.Sequential:
    """A copy of ``model`` with an identity layer inserted after position ``after``.

    The identity is a 3x3 Dirac conv (padding 1) after convolutional features, an identity
    matrix after linear ones; its width is that of the last conv/linear at or before ``after``.
    """
    if not isinstance(model, nn.Sequential):
        raise ConfigError(f"net2deeper works on nn.Sequential, got {type(model).__name__}")
    layers = list(model)
    if not -len(layers) <= after < len(layers):
        raise ConfigError(f"after={after} is outside the model's {len(layers)} layers")
    after %= len(layers)
    reference = None
    for layer in reversed(layers[: after + 1]):
        found = [m for m in layer.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        if found:
            reference = found[-1]
            break
    identity = _identity_after(layers[after], reference)
    return nn.Sequential(*copy.deepcopy(layers[: after + 1]), identity, *copy.deepcopy(layers[after + 1:]))
