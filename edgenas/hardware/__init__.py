"""Hardware awareness: cost models, latency measurement, lookup tables and predictors."""

from edgenas.hardware.cost import ProfileCost

__all__ = ["ProfileCost"]
