"""`profile(model, inputs)`: per-layer MACs, params, activations and peak memory.

How: the model runs once on *meta* tensors (shapes only, no arithmetic) under a
``TorchDispatchMode`` that sees every ATen operator, while global module hooks tell which layer
is running. So counting is exact per operator, never depends on tracing (data-dependent Python
control flow that only reads shapes works), costs less than a real forward pass, and sees
attention whatever the caller's grad mode (PyTorch's fused MHA fast path is switched off while
profiling). A model whose forward reads tensor *values* cannot run on meta tensors; it is then
run once on real zeros and the profile says so (``executed_on``).
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from edgenas.errors import ProfileError
from edgenas.profile._fast import FAST_LAYERS, FastResult
from edgenas.profile._memory import OpEvent, peak_activation
from edgenas.profile._rules import (
    ATTENTION,
    BATCH_NORM,
    CONVOLUTION,
    ELEMENTWISE,
    FIRST_OUTPUT_ONLY,
    SAME_SHAPE,
    attention_scores,
    cost_of,
    is_depthwise_conv,
)

__all__ = ["Layer", "Profile", "profile", "InputSpec"]

# Modules whose forward reaches for their parameters directly (not through child modules):
# counted as one layer each.
_ATOMIC = (nn.MultiheadAttention,)

InputSpec = Sequence[int] | torch.Tensor | Sequence[Sequence[int] | torch.Tensor]


@dataclass
class Layer:
    """One row of a profile: a leaf module call, or an operator outside any leaf module."""

    name: str
    op: str
    input_shapes: list[list[int]]
    output_shape: list[int]
    macs: int = 0
    other_ops: int = 0
    params: int = 0
    activation_bytes: int = 0
    uncounted: list[str] = field(default_factory=list)


@dataclass
class Profile:
    """Costs of one model at one input shape. FLOPs = 2 x MACs."""

    layers: list[Layer]
    macs: int
    other_ops: int
    params: int
    peak_memory_bytes: int
    peak_layer: str
    bytes_per_element: int
    input_shapes: list[list[int]]
    executed_on: str
    uncounted: dict[str, int]

    @property
    def flops(self) -> int:
        """Floating-point operations of the headline count: 2 x MACs."""
        return 2 * self.macs

    @property
    def weight_bytes(self) -> int:
        """Size of the parameters at ``bytes_per_element`` each (flash footprint)."""
        return self.params * self.bytes_per_element

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["flops"] = self.flops
        return out


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        found: list[torch.Tensor] = []
        for item in value:
            found.extend(_tensors(item))
        return found
    if isinstance(value, dict):
        return _tensors(list(value.values()))
    return []


def _key(t: torch.Tensor) -> int:
    return t.untyped_storage()._cdata


def _elements(t: torch.Tensor) -> int:
    return t.untyped_storage().nbytes() // t.element_size()


class _Recorder(TorchDispatchMode):
    """Sees every operator; attributes it to the layer that is running."""

    def __init__(self, names: dict[int, str], weight_keys: set[int], fold_bn: bool) -> None:
        super().__init__()
        self.names = names
        self.weight_keys = weight_keys
        self.fold_bn = fold_bn
        self.layers: list[Layer] = []
        self.events: list[OpEvent] = []
        self.seen_keys: set[int] = set()
        self.conv_outputs: dict[int, bool] = {}  # buffer made by a conv -> conv has a bias
        self.params_delta = 0  # parameter change from folding BN into convs
        self.folded: set[int] = set()
        self.keep: list[Any] = []  # keeps storages alive so their keys stay unique
        self.active: nn.Module | None = None
        self.calls: Counter[int] = Counter()
        self.scope: list[nn.Module] = []
        self.folded_params = 0

    # -- module hooks -------------------------------------------------------------------
    def enter(self, module: nn.Module, args: Any) -> None:
        self.scope.append(module)
        if self.active is not None:
            return
        if next(module.children(), None) is None or isinstance(module, _ATOMIC):
            self.active = module
            ident = id(module)
            self.calls[ident] += 1
            name = self.names.get(ident, type(module).__name__)
            if self.calls[ident] > 1:
                name = f"{name}:{self.calls[ident]}"
            params = 0
            if self.calls[ident] == 1:
                owned = module.parameters() if isinstance(module, _ATOMIC) else module._parameters.values()
                params = sum(p.numel() for p in owned if p is not None)
            shapes = [list(t.shape) for t in _tensors(args)]
            self.layers.append(Layer(name, type(module).__name__, shapes, [], params=params))

    def leave(self, module: nn.Module, args: Any, output: Any) -> None:
        if self.scope and self.scope[-1] is module:
            self.scope.pop()
        if self.active is module:
            self.active = None
            outs = _tensors(output)
            if outs:
                self.layers[-1].output_shape = list(outs[0].shape)

    # -- operators ----------------------------------------------------------------------
    def fast_forward(self, module: nn.Module, rule: Any, x: Any, *rest: Any, **kw: Any) -> Any:
        """Stand-in ``forward`` for layers whose shape and cost follow from their config."""
        result: FastResult | None = None
        if isinstance(x, torch.Tensor) and not rest and not kw and self.active is module:
            result = rule(module, tuple(x.shape))
        if result is None:
            return type(module).forward(module, x, *rest, **kw)
        layer = self.layers[-1]
        key = _key(x)
        layer.macs += result.macs
        if result.batch_norm and self.fold_bn and key in self.conv_outputs:
            self._fold(module, key)
        else:
            layer.other_ops += result.other
        if result.shape is None:
            out, makes = x, ()
        else:
            with torch._C._ExcludeDispatchKeyGuard(_PYTHON_KEYS):  # skip our own dispatch
                out = torch.empty(result.shape, dtype=x.dtype, device=x.device)
            self.keep.append(out)
            made = _key(out)
            self.seen_keys.add(made)
            makes = ((made, out.numel()),)
            if result.conv:
                self.conv_outputs[made] = module.bias is not None
        reads = () if key in self.weight_keys else (key,)
        self.events.append(
            OpEvent(len(self.layers) - 1, reads, makes, result.elementwise, result.depthwise)
        )
        return out

    def _fold(self, bn: nn.Module, conv_output: int) -> None:
        """Folding a BN into its conv drops its 2C affine params and adds a C bias if absent."""
        if id(bn) in self.folded:
            return
        self.folded.add(id(bn))
        channels = bn.num_features
        delta = (-2 * channels if bn.affine else 0) + (0 if self.conv_outputs[conv_output] else channels)
        self.params_delta += delta
        self.layers[-1].params += delta

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        out = _same_shape_result(func, args, kwargs)
        if out is None:
            out = func(*args, **(kwargs or {}))
        self.keep.append(out)
        ins = _tensors(args)
        outs = _tensors(out)
        if func.overloadpacket in FIRST_OUTPUT_ONLY:
            outs = outs[:1]
        if self.active is None:
            scope = self.names.get(id(self.scope[-1]), "") if self.scope else ""
            opname = func.overloadpacket.__name__
            name = f"{scope}.{opname}" if scope else opname
            self.layers.append(
                Layer(name, opname, [list(t.shape) for t in ins], list(outs[0].shape) if outs else [])
            )
        layer = self.layers[-1] if self.layers else None
        cost = cost_of(func, args, out)
        if cost is None:
            if layer is not None:
                layer.uncounted.append(func.overloadpacket.__name__)
        elif layer is not None:
            macs, other = cost
            if func.overloadpacket in BATCH_NORM and self.fold_bn and _key(ins[0]) in self.conv_outputs:
                other = 0
                if isinstance(self.active, nn.modules.batchnorm._BatchNorm):
                    self._fold(self.active, _key(ins[0]))
            layer.macs += macs
            layer.other_ops += other

        row = len(self.layers) - 1
        reads = tuple(k for k in (_key(t) for t in ins) if k not in self.weight_keys)
        makes = []
        for t in outs:
            k = _key(t)
            if k not in self.seen_keys and k not in self.weight_keys:
                self.seen_keys.add(k)
                makes.append((k, _elements(t)))
                if func.overloadpacket in CONVOLUTION:
                    self.conv_outputs[k] = args[2] is not None
        self.events.append(
            OpEvent(
                row,
                reads,
                tuple(makes),
                func.overloadpacket in ELEMENTWISE,
                is_depthwise_conv(func, args),
                attention_scores(args) if func.overloadpacket in ATTENTION else 0,
            )
        )
        return out


_PYTHON_KEYS = torch._C.DispatchKeySet(torch._C.DispatchKey.Python) | torch._C.DispatchKeySet(
    torch._C.DispatchKey.PythonTLSSnapshot
)


def _same_shape_result(func: Any, args: Any, kwargs: Any) -> torch.Tensor | None:
    """A fresh meta tensor for a same-shape elementwise op or a cat, skipping the Python
    meta kernel PyTorch would run (the slowest part of profiling otherwise)."""
    if func is _CAT:
        return _cat_result(args, kwargs)
    if func in _REDUCE:
        return _reduce_result(args, kwargs)
    if func not in SAME_SHAPE or kwargs:
        return None
    first = args[0]
    if first.device.type != "meta":
        return None
    for other in args[1:]:
        if isinstance(other, torch.Tensor) and (
            other.shape != first.shape or other.dtype != first.dtype
        ):
            return None
    return torch.empty(first.shape, dtype=first.dtype, device="meta")


# PyTorch wraps every __torch_dispatch__ so that dynamo skips it, and that wrapper imports
# torch._dynamo (about 1 s) on its first call. Profiling is never compiled: when dynamo is not
# loaded yet, hand the wrapper the plain function so a CLI call does not pay that second.
_raw_dispatch = getattr(_Recorder.__dict__["__torch_dispatch__"], "__wrapped__", None)
if _raw_dispatch is not None and "torch._dynamo" not in sys.modules:
    setattr(_raw_dispatch, "__dynamo_disable", _raw_dispatch)

_CAT = torch.ops.aten.cat.default


def _cat_result(args: Any, kwargs: Any) -> torch.Tensor | None:
    parts = args[0]
    dim = args[1] if len(args) > 1 else (kwargs or {}).get("dim", 0)
    first = parts[0] if parts else None
    if first is None or first.device.type != "meta" or first.dim() == 0:
        return None
    dim = dim % first.dim()
    total = 0
    for part in parts:
        if part.dim() != first.dim() or part.dtype != first.dtype or any(
            a != b for i, (a, b) in enumerate(zip(part.shape, first.shape)) if i != dim
        ):
            return None
        total += part.shape[dim]
    shape = list(first.shape)
    shape[dim] = total
    return torch.empty(shape, dtype=first.dtype, device="meta")


_REDUCE = {torch.ops.aten.mean.dim, torch.ops.aten.sum.dim_IntList}


def _reduce_result(args: Any, kwargs: Any) -> torch.Tensor | None:
    x = args[0]
    if kwargs or x.device.type != "meta" or len(args) < 2 or args[1] is None or len(args) > 3:
        return None
    dims = {d % x.dim() for d in ([args[1]] if isinstance(args[1], int) else args[1])}
    keep = len(args) > 2 and bool(args[2])
    shape = [1 if i in dims else s for i, s in enumerate(x.shape) if keep or i not in dims]
    return torch.empty(shape, dtype=x.dtype, device="meta")


def _input_tensors(inputs: InputSpec, device: torch.device | str) -> list[torch.Tensor]:
    def one(spec: Any) -> torch.Tensor:
        if isinstance(spec, torch.Tensor):
            return torch.empty(spec.shape, dtype=spec.dtype, device=device)
        shape = [int(d) for d in spec]
        if not shape or any(d <= 0 for d in shape):
            raise ProfileError(
                f"input shape {tuple(spec)} is invalid: give positive dimensions, e.g. 1,3,224,224"
            )
        return torch.zeros(shape, device=device)

    if isinstance(inputs, torch.Tensor):
        return [one(inputs)]
    items = list(inputs)
    if items and all(isinstance(d, int) for d in items):
        return [one(items)]
    if not items:
        raise ProfileError("no input given: pass a shape such as (1, 3, 224, 224)")
    return [one(spec) for spec in items]


def _run(modules: list[nn.Module], model: nn.Module, args: list[torch.Tensor],
         state: dict[str, torch.Tensor], recorder: _Recorder, fast: bool) -> Any:
    """One forward under the recorder: eval mode, MHA fast path off, fast layers swapped in."""
    hooks = [
        nn.modules.module.register_module_forward_pre_hook(recorder.enter),
        nn.modules.module.register_module_forward_hook(recorder.leave),
    ]
    modes = [(m, m.training) for m in modules]
    swapped = []
    if fast:
        for m in modules:
            rule = FAST_LAYERS.get(type(m))
            if rule is not None and "forward" not in m.__dict__:
                m.__dict__["forward"] = partial(recorder.fast_forward, m, rule)
                swapped.append(m)
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    for m in modules:
        m.__dict__["training"] = False  # eval() without its per-module __setattr__ cost
    try:
        with torch.no_grad(), recorder:
            if not state:
                return model(*args)
            return torch.func.functional_call(model, state, tuple(args), strict=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        for m in swapped:
            del m.__dict__["forward"]
        for m, training in modes:
            m.__dict__["training"] = training
        for hook in hooks:
            hook.remove()


def _meta_state(named: list[tuple[str, nn.Module]], fast: bool) -> dict[str, torch.Tensor]:
    """Meta stand-ins for the weights that layers without a formula will actually touch."""
    state = {}
    for prefix, module in named:
        if fast and type(module) in FAST_LAYERS:
            continue
        dot = f"{prefix}." if prefix else ""
        for name, t in [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]:
            state[dot + name] = torch.empty_like(t, device="meta")
    return state


def profile(
    model: nn.Module,
    inputs: InputSpec,
    *,
    bytes_per_element: int = 1,
    fold_bn: bool = False,
    inplace_depthwise: bool = False,
    fast: bool = True,
) -> Profile:
    """Count MACs, params, per-layer activations and peak activation memory of ``model``.

    Profiles inference: the model runs as in eval mode (its training flags are restored).
    ``inputs`` is a shape like ``(1, 3, 224, 224)``, a tensor (only its shape and dtype are
    used), or a sequence of those for several inputs. ``bytes_per_element`` sizes activations
    and weights (1 = int8 deployment, 4 = fp32). ``fold_bn`` counts each batch norm that follows
    a convolution as folded into it (no ops; its 2C parameters become the conv's C bias).
    ``inplace_depthwise`` lets depthwise convolutions overwrite their input (TinyEngine).
    ``fast=False`` runs every layer's meta kernel instead of the closed-form layer formulas
    (slower, same result: kept to check one against the other).
    """
    if not isinstance(model, nn.Module):
        raise ProfileError(f"expected a torch.nn.Module, got {type(model).__name__}")
    if bytes_per_element <= 0:
        raise ProfileError(f"bytes_per_element must be positive, got {bytes_per_element}")
    # Inference-mode tensors skip the decompositions the cost rules are written against.
    with torch.inference_mode(False):
        return _profile(model, inputs, bytes_per_element, fold_bn, inplace_depthwise, fast)


def _profile(model: nn.Module, inputs: InputSpec, bytes_per_element: int, fold_bn: bool,
             inplace_depthwise: bool, fast: bool) -> Profile:
    named = list(model.named_modules(remove_duplicate=False))
    names = {id(m): n for n, m in reversed(named)}
    modules = list({id(m): m for _, m in named}.values())
    tensors = [t for m in modules for t in (*m._parameters.values(), *m._buffers.values())
               if t is not None]
    on_meta = all(t.device.type == "meta" for t in tensors)

    attempts: list[tuple[str, dict[str, torch.Tensor], list[torch.Tensor]]] = []
    if on_meta:
        attempts.append(("meta", {}, _input_tensors(inputs, "meta")))
    else:
        attempts.append(("meta", _meta_state(named, fast), _input_tensors(inputs, "meta")))
        device = tensors[0].device if tensors else torch.device("cpu")
        attempts.append((device.type, {}, _input_tensors(inputs, device)))

    errors = []
    for where, state, args in attempts:
        weight_keys = {_key(t) for t in tensors} | {_key(t) for t in state.values()}
        recorder = _Recorder(names, weight_keys, fold_bn)
        try:
            output = _run(modules, model, args, state, recorder, fast)
        except ProfileError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of user code is reported below
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            continue
        return _summarise(model, recorder, args, output, where, bytes_per_element, fold_bn,
                          inplace_depthwise)
    shapes = ", ".join(str(tuple(a.shape)) for a in attempts[0][2])
    raise ProfileError(
        f"{type(model).__name__} could not run on input {shapes}: {errors[-1]} "
        "(check the input shape matches the model)"
    )


def _summarise(model: nn.Module, recorder: _Recorder, args: list[torch.Tensor], output: Any,
               where: str, bpe: int, fold_bn: bool, inplace_depthwise: bool) -> Profile:
    layers = recorder.layers
    params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    params += recorder.params_delta
    inputs = {_key(t): _elements(t) for t in args}
    outputs = {_key(t) for t in _tensors(output)}
    peak, at = peak_activation(inputs, recorder.events, outputs,
                               inplace_depthwise=inplace_depthwise)
    peak_layer = "input" if at < 0 else layers[recorder.events[at].row].name
    for layer in layers:
        layer.activation_bytes = math.prod(layer.output_shape) * bpe if layer.output_shape else 0
    uncounted = Counter(op for layer in layers for op in layer.uncounted)
    return Profile(
        layers=layers,
        macs=sum(layer.macs for layer in layers),
        other_ops=sum(layer.other_ops for layer in layers),
        params=params,
        peak_memory_bytes=peak * bpe,
        peak_layer=peak_layer,
        bytes_per_element=bpe,
        input_shapes=[list(a.shape) for a in args],
        executed_on=where,
        uncounted=dict(uncounted),
    )
