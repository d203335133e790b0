"""`guided-sel` (s47_variants.py) on development draw 100 at shift 1.0 and at noise 1.0, seed 0:
how many of the 40 asks after the random ones took the linear model's pick."""

import runpy
import sys
import tempfile
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCHMARKS))
sys.argv = ["s47_variants.py"]  # registers the variants, runs no benchmark
SelectByEvidence = runpy.run_path(str(Path(__file__).with_name("s47_variants.py")))["SelectByEvidence"]

from nb201_landscape import SPACE, cells  # noqa: E402
from search_noise_draws import write_draw  # noqa: E402

from edgenas.estimate import TabularBenchmark  # noqa: E402

all_cells = cells()
keys = [SPACE.equivalence_key(a) for _, a in all_cells]
accuracy = TabularBenchmark("nb201-cifar10", SPACE)
for shift, std in ((1.0, 0.5), (0.0, 1.0)):
    path = Path(tempfile.mkdtemp()) / "draw100.csv"
    write_draw(path, all_cells, keys, accuracy, std, 100, shift)
    table = TabularBenchmark(str(path), SPACE)
    strategy = SelectByEvidence(SPACE, seed=0)
    best = -float("inf")
    for _ in range(50):
        arch = strategy.ask()
        fitness = table.evaluate(arch)["score"]
        strategy.tell(arch, fitness)
        best = max(best, fitness)
    print(f"shift {shift}, noise {std}: linear picks {getattr(strategy, 'linear_asks', 0)} of 40, best {best}")
