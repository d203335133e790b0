"""Hardware awareness: cost models, latency measurement, lookup tables and predictors."""

from edgenas.hardware.cost import ProfileCost
from edgenas.hardware.devices import Device, Measurement, Microcontroller, create_device
from edgenas.hardware.latency_predictor import (
    LATENCY_MODELS,
    LatencyPredictor,
    PredictedLatency,
    measured_networks,
)

__all__ = ["LATENCY_MODELS", "Device", "LatencyPredictor", "Measurement", "Microcontroller", "PredictedLatency",
           "ProfileCost", "create_device", "measured_networks"]
