"""Imports what the tests and the commands they start import, so that its bytecode is written
once (`make test` runs this before the suite on a fresh virtual environment: `python
tests/_bytecode.py torch` and `... others`, side by side, each importing half). Without it the
two test workers and every command they start compile the same few thousand files of PyTorch,
Ray, SciPy and SymPy side by side: ~40 s of the first run on a fresh clone."""

import importlib
import sys

GROUPS = {
    "torch": ["torch.func", "torch.onnx", "sympy", "onnx", "onnxruntime", "edgenas.cli", "edgenas.estimate",
              "edgenas.experiment", "edgenas.hardware"],
    "others": ["ray", "scipy.stats", "sklearn.ensemble", "sklearn.linear_model", "matplotlib.pyplot", "hypothesis",
               "selenium.webdriver", "pytest", "xdist"],
}

for group in sys.argv[1:] or list(GROUPS):
    for module in GROUPS[group]:
        importlib.import_module(module)
