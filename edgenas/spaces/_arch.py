"""`Arch`: the one representation of an architecture, an immutable choice -> value mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from edgenas.errors import ArchError

__all__ = ["Arch", "Value"]

Value = str | int | float


class Arch(Mapping[str, Value]):
    """Immutable, hashable mapping from choice name to chosen value.

    Equal architectures compare and hash equal whatever the order the choices were given in.
    ``str(arch)`` is the canonical JSON form (keys sorted); a space may also have its own
    human string (NAS-Bench-201's ``|op~0|+...``) via ``SearchSpace.format``.
    """

    __slots__ = ("_items", "_map", "_hash")

    def __init__(self, choices: Mapping[str, Value] | None = None, **kwargs: Value) -> None:
        merged = dict(choices or {}, **kwargs)
        for key, value in merged.items():
            if not isinstance(key, str):
                raise ArchError(f"choice names must be strings, got {key!r}")
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ArchError(f"choice {key!r} has value {value!r}: values must be str, int or float")
        self._items = tuple(sorted(merged.items()))
        self._map = dict(self._items)
        self._hash = hash(self._items)

    def __getitem__(self, key: str) -> Value:
        return self._map[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[Arch], tuple[dict[str, Value]]]:
        # Rebuild from the items so the hash is recomputed in the receiving process: string
        # hashing differs between processes (PYTHONHASHSEED), and a pickled ``_hash`` would
        # make the same architecture miss every dict lookup in a Ray worker.
        return (Arch, (self._map,))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Arch):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Arch({dict(self._items)!r})"

    def __str__(self) -> str:
        return self.to_json()

    def replace(self, **changes: Value) -> Arch:
        """A copy with some choices changed."""
        return Arch(dict(self._items), **changes)

    def to_json(self) -> str:
        return json.dumps(dict(self._items), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Arch:
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArchError(f"not an architecture JSON object: {text[:80]!r} ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ArchError(f"not an architecture JSON object: {text[:80]!r}")
        return cls(data)
