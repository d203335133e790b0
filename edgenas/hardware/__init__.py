"""Hardware awareness: cost models, latency measurement, lookup tables and predictors."""

from edgenas.hardware.cost import ProfileCost
from edgenas.hardware.latency_predictor import LATENCY_MODELS, LatencyPredictor, measured_networks

__all__ = ["LATENCY_MODELS", "LatencyPredictor", "ProfileCost", "measured_networks"]
