"""The search benchmarks run end to end on small inputs (they are where the goals are measured)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[1] / "benchmarks"


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_search_benchmark_prints_regrets_per_table():
    out = _run(str(BENCH / "search_nb201.py"), "--tables", f"nb201-cifar10,{BENCH / 'data' / 'nb201-meco.csv'}",
               "--seeds", "1", "--budgets", "10,20", "--strategies", "local,guided", "--no-optuna")
    assert out.count("| guided |") == 2 and "metric score" in out and "metric test_accuracy" in out


def test_constrained_search_benchmark_prints_regrets_per_limit():
    out = _run(str(BENCH / "search_constrained.py"), "--limits", "4", "--seeds", "1", "--budgets", "20",
               "--strategies", "guided")
    assert "| 4 | 3,867 | guided |" in out
