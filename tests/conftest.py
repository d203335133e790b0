"""Shared test set-up: the tests folder is importable (factories for CLI tests live here)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))
# disk caches (kernel counts) go to a fresh folder: never the user's, and nothing left from a run before
os.environ["EDGENAS_CACHE_DIR"] = tempfile.mkdtemp(prefix="edgenas-test-cache-")


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    from edgenas.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def quick_timing(monkeypatch):
    """Devices time each network for a tenth of their usual budget: for tests that check what a
    command writes and resumes, not the clock."""
    import inspect

    from edgenas.hardware import kit_runner
    from edgenas.hardware.devices import _Timed

    short = {"warmup_s": 0.01, "round_s": 0.005, "rounds": 2, "target_spread": 0.05, "max_s": 0.2}
    params = [p for p in inspect.signature(_Timed.__init__).parameters.values() if p.default is not p.empty]
    monkeypatch.setattr(_Timed.__init__, "__defaults__", tuple(short.get(p.name, p.default) for p in params))
    monkeypatch.setattr(_Timed, "LAYER_PROTOCOL", {"warmup_s": 0.002, "round_s": 0.001, "max_s": 0.05})
    # and the board kit's protocol where it runs in this process (benchmarks/timing_pairing.py)
    measure = kit_runner.measure

    def short_measure(*args, **kwargs):
        bound = inspect.signature(measure).bind(*args, **kwargs)
        bound.arguments.update(short)
        return measure(*bound.args, **bound.kwargs)

    monkeypatch.setattr(kit_runner, "measure", short_measure)


@pytest.fixture(scope="session")
def counted_kernels():
    """ONNX Runtime's kernel counts of the networks the kernel tests sample (NB201 seeds 0-59)
    and of the first 61 of the 48 px table, as ONNX Runtime 1.32 gave them on the development
    machine, put in the cache (an export costs ~0.5 s per network). The tests that use them are
    about predictors on kernel features, built from these same counts; counting itself is tested
    in tests/test_latency_kernels.py with its own networks and an empty cache."""
    from edgenas.hardware import kernels
    from edgenas.spaces import NB201Space

    config = kernels.space_config(NB201Space())
    kernels._load(Path(__file__).parent / "kernel_counts_nb201.jsonl", "onnxruntime", config)
