"""Cost of any ``nn.Module``: MACs, params, per-layer activations, peak activation memory."""

from edgenas.profile._profile import InputSpec, Layer, Profile, profile

__all__ = ["InputSpec", "Layer", "Profile", "profile"]
