"""Reference networks by name: ``create_model("mobilenet_v2")``; ``list_models()``."""

from __future__ import annotations

from typing import Any

from torch import nn

from edgenas.registry import Registry
from edgenas.zoo._models import MobileNetV1, MobileNetV2, ResNet, ShuffleNetV2, VisionTransformer

__all__ = ["MODELS", "create_model", "list_models"]

MODELS: Registry[nn.Module] = Registry("model")


@MODELS.register("resnet18")
def resnet18(num_classes: int = 1000) -> nn.Module:
    return ResNet("basic", [2, 2, 2, 2], num_classes)


@MODELS.register("resnet50")
def resnet50(num_classes: int = 1000) -> nn.Module:
    return ResNet("bottleneck", [3, 4, 6, 3], num_classes)


@MODELS.register("resnext50_32x4d")
def resnext50_32x4d(num_classes: int = 1000) -> nn.Module:
    return ResNet("bottleneck", [3, 4, 6, 3], num_classes, groups=32, width_per_group=4)


@MODELS.register("mobilenet_v1")
def mobilenet_v1(num_classes: int = 1000, width_mult: float = 1.0) -> nn.Module:
    return MobileNetV1(num_classes, width_mult)


@MODELS.register("mobilenet_v2")
def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0) -> nn.Module:
    return MobileNetV2(num_classes, width_mult)


@MODELS.register("shufflenet_v2_x1_0")
def shufflenet_v2_x1_0(num_classes: int = 1000) -> nn.Module:
    return ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024], num_classes)


@MODELS.register("deit_tiny")
def deit_tiny(num_classes: int = 1000, image_size: int = 224) -> nn.Module:
    return VisionTransformer(image_size, 16, 192, 12, 3, 4.0, num_classes)


def create_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a zoo model by name (pass ``device="meta"`` via ``torch.device`` to skip init)."""
    return MODELS.create(name, **kwargs)


def list_models(pattern: str = "*") -> list[str]:
    return MODELS.names(pattern)
