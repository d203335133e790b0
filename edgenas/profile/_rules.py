"""Cost rules per ATen operator: multiply-accumulates, other elementwise ops, or free.

Convention (written in docs/architecture.md and shown by the CLI):

* ``macs`` — multiply-accumulates of convolutions, matrix products (mm/addmm/bmm/baddbmm, so
  Linear, ``@``, einsum) and attention (the two products of scaled-dot-product attention).
  Bias is *not* included. 1 MAC = one multiply + one add; FLOPs = 2 x MACs.
* ``other_ops`` — everything else that computes: bias adds (1 per output element), batch norm
  (2 per element: scale and shift once statistics are folded), layer/group norm (5 per element:
  mean, variance, normalise, scale, shift), activations (1 per element; softmax 3), elementwise
  arithmetic (1 per output element), pooling (kernel area per output element; adaptive/global
  average pooling and mean: 1 per input element), bilinear upsampling (4 per output element).
* free — data movement and bookkeeping: views, reshapes, permutes, cat, split, copies, padding,
  nearest upsampling. Channel shuffle is a view + transpose + copy, hence free.

An operator in none of these tables is *uncounted*: the profile lists it instead of silently
pretending it cost nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

__all__ = [
    "OpCost", "cost_of", "ELEMENTWISE", "BATCH_NORM", "CONVOLUTION", "FIRST_OUTPUT_ONLY",
    "is_depthwise_conv", "ATTENTION", "attention_scores",
]

aten = torch.ops.aten

Tensor = torch.Tensor


class OpCost(tuple):
    """``(macs, other_ops)`` for one operator call."""

    __slots__ = ()

    def __new__(cls, macs: int = 0, other: int = 0) -> OpCost:
        return super().__new__(cls, (int(macs), int(other)))


def _numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def _conv(args: Sequence[Any], out: Tensor) -> OpCost:
    x, w, bias = args[0], args[1], args[2]
    transposed = bool(args[6]) if len(args) > 6 else False
    if transposed:
        # weight (Cin, Cout/groups, k...): every input element feeds Cout/groups * k outputs.
        macs = x.numel() * _numel(w.shape[1:])
    else:
        # weight (Cout, Cin/groups, k...): every output element costs Cin/groups * k MACs.
        macs = out.numel() * _numel(w.shape[1:])
    return OpCost(macs, out.numel() if bias is not None else 0)


def _mm(args: Sequence[Any], out: Tensor) -> OpCost:
    a, b = args[0], args[1]
    return OpCost(a.shape[0] * a.shape[1] * b.shape[1])


def _addmm(args: Sequence[Any], out: Tensor) -> OpCost:
    _, a, b = args[0], args[1], args[2]
    return OpCost(a.shape[0] * a.shape[1] * b.shape[1], out.numel())


def _linear(args: Sequence[Any], out: Tensor) -> OpCost:
    x, w = args[0], args[1]
    bias = args[2] if len(args) > 2 else None
    return OpCost(x.numel() * w.shape[0], out.numel() if bias is not None else 0)


def _bmm(args: Sequence[Any], out: Tensor) -> OpCost:
    a, b = args[0], args[1]
    return OpCost(a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2])


def _baddbmm(args: Sequence[Any], out: Tensor) -> OpCost:
    a, b = args[1], args[2]
    return OpCost(a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2], out.numel())


def _sdpa(args: Sequence[Any], out: Any) -> OpCost:
    q, k, v = args[0], args[1], args[2]
    batch = _numel(q.shape[:-2])
    length, source = q.shape[-2], k.shape[-2]
    # Q @ K^T (L x S x E) then softmax(...) @ V (L x S x Ev); softmax 3 ops per score.
    scores = batch * length * source
    return OpCost(scores * q.shape[-1] + scores * v.shape[-1], 3 * scores)


def _per_out(factor: int) -> Callable[[Sequence[Any], Any], OpCost]:
    def rule(args: Sequence[Any], out: Any) -> OpCost:
        first = out[0] if isinstance(out, (tuple, list)) else out
        return OpCost(0, factor * first.numel())

    return rule


def _per_in(factor: int) -> Callable[[Sequence[Any], Any], OpCost]:
    def rule(args: Sequence[Any], out: Any) -> OpCost:
        return OpCost(0, factor * args[0].numel())

    return rule


def _pool(args: Sequence[Any], out: Any) -> OpCost:
    first = out[0] if isinstance(out, (tuple, list)) else out
    kernel = args[1]
    area = _numel(kernel) if isinstance(kernel, (list, tuple)) else kernel * kernel
    return OpCost(0, area * first.numel())


def _adaptive_max(args: Sequence[Any], out: Any) -> OpCost:
    return OpCost(0, args[0].numel())


def _free(args: Sequence[Any], out: Any) -> OpCost:
    return OpCost()


def _ops(*names: str) -> list[Any]:
    """Resolve ``aten`` overload packets by name, skipping ones this torch build lacks."""
    found = []
    for name in names:
        packet = getattr(aten, name, None)
        if packet is not None:
            found.append(packet)
    return found


_RULES: dict[Any, Callable[[Sequence[Any], Any], OpCost]] = {}


def _register(rule: Callable[[Sequence[Any], Any], OpCost], *names: str) -> None:
    for packet in _ops(*names):
        _RULES[packet] = rule


_register(_conv, "convolution", "convolution_overrideable", "_convolution")
_register(_mm, "mm")
_register(_addmm, "addmm")
_register(_linear, "linear")
_register(_bmm, "bmm")
_register(_baddbmm, "baddbmm")
ATTENTION = frozenset(_ops(
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_flash_attention",
    "_scaled_dot_product_efficient_attention",
    "_scaled_dot_product_cudnn_attention",
))
for _packet in ATTENTION:
    _RULES[_packet] = _sdpa


def attention_scores(args: Sequence[Any]) -> int:
    """Elements of the score matrix of a scaled-dot-product attention call (batch x heads x
    queries x keys)."""
    q, k = args[0], args[1]
    return _numel(q.shape[:-1]) * k.shape[-2]
_register(
    _per_in(2),
    "native_batch_norm",
    "_native_batch_norm_legit",
    "_native_batch_norm_legit_no_training",
    "_native_batch_norm_legit_functional",
)
_register(_per_in(5), "native_layer_norm", "native_group_norm")
_register(_per_out(3), "_softmax", "_safe_softmax", "_log_softmax", "softmax")
_register(
    _per_out(1),
    "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "hardswish", "hardswish_",
    "hardsigmoid", "hardsigmoid_", "sigmoid", "sigmoid_", "silu", "silu_", "gelu", "tanh",
    "tanh_", "leaky_relu", "leaky_relu_", "elu", "elu_", "mish", "softplus", "clamp",
    "clamp_", "clamp_min", "clamp_min_", "clamp_max", "threshold", "add", "add_", "sub",
    "sub_", "mul", "mul_", "div", "div_", "neg", "rsqrt", "sqrt", "exp", "log", "pow",
    "reciprocal", "maximum", "minimum", "where", "native_dropout", "erf", "abs",
)
_register(_pool, "max_pool2d_with_indices", "max_pool1d", "max_pool2d", "avg_pool2d", "avg_pool1d")
_register(_per_in(1), "mean", "sum", "_adaptive_avg_pool2d", "adaptive_avg_pool1d", "amax")
_register(_adaptive_max, "adaptive_max_pool2d")
_register(_per_out(4), "upsample_bilinear2d", "_upsample_bilinear2d_aa")
_register(
    _free,
    "view", "_unsafe_view", "reshape", "permute", "transpose", "transpose_", "t", "expand",
    "squeeze", "unsqueeze", "select", "slice", "split", "split_with_sizes", "unbind", "chunk",
    "cat", "stack", "clone", "contiguous", "flatten", "detach", "alias", "empty", "empty_like",
    "zeros", "zeros_like", "ones", "ones_like", "full", "_to_copy", "copy_", "as_strided",
    "lift_fresh", "narrow", "constant_pad_nd", "fill_", "zero_", "upsample_nearest2d",
    "upsample_nearest1d", "_unsafe_index", "index_select", "roll", "repeat", "new_empty",
    "new_zeros", "empty_strided", "arange", "_reshape_alias", "unfold", "movedim", "flip",
    "scalar_tensor", "dropout", "_local_scalar_dense", "masked_fill", "masked_fill_",
    "_assert_tensor_metadata", "sym_size", "sym_numel", "_has_compatible_shallow_copy_type",
)

# Elementwise operators whose output may overwrite a dying input of the same size: a deployed
# runtime fuses BN and activations into the conv and computes adds in place.
ELEMENTWISE = frozenset(
    _ops(
        "native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
        "relu", "relu6", "hardtanh", "hardswish", "hardsigmoid", "sigmoid", "silu", "gelu",
        "tanh", "leaky_relu", "elu", "mish", "softplus", "clamp", "clamp_min", "clamp_max",
        "threshold", "add", "sub", "mul", "div", "neg", "native_dropout", "erf", "abs",
    )
)

BATCH_NORM = frozenset(
    _ops(
        "native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
        "_native_batch_norm_legit_functional",
    )
)
# Out-of-place elementwise overloads whose meta result is simply a new tensor shaped like
# their (same-shaped) inputs: the profiler skips PyTorch's slow Python meta kernel for them.
SAME_SHAPE = frozenset(
    getattr(getattr(aten, name), overload)
    for name, overload in [
        ("add", "Tensor"), ("sub", "Tensor"), ("mul", "Tensor"), ("div", "Tensor"),
        ("relu", "default"), ("hardtanh", "default"), ("hardswish", "default"),
        ("hardsigmoid", "default"), ("sigmoid", "default"), ("silu", "default"),
        ("gelu", "default"), ("tanh", "default"), ("leaky_relu", "default"),
        ("add", "Scalar"), ("sub", "Scalar"), ("mul", "Scalar"), ("div", "Scalar"),
        ("_softmax", "default"), ("_safe_softmax", "default"),
    ]
)

# Operators whose extra outputs (saved statistics, pooling indices, dropout masks) are not
# activations a deployed network keeps.
FIRST_OUTPUT_ONLY = frozenset(
    _ops(
        "native_batch_norm", "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
        "_native_batch_norm_legit_functional", "native_layer_norm", "native_group_norm",
        "max_pool2d_with_indices", "native_dropout", "adaptive_max_pool2d",
    )
)
CONVOLUTION = frozenset(_ops("convolution", "convolution_overrideable", "_convolution"))


def cost_of(func: Any, args: Sequence[Any], out: Any) -> OpCost | None:
    """Cost of one call of ``func`` (an ATen overload), or ``None`` when no rule knows it."""
    rule = _RULES.get(func.overloadpacket)
    return None if rule is None else rule(args, out)


def is_depthwise_conv(func: Any, args: Sequence[Any]) -> bool:
    """A convolution whose groups equal its input channels (one filter per channel)."""
    if func.overloadpacket not in CONVOLUTION or len(args) < 9:
        return False
    groups, x = args[8], args[0]
    return groups > 1 and x.shape[1] == groups
