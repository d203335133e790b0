"""Imports what the tests and the commands they start import, so that its bytecode is written
once (`make test` runs this before the suite on a fresh virtual environment: `python
tests/_bytecode.py torch` and `... others`, side by side, each importing half; the second also
starts and stops a local Ray instance, whose own processes import more). Without it the two
test workers and every command they start compile the same few thousand files of PyTorch, Ray,
SciPy and SymPy side by side: ~40 s of the first run on a fresh clone. Best effort: a failure
here is left for the tests to report."""

import importlib
import sys

GROUPS = {
    "torch": ["torch.func", "torch.onnx", "torch.export", "torch._dynamo", "torch.distributed", "torch.utils.flop_counter",
              "sympy", "onnx", "onnxruntime", "onnxruntime.quantization", "edgenas.cli", "edgenas.estimate",
              "edgenas.experiment", "edgenas.hardware", "edgenas.oneshot", "edgenas.strategies", "edgenas.zoo"],
    "others": ["ray", "scipy.stats", "scipy.io", "sklearn.ensemble", "sklearn.linear_model", "sklearn.datasets",
               "matplotlib.pyplot", "hypothesis", "hypothesis.strategies", "selenium.webdriver",
               "selenium.webdriver.chrome.service", "pytest", "xdist"],
}


def _nothing() -> None:
    pass


def _start_ray() -> None:
    import ray

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)  # as the executor
    ray.get(ray.remote(_nothing).remote())  # a worker process starts, as the tests' do
    ray.shutdown()


for group in sys.argv[1:] or list(GROUPS):
    for module in GROUPS[group]:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - best effort: the tests report what is missing
            print(f"bytecode: could not import {module}: {type(exc).__name__}")
    if group == "others":
        try:
            _start_ray()
        except Exception as exc:  # noqa: BLE001
            print(f"bytecode: could not start Ray: {type(exc).__name__}")
