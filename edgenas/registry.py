"""A tiny named-builder registry (timm style): ``register``, ``create``, ``names``."""

from __future__ import annotations

import fnmatch
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from edgenas.errors import ConfigError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to builders; unknown names fail with the list of known ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._builders: dict[str, Callable[..., T]] = {}

    def register(self, name: str, replace: bool = False) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """A decorator adding ``name``; a second registration warns unless ``replace`` says it
        is meant (a script that registers its own builder each time it runs)."""

        def add(builder: Callable[..., T]) -> Callable[..., T]:
            if name in self._builders and not replace:
                warnings.warn(f"{self.kind} {name!r} registered twice; the last one wins", stacklevel=2)
            self._builders[name] = builder
            return builder

        return add

    def get(self, name: str) -> Callable[..., T]:
        try:
            return self._builders[name]
        except KeyError:
            known = ", ".join(sorted(self._builders))
            raise ConfigError(f"unknown {self.kind} {name!r}; choose one of: {known}") from None

    def create(self, name: str, **kwargs: Any) -> T:
        return self.get(name)(**kwargs)

    def names(self, pattern: str = "*") -> list[str]:
        return sorted(n for n in self._builders if fnmatch.fnmatch(n, pattern))

    def __contains__(self, name: object) -> bool:
        return name in self._builders
