"""Reference networks with their published structures, built from `edgenas.blocks`.

No weights are downloaded: these exist to be profiled, measured and compared.
"""

from __future__ import annotations

import torch
from torch import nn

from edgenas.blocks import (
    BasicBlock,
    Bottleneck,
    ConvBNAct,
    DepthwiseSeparable,
    InvertedResidual,
    ShuffleV2Unit,
    TransformerBlock,
    make_divisible,
)

__all__ = ["ResNet", "MobileNetV1", "MobileNetV2", "ShuffleNetV2", "VisionTransformer"]


def _init(model: nn.Module) -> None:
    """Kaiming for convs, small normal for linear, unit BN: the usual from-scratch start."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class _Classifier(nn.Module):
    """features -> global average pool -> (dropout) -> linear."""

    def __init__(self, features: nn.Module, width: int, num_classes: int, dropout: float) -> None:
        super().__init__()
        self.features = features
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(width, num_classes)
        if next(iter(self.parameters())).device.type != "meta":
            _init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(torch.flatten(self.pool(self.features(x)), 1)))


class ResNet(_Classifier):
    """ResNet v1.5 (torchvision layout): 7x7 stem, max-pool, four stages, pool, linear."""

    def __init__(self, block: str, layers: list[int], num_classes: int = 1000, groups: int = 1,
                 width_per_group: int = 64) -> None:
        stem = [ConvBNAct(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1)]
        blocks: list[nn.Module] = []
        cin = 64
        for stage, depth in enumerate(layers):
            planes = 64 * 2**stage
            for i in range(depth):
                stride = 2 if stage > 0 and i == 0 else 1
                if block == "basic":
                    blocks.append(BasicBlock(cin, planes, stride))
                    cin = planes
                else:
                    width = int(planes * width_per_group / 64) * groups
                    blocks.append(Bottleneck(cin, width, planes * 4, stride, groups))
                    cin = planes * 4
        super().__init__(nn.Sequential(*stem, *blocks), cin, num_classes, 0.0)


class MobileNetV1(_Classifier):
    """MobileNetV1: a 3x3 stem then 13 depthwise-separable blocks."""

    _CFG = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5,
            (1024, 2), (1024, 1)]

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0) -> None:
        def ch(c: int) -> int:
            return make_divisible(c * width_mult)

        layers: list[nn.Module] = [ConvBNAct(3, ch(32), 3, 2)]
        cin = ch(32)
        for cout, stride in self._CFG:
            layers.append(DepthwiseSeparable(cin, ch(cout), stride))
            cin = ch(cout)
        super().__init__(nn.Sequential(*layers), cin, num_classes, 0.0)


class MobileNetV2(_Classifier):
    """MobileNetV2 (torchvision layout): inverted residuals (t, c, n, s), 1280-wide head."""

    _CFG = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
            (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0) -> None:
        cin = make_divisible(32 * width_mult)
        last = make_divisible(1280 * max(1.0, width_mult))
        layers: list[nn.Module] = [ConvBNAct(3, cin, 3, 2, act=nn.ReLU6)]
        for t, c, n, s in self._CFG:
            cout = make_divisible(c * width_mult)
            for i in range(n):
                layers.append(InvertedResidual(cin, cout, s if i == 0 else 1, t))
                cin = cout
        layers.append(ConvBNAct(cin, last, 1, act=nn.ReLU6))
        super().__init__(nn.Sequential(*layers), last, num_classes, 0.2)


class ShuffleNetV2(nn.Module):
    """ShuffleNetV2 (torchvision layout): stem, max-pool, three stages of units, 1x1, mean."""

    def __init__(self, repeats: list[int], channels: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = ConvBNAct(3, channels[0], 3, 2)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages: list[nn.Module] = []
        cin = channels[0]
        for depth, cout in zip(repeats, channels[1:]):
            units = [ShuffleV2Unit(cin, cout, 2)] + [ShuffleV2Unit(cout, cout, 1) for _ in range(depth - 1)]
            stages.append(nn.Sequential(*units))
            cin = cout
        self.stages = nn.Sequential(*stages)
        self.conv5 = ConvBNAct(cin, channels[-1], 1)
        self.fc = nn.Linear(channels[-1], num_classes)
        if self.fc.weight.device.type != "meta":
            _init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv5(self.stages(self.maxpool(self.conv1(x))))
        return self.fc(x.mean([2, 3]))


class VisionTransformer(nn.Module):
    """ViT / DeiT: patch embedding, class token, position embedding, blocks, LN, linear head."""

    def __init__(self, image_size: int = 224, patch: int = 16, dim: int = 192, depth: int = 12,
                 heads: int = 3, mlp_ratio: float = 4.0, num_classes: int = 1000) -> None:
        super().__init__()
        tokens = (image_size // patch) ** 2 + 1
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.Sequential(*[TransformerBlock(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)
        if self.head.weight.device.type != "meta":
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            nn.init.trunc_normal_(self.cls_token, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])
