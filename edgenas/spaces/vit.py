"""A vision-transformer space in the manner of AutoFormer, sized for small images and edge CPUs.

Choices: the patch size, the embedding width, the depth, and per layer the number of heads and
the MLP ratio (and, when the space is given ``qkv_dims``, the attention width, decoupled from
the embedding width as in HAT). Layers beyond the depth are inactive and take the first value
of their choices (`canonical`), as in ``mbconv``. Every head count must divide every attention
width the space can produce, checked when the space is built, so every architecture is valid.

The network: a patch embedding (a stride-p convolution plus a learnt position embedding), pre-norm
blocks (LayerNorm, multi-head self-attention with separate q/k/v projections, residual;
LayerNorm, GELU MLP, residual), then LayerNorm, the mean over tokens and a linear classifier. The
q/k/v, MLP and norm weights of a smaller layer are the leading slices of a larger one's, so a
weight-entangled supernet can hold every layer of the space in its largest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from edgenas.errors import ArchError
from edgenas.spaces._arch import Arch
from edgenas.spaces._layers import Layer, LayerNetwork, register_op
from edgenas.spaces._space import SearchSpace, positive

__all__ = ["ViTSpace", "ViTBlock", "PatchEmbed", "ViTHead"]


class ViTSpace(SearchSpace):
    """Patch size, embedding width, depth; per layer heads, MLP ratio (and attention width)."""

    name = "vit"

    def __init__(self, patches: Sequence[int] = (4, 8), embeds: Sequence[int] = (64, 96, 128),
                 depths: Sequence[int] = (2, 3, 4, 5, 6), heads: Sequence[int] = (2, 4),
                 mlp_ratios: Sequence[float] = (2.0, 3.0, 4.0), qkv_dims: Sequence[int] | None = None,
                 resolution: int = 32) -> None:
        self.patches, self.embeds = positive("vit", "patches", patches), positive("vit", "embeds", embeds)
        self.depths, self.heads = positive("vit", "depths", depths), positive("vit", "heads", heads)
        self.mlp_ratios = tuple(float(r) for r in positive("vit", "mlp_ratios", mlp_ratios, integer=False))
        self.qkv_dims = positive("vit", "qkv_dims", qkv_dims) if qkv_dims is not None else None
        self.resolution = positive("vit", "resolution", resolution, many=False)
        for p in self.patches:
            if p < 1 or resolution % p:
                raise ArchError(f"vit: patch size {p} does not divide the resolution {resolution}")
        for width in self.qkv_dims or self.embeds:
            for h in self.heads:
                if h < 1 or width % h:
                    raise ArchError(f"vit: {h} heads do not divide the attention width {width}; choose head counts "
                                    "that divide every width (embeds, or qkv_dims when given)")
        self.max_depth = max(self.depths)
        choices: dict[str, tuple] = {"patch": self.patches, "embed": self.embeds, "depth": self.depths}
        for layer in range(self.max_depth):
            choices[f"l{layer}_heads"] = self.heads
            choices[f"l{layer}_mlp"] = self.mlp_ratios
            if self.qkv_dims:
                choices[f"l{layer}_qkv"] = self.qkv_dims
        super().__init__(choices)

    def get_params(self) -> dict:
        return {"patches": list(self.patches), "embeds": list(self.embeds), "depths": list(self.depths),
                "heads": list(self.heads), "mlp_ratios": list(self.mlp_ratios),
                "qkv_dims": list(self.qkv_dims) if self.qkv_dims else None, "resolution": self.resolution}

    def _layer_keys(self, layer: int) -> list[str]:
        return [f"l{layer}_heads", f"l{layer}_mlp"] + ([f"l{layer}_qkv"] if self.qkv_dims else [])

    def active(self, arch: Arch) -> list[str]:
        return ["patch", "embed", "depth"] + [k for i in range(int(arch["depth"])) for k in self._layer_keys(i)]

    def canonical(self, arch: Arch) -> Arch:
        changes = {k: self.choices[k][0] for i in range(int(arch["depth"]), self.max_depth)
                   for k in self._layer_keys(i)}
        return arch.replace(**changes) if changes else arch

    def validate(self, arch: Arch | dict) -> Arch:
        return self.canonical(super().validate(arch))

    def size(self) -> int:
        per_layer = len(self.heads) * len(self.mlp_ratios) * len(self.qkv_dims or (0,))
        return len(self.patches) * len(self.embeds) * sum(per_layer ** d for d in self.depths)

    def input_shape(self, arch: Arch) -> tuple[int, ...]:
        return (1, 3, self.resolution, self.resolution)

    def rewrite_features(self, arch: Arch) -> np.ndarray:
        """How many blocks of each configuration (width, patch, heads, MLP ratio, attention
        width) run, and which patch embedding and head: a block's cost depends on these jointly
        (its MLP costs width x hidden x tokens), which the one-hot choices of a layer cannot say,
        so `linear` sums one cost per configuration, a lookup table learnt from whole networks."""
        arch = self.validate(arch)
        qkvs = self.qkv_dims or (None,)
        grid = (len(self.embeds), len(self.patches), len(self.heads), len(self.mlp_ratios), len(qkvs))
        blocks = np.zeros(grid)
        e, p = self.embeds.index(int(arch["embed"])), self.patches.index(int(arch["patch"]))
        for i in range(int(arch["depth"])):
            q = qkvs.index(int(arch[f"l{i}_qkv"])) if self.qkv_dims else 0
            blocks[e, p, self.heads.index(int(arch[f"l{i}_heads"])), self.mlp_ratios.index(float(arch[f"l{i}_mlp"])), q] += 1
        ends = np.zeros(grid[:2])
        ends[e, p] = 1.0
        return np.concatenate([blocks.ravel(), ends.ravel()])

    def tokens(self, arch: Arch) -> int:
        return (self.resolution // int(arch["patch"])) ** 2

    def layers(self, arch: Arch, num_classes: int = 10) -> list[Layer]:
        """Patch embedding (slot ``patch{p}``: each patch size has its own), one block per layer
        (slot ``l{i}``), the head."""
        arch = self.validate(arch)
        p, e, t = int(arch["patch"]), int(arch["embed"]), self.tokens(arch)
        out = [Layer.of(f"patch{p}", "vit_patch_embed", (1, 3, self.resolution, self.resolution), cin=3, dim=e,
                        patch=p, tokens=t)]
        for i in range(int(arch["depth"])):
            qkv = int(arch[f"l{i}_qkv"]) if self.qkv_dims else e
            out.append(Layer.of(f"l{i}", "vit_block", (1, t, e), dim=e, heads=int(arch[f"l{i}_heads"]),
                                hidden=round(e * float(arch[f"l{i}_mlp"])), qkv=qkv))
        out.append(Layer.of("classifier", "vit_head", (1, t, e), dim=e, num_classes=num_classes))
        return out

    def build(self, arch: Arch, num_classes: int = 10) -> nn.Module:
        return LayerNetwork(self.layers(arch, num_classes))

    def largest(self, patch: int | None = None) -> Arch:
        """The architecture with every largest choice (and ``patch``, default the smallest
        patch: the most tokens)."""
        choices = {"patch": patch or min(self.patches), "embed": max(self.embeds), "depth": self.max_depth}
        for i in range(self.max_depth):
            choices[f"l{i}_heads"], choices[f"l{i}_mlp"] = max(self.heads), max(self.mlp_ratios)
            if self.qkv_dims:
                choices[f"l{i}_qkv"] = max(self.qkv_dims)
        return self.validate(choices)


class PatchEmbed(nn.Module):
    """Non-overlapping p x p patches to ``dim``-wide tokens, plus a learnt position embedding."""

    def __init__(self, cin: int, dim: int, patch: int, tokens: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, patch, patch)
        self.pos = nn.Parameter(torch.zeros(1, tokens, dim))
        nn.init.trunc_normal_(self.pos, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)
        if x.shape[2] * x.shape[3] != self.pos.shape[1]:
            raise ArchError(f"vit: the input gives {x.shape[2] * x.shape[3]} patches, the network expects "
                            f"{self.pos.shape[1]}; give images of the space's resolution")
        return x.flatten(2).transpose(1, 2) + self.pos


class ViTBlock(nn.Module):
    """Pre-norm transformer block with an attention width ``qkv`` that may differ from ``dim``."""

    def __init__(self, dim: int, heads: int, hidden: int, qkv: int) -> None:
        super().__init__()
        if qkv % heads:
            raise ArchError(f"vit: {heads} heads do not divide the attention width {qkv}")
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.q, self.k, self.v = nn.Linear(dim, qkv), nn.Linear(dim, qkv), nn.Linear(dim, qkv)
        self.proj = nn.Linear(qkv, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != self.norm1.normalized_shape[0]:
            raise ArchError(f"vit block: expected tokens (batch, tokens, {self.norm1.normalized_shape[0]}), got "
                            f"shape {tuple(x.shape)}")
        b, t, _ = x.shape
        y = self.norm1(x)
        q, k, v = (f(y).view(b, t, self.heads, -1).transpose(1, 2) for f in (self.q, self.k, self.v))
        x = x + self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, -1))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViTHead(nn.Module):
    """LayerNorm, mean over tokens, linear."""

    def __init__(self, dim: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.norm(x).mean(1))


@register_op("vit_patch_embed")
def vit_patch_embed(cin: int, dim: int, patch: int, tokens: int) -> nn.Module:
    return PatchEmbed(cin, dim, patch, tokens)


@register_op("vit_block")
def vit_block(dim: int, heads: int, hidden: int, qkv: int) -> nn.Module:
    return ViTBlock(dim, heads, hidden, qkv)


@register_op("vit_head")
def vit_head(dim: int, num_classes: int) -> nn.Module:
    return ViTHead(dim, num_classes)
