"""`SearchSpace`: named categorical choices, and the operations every strategy needs on them."""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from edgenas.errors import ArchError
from edgenas.profile import profile
from edgenas.spaces._arch import Arch, Value
from edgenas.spaces._layers import NetworkCost, network_cost

__all__ = ["SearchSpace", "positive"]


def positive(space: str, name: str, value: Any, *, integer: bool = True, many: bool = True) -> Any:
    """A space option checked: a non-empty list of positive integers (or numbers), or with
    ``many=False`` one; a list comes back as a tuple. Options arrive as JSON from
    --space-config, where ``"widths": "abc"`` would otherwise become a space of letters."""
    kind = numbers.Integral if integer else numbers.Real
    items = value if isinstance(value, (list, tuple)) else None
    if not many:
        items = [value]
    if not items or any(isinstance(v, bool) or not isinstance(v, kind) or not v > 0 for v in items):
        what = "integer" if integer else "number"
        raise ArchError(f"{space}: {name} must be {f'a non-empty list of positive {what}s' if many else f'a positive {what}'}, "
                        f"got {value!r}")
    return tuple(value) if many else value


class SearchSpace:
    """A product of categorical choices; subclasses add meaning, canonical forms and a builder.

    Subclasses set ``name`` and ``choices`` (an ordered mapping choice -> allowed values) and may
    override ``canonical`` (map equivalent architectures to one representative), ``active``
    (which choices matter for an architecture), ``parse``/``format`` (a human string form),
    ``size`` and ``build``.

    A cell space whose every choice is the op of one edge of a fixed DAG sets ``cell_edges``
    (``(dst, src)`` per choice, in order, nodes numbered topologically): graph predictors
    then read ``encode`` as one one-hot block per edge.

    A space whose ``structure_features`` are computed from the choices, not by profiling a
    built network, sets ``cheap_structure_features``: strategies then use them on every
    candidate they weigh (hundreds per ask).
    """

    name = "space"
    task = "classification"  # or "segmentation": what its networks' outputs are (`Dataset.expect`)
    cell_edges: tuple[tuple[int, int], ...] | None = None
    cheap_structure_features = False

    def __init__(self, choices: dict[str, Sequence[Value]]) -> None:
        self.choices: dict[str, tuple[Value, ...]] = {k: tuple(v) for k, v in choices.items()}
        for key, values in self.choices.items():
            if not values:
                raise ArchError(f"choice {key!r} of space {self.name} has no values")
        self._offsets = np.cumsum([0] + [len(v) for v in self.choices.values()])
        self._index = {k: {v: i for i, v in enumerate(vals)} for k, vals in self.choices.items()}

    # -- description ------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, stored with an experiment to rebuild the same space."""
        return {}

    def size(self) -> int:
        """Number of architectures (subclasses with equivalent choices count distinct ones)."""
        return math.prod(len(v) for v in self.choices.values())

    def canonical(self, arch: Arch) -> Arch:
        """The representative of ``arch``'s equivalence class (identity by default)."""
        return arch

    def active(self, arch: Arch) -> list[str]:
        """Choices that change the network for ``arch`` (all of them by default)."""
        return list(self.choices)

    # -- validation and strings -------------------------------------------------------
    def validate(self, arch: Arch | dict[str, Value]) -> Arch:
        """Return ``arch`` as an `Arch` of this space, or raise naming the bad choice."""
        arch = arch if isinstance(arch, Arch) else Arch(arch)
        missing = [k for k in self.choices if k not in arch]
        if missing:
            raise ArchError(f"{self.name}: architecture lacks choice(s) {', '.join(missing)}")
        for key, value in arch.items():
            allowed = self._index.get(key)
            if allowed is None:
                raise ArchError(f"{self.name}: unknown choice {key!r}; choices are {', '.join(self.choices)}")
            if value not in allowed:
                options = ", ".join(map(str, self.choices[key]))
                raise ArchError(f"{self.name}: {key}={value!r} is not allowed; choose one of {options}")
        return arch

    def parse(self, text: str) -> Arch:
        """Parse this space's string form (JSON by default) and validate it."""
        return self.validate(Arch.from_json(text))

    def format(self, arch: Arch) -> str:
        """This space's string form of ``arch`` (JSON by default)."""
        return arch.to_json()

    # -- sampling and moves -----------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Arch:
        arch = Arch({k: vals[int(rng.integers(len(vals)))] for k, vals in self.choices.items()})
        return self.canonical(arch)

    def sample_distinct(self, n: int, seed: int = 0) -> list[Arch]:
        """``n`` distinct random architectures in sampling order (all of them when the space
        has fewer), seeded: a measured table never lists one network twice."""
        rng = np.random.default_rng(seed)
        n = min(n, self.size())
        seen: dict[str, Arch] = {}
        while len(seen) < n:
            arch = self.sample(rng)
            seen.setdefault(arch.to_json(), arch)
        return list(seen.values())

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        """Change one active choice to another value (the result differs from ``arch``)."""
        keys = [k for k in self.active(arch) if len(self.choices[k]) > 1]
        if not keys:
            return self.sample(rng)
        for _ in range(32):
            key = keys[int(rng.integers(len(keys)))]
            options = [v for v in self.choices[key] if v != arch[key]]
            child = self.canonical(arch.replace(**{key: options[int(rng.integers(len(options)))]}))
            if child != arch:
                return child
        return self.sample(rng)

    def crossover(self, a: Arch, b: Arch, rng: np.random.Generator) -> Arch:
        """Each choice from one of the two parents, uniformly."""
        picks = rng.integers(2, size=len(self.choices))
        return self.canonical(
            Arch({k: (a[k] if p == 0 else b[k]) for k, p in zip(self.choices, picks)})
        )

    def neighbors(self, arch: Arch) -> list[Arch]:
        """All distinct architectures one active choice away, in a fixed order."""
        seen = {arch}
        out = []
        for key in self.active(arch):
            for value in self.choices[key]:
                if value == arch[key]:
                    continue
                child = self.canonical(arch.replace(**{key: value}))
                if child not in seen:
                    seen.add(child)
                    out.append(child)
        return out

    def grid(self) -> Iterator[Arch]:
        """Every distinct architecture once, in Cartesian-product order."""
        seen: set[Arch] = set()
        keys = list(self.choices)
        for values in itertools.product(*self.choices.values()):
            arch = self.canonical(Arch(dict(zip(keys, values))))
            if arch not in seen:
                seen.add(arch)
                yield arch

    # -- numeric encoding -------------------------------------------------------------
    @property
    def encoding_size(self) -> int:
        return int(self._offsets[-1])

    def encode(self, arch: Arch) -> np.ndarray:
        """One-hot of every choice, concatenated (float32)."""
        out = np.zeros(self.encoding_size, dtype=np.float32)
        for i, (key, index) in enumerate(self._index.items()):
            out[self._offsets[i] + index[arch[key]]] = 1.0
        return out

    def equivalence_key(self, arch: Arch) -> str:
        """Equal for architectures that compute the same function: a search evaluates one."""
        return self.canonical(arch).to_json()

    def profile_counts(self, arch: Arch, bytes_per_element: int = 1, **build: Any) -> NetworkCost:
        """What `edgenas.profile.profile` counts of the built network (on meta tensors): layer
        by layer, each distinct layer profiled once per process, where the space describes its
        networks as `layers` (`network_cost`: the same counts, many times faster), else the
        whole network."""
        if hasattr(self, "layers"):
            return network_cost(self.layers(arch, **build), bytes_per_element)
        with torch.device("meta"):
            model = self.build(arch, **build)
        return NetworkCost.of(profile(model, self.input_shape(arch), bytes_per_element=bytes_per_element))

    def structure_features(self, arch: Arch) -> np.ndarray:
        """Numbers that shape cost beyond the one-hot encoding: log MACs, params, peak memory,
        summed activations and layer count of the built network (`profile_counts`)."""
        c = self.profile_counts(arch)
        return np.log1p(np.array([c.macs, c.params, c.peak_memory_bytes, c.activation_bytes, c.counted_layers],
                                 dtype=np.float64))

    def rewrite_features(self, arch: Arch) -> np.ndarray:
        """Counts beyond the one-hot choices that `linear` sums a cost over: NB201, what a
        runtime's graph rewrites save (work done once though the architecture names it twice);
        ViT, the blocks of each configuration. None where the space defines none."""
        return np.zeros(0)

    def count_features(self, arch: Arch) -> np.ndarray:
        """A few counts that a runtime's latency is close to linear in, where every choice of
        the same op costs the same wherever it sits (NB201: one cell repeated, every edge on
        the same tensor size). Few columns, so ten or twenty measured networks fit them. Empty
        where the space defines none (`counts` is then not offered)."""
        return np.zeros(0)

    def input_shape(self, arch: Arch) -> tuple[int, ...]:
        """Input shape (batch 1) of the network ``build(arch)`` returns."""
        raise NotImplementedError(f"space {self.name} does not define an input shape")

    def build(self, arch: Arch, **kwargs: Any) -> nn.Module:
        raise NotImplementedError(f"space {self.name} does not build models")
