"""edgenas: hardware-aware neural architecture search for edge and tiny devices."""

from edgenas.errors import EdgeNASError
from edgenas.profile import Profile, profile

__all__ = ["EdgeNASError", "Profile", "profile", "__version__"]
__version__ = "0.1.0"
