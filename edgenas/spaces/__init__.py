"""Search spaces: `Arch`, `SearchSpace` and the concrete spaces by name."""

from __future__ import annotations

from typing import Any

from edgenas.registry import Registry
from edgenas.spaces._arch import Arch
from edgenas.spaces._space import SearchSpace
from edgenas.spaces.autodeeplab import AutoDeepLabSpace
from edgenas.spaces.mbconv import MBConvSpace
from edgenas.spaces.nasnet import NASNetSpace
from edgenas.spaces.nb201 import NB201Space
from edgenas.spaces.vit import ViTSpace

__all__ = ["Arch", "SearchSpace", "NB201Space", "NASNetSpace", "MBConvSpace", "AutoDeepLabSpace", "ViTSpace", "SPACES",
           "create_space", "list_spaces"]

SPACES: Registry[SearchSpace] = Registry("search space")
SPACES.register("nb201")(NB201Space)
SPACES.register("nasnet")(NASNetSpace)
SPACES.register("mbconv")(MBConvSpace)
SPACES.register("autodeeplab")(AutoDeepLabSpace)
SPACES.register("vit")(ViTSpace)


def create_space(name: str, **kwargs: Any) -> SearchSpace:
    """Build a registered space by name, e.g. ``create_space("mbconv", widths=(0.5, 1.0))``."""
    builder = SPACES.get(name)
    try:
        return builder(**kwargs)
    except TypeError as exc:
        from edgenas.errors import ConfigError

        raise ConfigError(f"space {name}: {exc}; see the space's options in docs/architecture.md") from None


def list_spaces(pattern: str = "*") -> list[str]:
    return SPACES.names(pattern)
