"""Zero-cost proxies: rank architectures at initialisation, without training.

``score(name, model, batch, seed=...)`` for one proxy, ``ensemble_scores`` to aggregate
several over a candidate set, and `ProxyEvaluator` to use them in a search.

Data each proxy uses by default, and why: ``params``, ``macs`` and ``synflow`` need no data
(synflow feeds all-ones by definition); ``zen`` draws its own Gaussian input by definition.
The others (naswot, snip, grad_norm, fisher, jacob_cov, grasp, gradsign, zico, meco) were
defined on real training images; we have no CIFAR images offline, so they default to
scikit-learn's digits resized to the network's input (``--data noise`` or a dataset path
changes that).
"""

from edgenas.estimate.proxies import _proxies  # noqa: F401 - registers the proxies
from edgenas.estimate.proxies._base import (
    PROXIES,
    WORST,
    Proxy,
    ensemble_scores,
    get_proxy,
    list_proxies,
    score,
)
from edgenas.estimate.proxies.evaluator import ProxyEvaluator

__all__ = ["PROXIES", "WORST", "Proxy", "ProxyEvaluator", "ensemble_scores", "get_proxy", "list_proxies", "score"]
