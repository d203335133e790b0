"""How often `guided-mln` (s43_variants.py) chooses each noise share: its fits counted over a few
draws (session 43), e.g.

    python benchmarks/results/search-ml-noise-2026-12-06/count_noise.py search_noise_draws.py \
        --draws 2 --first-draw 100 --seeds 3 --no-optuna --strategies guided-mln --std 1.0
"""

import atexit
import builtins
import collections
import sys
from pathlib import Path

SPEC = Path(__file__).with_name("s43_variants.py")
builtins.NOISE_COUNTS = collections.Counter()
atexit.register(lambda: print("chosen noise:", dict(builtins.NOISE_COUNTS)))
source = SPEC.read_text().replace("self._fit_noise = best[4]",
                                  "self._fit_noise = best[4]\n        __import__('builtins').NOISE_COUNTS[best[4]] += 1")
sys.argv = [str(SPEC), *sys.argv[1:]]
exec(compile(source, str(SPEC), "exec"), {"__name__": "__main__", "__file__": str(SPEC)})
