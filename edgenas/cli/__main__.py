"""`python -m edgenas.cli`: the same as the `edgenas` command."""

from edgenas.cli import run

run()
