"""NAS-Bench-201: a 4-node cell, 6 edges, 5 operations each (15,625 cells).

Strings are the benchmark's own: ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` lists node 1's input
edge, then node 2's two, then node 3's three, each as ``op~source``.

Equivalence: a cell computes node_i = sum_j op_ij(node_j). Dropping ``none`` terms, letting
``skip_connect`` pass its input through, and sorting the terms of each sum gives an expression
for the output node; cells with the same expression compute the same function of their input
(up to weights) and are *isomorphic*. A cell whose output expression is empty has no live path:
it outputs zeros whatever the input.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import torch
from torch import nn

from edgenas.errors import ArchError
from edgenas.spaces._arch import Arch
from edgenas.spaces._layers import Layer, LayerNetwork, WeightNode, get_op, register_op
from edgenas.spaces._ops import ReLUConvBN
from edgenas.spaces._space import SearchSpace

__all__ = ["NB201Space", "OPS", "EDGES", "parse_cell", "format_cell"]

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
_KEYS = tuple(f"{i}<-{j}" for i, j in EDGES)
_EDGE_INDEX = {edge: i for i, edge in enumerate(EDGES)}
_PATHS = (((3, 0),), ((1, 0), (3, 1)), ((2, 0), (3, 2)), ((1, 0), (2, 1), (3, 2)))


def _expressions(ops: tuple[str, ...]) -> list[str | None]:
    """Expression of each node as a sorted sum of terms; None means constantly zero.

    Skip connections pass their input's terms through, so sums are flattened before sorting
    (``a + (b + c)`` and ``(a + b) + c`` give the same key).
    """
    terms: list[list[str] | None] = [["x"]]
    for i in range(1, 4):
        node: list[str] = []
        for (dst, src), op in zip(EDGES, ops):
            if dst != i or op == "none" or terms[src] is None:
                continue
            inner = terms[src]
            if op == "skip_connect":
                node.extend(inner)
            else:
                node.append(f"{op}({'+'.join(inner)})")
        terms.append(sorted(node) if node else None)
    return [None if t is None else "+".join(t) for t in terms]


@cache
def _reaches_output(ops: tuple[str, ...]) -> tuple[bool, ...]:
    reach = [False, False, False, True]
    for node in (2, 1, 0):
        reach[node] = any(
            reach[dst] for (dst, src), op in zip(EDGES, ops) if src == node and op != "none"
        )
    return tuple(reach)


class NB201Space(SearchSpace):
    """The NAS-Bench-201 cell space; `build` returns the benchmark's network."""

    name = "nb201"
    cell_edges = EDGES
    cheap_structure_features = True

    def __init__(self) -> None:
        super().__init__({key: OPS for key in _KEYS})

    @staticmethod
    def ops(arch: Arch) -> tuple[str, ...]:
        return tuple(str(arch[k]) for k in _KEYS)

    # -- strings ----------------------------------------------------------------------
    def parse(self, text: str) -> Arch:
        text = text.strip()
        if text.startswith("{"):
            return super().parse(text)
        return self.validate(Arch(dict(zip(_KEYS, parse_cell(text, OPS, self.name)))))

    def format(self, arch: Arch) -> str:
        return format_cell(self.ops(arch))

    # -- structure --------------------------------------------------------------------
    def dead_edges(self, arch: Arch) -> list[str]:
        """Edges that cannot influence the output: ``none``, fed by a zero node, or leading
        to a node that does not reach the output."""
        ops = self.ops(arch)
        nodes = _expressions(ops)
        reach = _reaches_output(ops)
        return [
            key
            for key, (dst, src), op in zip(_KEYS, EDGES, ops)
            if op == "none" or nodes[src] is None or not reach[dst]
        ]

    def is_degenerate(self, arch: Arch) -> bool:
        """No live path from input to output: the cell outputs zeros."""
        return _expressions(self.ops(arch))[3] is None

    def isomorphism_key(self, arch: Arch) -> str:
        """Equal for cells that compute the same function (see module docstring)."""
        return _expressions(self.ops(arch))[3] or "zero"

    def equivalence_key(self, arch: Arch) -> str:
        return self.isomorphism_key(arch)

    def input_shape(self, arch: Arch) -> tuple[int, ...]:
        return (1, 3, 32, 32)

    def structure_features(self, arch: Arch) -> np.ndarray:
        """Op counts (all edges: dead branches still execute), live op counts, fan-in of each
        node, the longest chain of convolutions, and per input-output path whether it is live
        and its op counts. MACs and params are linear in the counts."""
        ops = self.ops(arch)
        live = self.encode_live(arch)
        fan_in = [sum(1 for (dst, _), op in zip(EDGES, ops) if dst == n and op != "none") for n in (1, 2, 3)]
        depth = [0, 0, 0, 0]
        for (dst, src), op in zip(EDGES, live):
            if op != "none":
                depth[dst] = max(depth[dst], depth[src] + (op.startswith("nor_conv")))
        paths = []
        for path in _PATHS:  # the four input->output routes: what a parallel runtime waits for
            on_path = [ops[_EDGE_INDEX[edge]] for edge in path]
            alive = all(op != "none" for op in on_path)
            paths += [float(alive), *(float(alive) * on_path.count(o) for o in OPS[1:])]
        return np.array([*(ops.count(o) for o in OPS), *(live.count(o) for o in OPS), *fan_in, depth[3], *paths],
                        dtype=np.float64)

    def rewrite_features(self, arch: Arch) -> np.ndarray:
        """Per source node, whether a convolution, a `none` edge or a pooling leaves it: edges
        of one kind from one node repeat work (the convolutions' ReLU, the multiply by zero, the
        pooling itself) that a runtime merging identical computations (ONNX Runtime, compilers
        with common-subexpression elimination) does once. Per node, whether dead inputs sit
        beside live ones and whether all are dead; and the additions. `linear` sums costs over
        these besides the ops (docs/benchmarks.md, session 39: with them `auto` predicts 2.6-2.9
        points more networks within 10% from 100 on the ONNX Runtime tables timed here)."""
        ops = self.ops(arch)
        out = []
        for src in (0, 1, 2):
            leaving = [op for (_, s), op in zip(EDGES, ops) if s == src]
            out += [any(op.startswith("nor_conv") for op in leaving), "none" in leaving, "avg_pool_3x3" in leaving]
        adds = 0
        for dst in (1, 2, 3):
            entering = [op for (d, _), op in zip(EDGES, ops) if d == dst]
            live = sum(op != "none" for op in entering)
            out += [live > 0 and "none" in entering, live == 0]
            adds += max(live - 1, 0)
        return np.array([*out, adds], dtype=np.float64)

    def count_features(self, arch: Arch) -> np.ndarray:
        """Each op's count over the six edges (every edge of the one repeated cell runs on the
        same tensor, so an op costs the same on any of them), and `rewrite_features` summed
        over the nodes: the source nodes whose convolutions, `none` edges or poolings a runtime
        merges, the nodes with dead inputs beside live ones or with no live input, and the
        additions. Eleven columns: `counts`, a ridge on them, predicts within 10% 82-98% of
        the networks from 20 measured on every table timed here, where the per-path model,
        blind to the merges, reaches 43-96% (docs/benchmarks.md, session 42)."""
        ops = self.ops(arch)
        r = self.rewrite_features(arch)
        return np.array([*(ops.count(op) for op in OPS), r[0:9:3].sum(), r[1:9:3].sum(), r[2:9:3].sum(),
                         r[9:15:2].sum(), r[10:15:2].sum(), r[15]], dtype=np.float64)

    def encode_live(self, arch: Arch) -> list[str]:
        """The ops of live edges, dead edges shown as ``none`` (what a predictor should see)."""
        dead = set(self.dead_edges(arch))
        return ["none" if k in dead else str(arch[k]) for k in _KEYS]

    # -- building ---------------------------------------------------------------------
    def layers(self, arch: Arch, num_classes: int = 10, channels: int = 16, cells: int = 5) -> list[Layer]:
        """The benchmark's network: a 3x3 stem, three stages of ``cells`` cells (C, 2C, 4C)
        joined by residual reductions, BN-ReLU, global pool, linear."""
        ops = ",".join(self.ops(self.validate(arch)))
        size, c = 32, channels
        layers = [Layer.of("stem", "nb201_stem", (1, 3, size, size), cout=c)]
        for stage in range(3):
            if stage:
                layers.append(Layer.of(f"reduce{stage}", "nb201_reduction", (1, c, size, size), cin=c, cout=2 * c))
                c, size = 2 * c, size // 2
            layers += [Layer.of(f"s{stage}_cell{i}", "nb201_cell", (1, c, size, size), ops=ops, channels=c)
                       for i in range(cells)]
        layers.append(Layer.of("classifier", "nb201_head", (1, c, size, size), cin=c, num_classes=num_classes))
        return layers

    def build(self, arch: Arch, num_classes: int = 10, channels: int = 16, cells: int = 5) -> nn.Module:
        return LayerNetwork(self.layers(arch, num_classes, channels, cells))


def parse_cell(text: str, ops: tuple[str, ...], space: str) -> list[str]:
    """The op of every edge (in `EDGES` order) of the benchmark's string form of a cell."""
    nodes = text.strip().split("+")
    if len(nodes) != 3 or not all(n.startswith("|") and n.endswith("|") for n in nodes):
        raise ArchError(f"{space}: {text!r} is not a cell string like "
                        f"|{ops[0]}~0|+|{ops[-1]}~0|{ops[1]}~1|+|{ops[-1]}~0|{ops[-1]}~1|{ops[0]}~2|")
    choices = {}
    for node, part in enumerate(nodes, start=1):
        edges = part.strip("|").split("|")
        if len(edges) != node:
            raise ArchError(f"{space}: node {node} needs {node} edge(s) in {part!r}")
        for token in edges:
            op, sep, src = token.partition("~")
            if not sep or not src.isdigit() or int(src) >= node:
                raise ArchError(f"{space}: bad edge {token!r} in node {node}; write op~source")
            if op not in ops:
                raise ArchError(f"{space}: unknown op {op!r} in {token!r}; ops are {', '.join(ops)}")
            choices[(node, int(src))] = op
    if len(choices) != 6:
        raise ArchError(f"{space}: {text!r} repeats an edge; each node lists sources 0..node-1")
    return [choices[edge] for edge in EDGES]


def format_cell(ops: list[str] | tuple[str, ...]) -> str:
    """The benchmark's string of a cell whose edges (in `EDGES` order) hold ``ops``."""
    by_edge = dict(zip(EDGES, ops))
    return "+".join("|" + "|".join(f"{by_edge[(node, s)]}~{s}" for s in range(node)) + "|" for node in (1, 2, 3))


class Cell(nn.Module):
    """node_i = sum_j op_ij(node_j); the output is node 3. Every edge runs, dead ones too,
    as in the benchmark's networks."""

    def __init__(self, ops: tuple[str, ...], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(get_op(op).build(channels=channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for node in (1, 2, 3):
            terms = [self.edges[e](nodes[src]) for e, (dst, src) in enumerate(EDGES) if dst == node]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            nodes.append(total)
        return nodes[3]


def _cell_graph(ops: str, channels: int) -> tuple[list[WeightNode], list[int]]:
    """A cell conv on edge j->i reads node j, i.e. whatever produced the terms of node j;
    skip and pooling pass their input's producers through, ``none`` contributes nothing."""
    nodes: list[WeightNode] = []
    producers: list[list[int]] = [[-1], [], [], []]
    for e, ((dst, src), op) in enumerate(zip(EDGES, ops.split(","))):
        inner, outputs = get_op(op).graph(channels=channels)
        local: list[int] = []
        for name, kind, reads in inner:
            nodes.append((f"edges.{e}.{name}", kind, tuple(p for r in reads for p in
                                                            (producers[src] if r == -1 else [local[r]]))))
            local.append(len(nodes) - 1)
        producers[dst].extend(p for o in outputs for p in (producers[src] if o == -1 else [local[o]]))
    return nodes, producers[3]


@register_op("nb201_cell", graph=_cell_graph)
def nb201_cell(ops: str, channels: int) -> nn.Module:
    return Cell(tuple(ops.split(",")), channels)


class ResidualReduction(nn.Module):
    """The benchmark's reduction block: a stride-2 basic block with an avg-pool + 1x1 shortcut."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(cin, cout, 3, 2)
        self.conv_b = ReLUConvBN(cout, cout, 3, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.downsample(x)


@register_op("nb201_reduction", graph=lambda **_: ([("conv_a.1.weight", "reduce_a", (-1,)),
                                                    ("conv_b.1.weight", "reduce_b", (0,)),
                                                    ("downsample.1.weight", "reduce_skip", (-1,))], [1, 2]))
def nb201_reduction(cin: int, cout: int) -> nn.Module:
    return ResidualReduction(cin, cout)


@register_op("nb201_stem", graph=lambda **_: ([("0.weight", "stem", (-1,))], [0]))
def nb201_stem(cout: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))


class NB201Head(nn.Module):
    """BN-ReLU, global average pool, linear."""

    def __init__(self, cin: int, num_classes: int) -> None:
        super().__init__()
        self.lastact = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(self.lastact(x)), 1))


@register_op("nb201_head", graph=lambda **_: ([("fc.weight", "classifier", (-1,))], [0]))
def nb201_head(cin: int, num_classes: int) -> nn.Module:
    return NB201Head(cin, num_classes)
