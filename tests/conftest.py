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
