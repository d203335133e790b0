"""Size of the NASNet cell search space, the lecture's formula."""

from __future__ import annotations

from edgenas.errors import ConfigError

__all__ = ["nasnet_space_size"]


def nasnet_space_size(num_ops: int, num_combiners: int, num_blocks: int) -> int:
    """(2 * 2 * M * M * N) ** B: each of B blocks picks two inputs (2 candidates each in the
    lecture's counting), two of M operations and one of N combine operations."""
    for name, value in (("M", num_ops), ("N", num_combiners), ("B", num_blocks)):
        if value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value}")
    return (2 * 2 * num_ops * num_ops * num_combiners) ** num_blocks
