"""The `edgenas` command line: every user error is one line on stderr and a non-zero exit."""

from __future__ import annotations

import sys

from edgenas.cli import (  # noqa: F401 - registers the commands
    demo,
    latency_cmd,
    predictor_cmd,
    profile_cmd,
    proxies_cmd,
    search_cmd,
    train_cmd,
)
from edgenas.cli._common import app, interrupt_hint
from edgenas.errors import EdgeNASError

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit status instead of raising."""
    try:
        app(args=argv, prog_name="edgenas")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except EdgeNASError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(interrupt_hint[-1] if interrupt_hint else "interrupted", file=sys.stderr)
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
