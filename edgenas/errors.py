"""One exception hierarchy for every user-facing error.

The CLI catches `EdgeNASError` and prints its message on one line (no traceback), so every
message states what is wrong, echoes the offending value and says how to fix it.
"""

from __future__ import annotations

__all__ = [
    "EdgeNASError",
    "ProfileError",
    "ArchError",
    "ConfigError",
    "DataError",
    "InfeasibleError",
    "StoreError",
]


class EdgeNASError(Exception):
    """Base class of every error edgenas raises on purpose."""


class ProfileError(EdgeNASError):
    """A model could not be profiled (bad input shape, forward failed, unknown model)."""


class ArchError(EdgeNASError, ValueError):
    """An architecture does not belong to its search space (bad string, unknown op...)."""


class ConfigError(EdgeNASError, ValueError):
    """An option or argument has an invalid value (unknown name, malformed list...)."""


class DataError(EdgeNASError):
    """A data file is missing or malformed (CSV columns, dataset folder...)."""


class InfeasibleError(EdgeNASError):
    """A constraint that no architecture of the space can satisfy."""


class StoreError(EdgeNASError):
    """The experiment store is unreadable, corrupted or belongs to another experiment."""
