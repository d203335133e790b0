"""One description of a network, from which everything else derives.

A space's ``layers(arch)`` returns the network as a list of `Layer` (timm's builder idea: a
decoded architecture -> layer specifications). `LayerNetwork` stacks them into the model; the
latency lookup table keys on `Layer.key`; weight inheritance matches layers by ``slot``; a
supernet will mix the ops the `OPS` registry holds. Each op says how to build itself, which of
its weights a hypernetwork emits, how to copy a trained instance with other arguments into a
fresh one (``inherit``) and how to start as the identity when a network grows (``identity``).
Adding a block kind is registering an op; no consumer changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from edgenas.errors import ConfigError
from edgenas.profile import Profile, profile
from edgenas.registry import Registry

__all__ = ["Op", "OPS", "register_op", "get_op", "Layer", "LayerNetwork", "copy_matching", "WeightNode",
           "layer_profile", "NetworkCost", "network_cost"]

Value = str | int | float
WeightNode = tuple[str, str, tuple[int, ...]]


@dataclass(frozen=True)
class Op:
    """A candidate operation: its builder and what weight sharing needs to know about it."""

    name: str
    build: Callable[..., nn.Module]
    weights: tuple[str, ...] = ()  # parameter names (relative) a hypernetwork emits
    inherit: Callable[[nn.Module, nn.Module], None] | None = None  # copy trained src into fresh dst
    identity: Callable[[nn.Module], None] | None = None  # make a fresh module the identity map
    graph_fn: Callable[..., tuple[list[WeightNode], list[int]]] | None = None

    def graph(self, **args: Value) -> tuple[list[WeightNode], list[int]]:
        """The op's parameterised layers as a data-flow graph, for a hypernetwork: nodes
        ``(weight name, kind, reads)`` where ``reads`` indexes earlier nodes of this op and -1
        is the op's input; then the nodes whose sum is the output (-1: the input passes
        through). Default: the weights in a chain, or a pass-through without weights."""
        if self.graph_fn is not None:
            return self.graph_fn(**args)
        if not self.weights:
            return [], [-1]
        nodes = [(w, self.name, (i - 1,)) for i, w in enumerate(self.weights)]
        return nodes, [len(nodes) - 1]


OPS: Registry[Op] = Registry("operation")


def register_op(name: str, *, weights: Sequence[str] = (), inherit: Callable[[nn.Module, nn.Module], None] | None = None,
                identity: Callable[[nn.Module], None] | None = None,
                graph: Callable[..., tuple[list[WeightNode], list[int]]] | None = None,
                ) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator: register ``build`` as operation ``name`` (see `Op` for the rest)."""
    def add(build: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        OPS.register(name)(lambda: Op(name, build, tuple(weights), inherit, identity, graph))
        return build

    return add


def get_op(name: str) -> Op:
    return OPS.get(name)()


def copy_matching(src: nn.Module, dst: nn.Module) -> None:
    """Default inheritance: the same state when the shapes match, else an error naming them."""
    try:
        dst.load_state_dict(src.state_dict())
    except RuntimeError as exc:
        raise ConfigError(f"cannot inherit {type(src).__name__} into a differently shaped one: "
                          f"{str(exc).splitlines()[-1].strip()}") from None


@dataclass(frozen=True)
class Layer:
    """One layer of a network: a position (``slot``), an operation and its arguments, and the
    input shape it runs on (batch 1)."""

    slot: str
    op: str
    args: tuple[tuple[str, Value], ...]
    input_shape: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(sorted(dict(self.args).items())))

    @property
    def kwargs(self) -> dict[str, Value]:
        return dict(self.args)

    @classmethod
    def of(cls, slot: str, op: str, input_shape: Sequence[int], **args: Value) -> Layer:
        return cls(slot, op, tuple(args.items()), tuple(input_shape))

    @property
    def key(self) -> str:
        """What determines this layer's cost: op, arguments and input resolution (the slot does
        not). Lookup tables key on it."""
        return ":".join([self.op, *(f"{k}={v}" for k, v in self.args), f"r{self.input_shape[-1]}"])

    def build(self) -> nn.Module:
        return get_op(self.op).build(**self.kwargs)


class LayerNetwork(nn.Module):
    """The layers in sequence: ``features`` (every layer but the last) then ``classifier``."""

    def __init__(self, layers: Sequence[Layer]) -> None:
        super().__init__()
        self.slots = [layer.slot for layer in layers]
        self.features = nn.Sequential(*(layer.build() for layer in layers[:-1]))
        self.classifier = layers[-1].build()

    def layer_modules(self) -> list[nn.Module]:
        """The modules in the order of the description they were built from."""
        return [*self.features, self.classifier]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def layer_profile(layer: Layer, bytes_per_element: int = 1) -> Profile:
    """`profile` of one layer alone, built on meta tensors, cached by what determines it (op,
    arguments, input shape; not the slot): the networks of a space share most of their layers.
    The same object goes to every caller: read it, do not change it."""
    return _layer_profile(layer.op, layer.args, layer.input_shape, bytes_per_element)


@functools.lru_cache(maxsize=1 << 15)
def _layer_profile(op: str, args: tuple, input_shape: tuple[int, ...], bytes_per_element: int) -> Profile:
    with torch.device("meta"):
        module = get_op(op).build(**dict(args))
    return profile(module, input_shape, bytes_per_element=bytes_per_element)


@dataclass(frozen=True)
class NetworkCost:
    """What `profile` counts of a `LayerNetwork`, from its layers' own profiles."""

    macs: int
    params: int
    peak_memory_bytes: int
    activation_bytes: int  # every profiled row's output, summed
    counted_layers: int  # profiled rows with MACs
    bytes_per_element: int

    @property
    def weight_bytes(self) -> int:
        return self.params * self.bytes_per_element

    @classmethod
    def of(cls, p: Profile) -> NetworkCost:
        """The counts of a whole network's profile."""
        return cls(p.macs, p.params, p.peak_memory_bytes, sum(row.activation_bytes for row in p.layers),
                   sum(1 for row in p.layers if row.macs), p.bytes_per_element)


def network_cost(layers: Sequence[Layer], bytes_per_element: int = 1) -> NetworkCost:
    """`profile(LayerNetwork(layers))`'s counts from each layer profiled alone (`layer_profile`):
    MACs, params and activations add up, and the peak is the largest layer's, since in a chain
    only the tensor passed between two layers is live at their boundary and a layer's own
    profile counts its input. The same numbers (tests/test_layers.py) without building and
    profiling the whole network for each architecture: a search's cost constraints and the
    latency predictors' structure features ask for thousands."""
    parts = [NetworkCost.of(layer_profile(layer, bytes_per_element)) for layer in layers]
    return NetworkCost(macs=sum(c.macs for c in parts), params=sum(c.params for c in parts),
                       peak_memory_bytes=max(c.peak_memory_bytes for c in parts),
                       activation_bytes=sum(c.activation_bytes for c in parts),
                       counted_layers=sum(c.counted_layers for c in parts), bytes_per_element=bytes_per_element)
