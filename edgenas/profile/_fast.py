"""Shape-and-cost formulas for the common leaf layers, so profiling need not run them.

PyTorch's meta kernels are mostly Python reference implementations: running a MobileNetV2 on
meta tensors takes several forward passes' worth of time. For the layers below the output
shape and cost follow from the configuration alone, so the profiler replaces their
``forward`` with these formulas while it runs. Everything else still runs on meta tensors under
the dispatch recorder, and the tests check both paths give identical profiles.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

__all__ = ["FastResult", "FAST_LAYERS"]


@dataclass(frozen=True, slots=True)
class FastResult:
    shape: tuple[int, ...] | None  # None: the layer returns its input unchanged (in place)
    macs: int = 0
    other: int = 0
    elementwise: bool = False
    depthwise: bool = False
    batch_norm: bool = False
    conv: bool = False


def _pair(v: int | tuple[int, ...], n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _conv(m: nn.Module, shape: tuple[int, ...]) -> FastResult | None:
    if m.transposed:
        return None
    n = len(m.kernel_size)
    spatial = shape[-n:]
    if isinstance(m.padding, str):
        if m.padding == "same":
            out = tuple(spatial)
        else:  # valid
            out = tuple(
                (s - d * (k - 1) - 1) // st + 1
                for s, k, st, d in zip(spatial, m.kernel_size, m.stride, m.dilation)
            )
    else:
        out = tuple(
            (s + 2 * p - d * (k - 1) - 1) // st + 1
            for s, k, st, p, d in zip(spatial, m.kernel_size, m.stride, m.padding, m.dilation)
        )
    if any(o <= 0 for o in out) or shape[-n - 1] != m.in_channels:
        return None  # let the real kernel raise its own error message
    out_shape = (*shape[: -n - 1], m.out_channels, *out)
    numel = math.prod(out_shape)
    macs = numel * (m.in_channels // m.groups) * math.prod(m.kernel_size)
    depthwise = m.groups > 1 and m.groups == m.in_channels
    bias_adds = numel if m.bias is not None else 0
    return FastResult(out_shape, macs, bias_adds, depthwise=depthwise, conv=True)


def _linear(m: nn.Linear, shape: tuple[int, ...]) -> FastResult | None:
    if shape[-1] != m.in_features:
        return None
    out_shape = (*shape[:-1], m.out_features)
    rows = math.prod(shape[:-1])
    other = math.prod(out_shape) if m.bias is not None else 0
    return FastResult(out_shape, rows * m.in_features * m.out_features, other)


def _batch_norm(m: nn.Module, shape: tuple[int, ...]) -> FastResult | None:
    if len(shape) < 2 or shape[1] != m.num_features:
        return None
    return FastResult(shape, 0, 2 * math.prod(shape), elementwise=True, batch_norm=True)


def _layer_norm(m: nn.LayerNorm, shape: tuple[int, ...]) -> FastResult | None:
    n = len(m.normalized_shape)
    if tuple(shape[-n:]) != tuple(m.normalized_shape):
        return None
    return FastResult(shape, 0, 5 * math.prod(shape), elementwise=True)


def _activation(m: nn.Module, shape: tuple[int, ...]) -> FastResult:
    inplace = getattr(m, "inplace", False)
    return FastResult(None if inplace else shape, 0, math.prod(shape), elementwise=True)


def _pool(m: nn.Module, shape: tuple[int, ...]) -> FastResult | None:
    if len(shape) != 4 or getattr(m, "return_indices", False):
        return None
    k, s, p = _pair(m.kernel_size, 2), _pair(m.stride or m.kernel_size, 2), _pair(m.padding, 2)
    d = _pair(getattr(m, "dilation", 1), 2)
    out = []
    for size, kk, ss, pp, dd in zip(shape[2:], k, s, p, d):
        span = size + 2 * pp - dd * (kk - 1) - 1
        o = (span + (ss - 1 if m.ceil_mode else 0)) // ss + 1
        if m.ceil_mode and (o - 1) * ss >= size + pp:
            o -= 1
        out.append(o)
    if any(o <= 0 for o in out):
        return None
    out_shape = (*shape[:2], *out)
    return FastResult(out_shape, 0, k[0] * k[1] * math.prod(out_shape))


def _adaptive_avg(m: nn.AdaptiveAvgPool2d, shape: tuple[int, ...]) -> FastResult | None:
    size = _pair(m.output_size, 2)
    if len(shape) != 4 or any(s is None for s in size):
        return None
    return FastResult((*shape[:2], *size), 0, math.prod(shape))


def _identity(m: nn.Module, shape: tuple[int, ...]) -> FastResult:
    return FastResult(None)


FAST_LAYERS: dict[type, Callable[[nn.Module, tuple[int, ...]], FastResult | None]] = {
    nn.Conv1d: _conv,
    nn.Conv2d: _conv,
    nn.Linear: _linear,
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.LayerNorm: _layer_norm,
    nn.MaxPool2d: _pool,
    nn.AvgPool2d: _pool,
    nn.AdaptiveAvgPool2d: _adaptive_avg,
    nn.Identity: _identity,
    nn.Dropout: _identity,
    **{
        act: _activation
        for act in (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.SiLU,
                    nn.GELU, nn.Tanh, nn.LeakyReLU)
    },
}
