"""The `edgenas` command line: every user error is one line on stderr and a non-zero exit."""

from __future__ import annotations

import sys

from edgenas.cli import (  # noqa: F401 - registers the commands
    dashboard_cmd,
    demo,
    export_cmd,
    latency_cmd,
    ofa_cmd,
    oneshot_cmd,
    predictor_cmd,
    profile_cmd,
    proxies_cmd,
    search_cmd,
    train_cmd,
)
from edgenas.cli._common import app, interrupt_hint
from edgenas.errors import EdgeNASError

__all__ = ["app", "main", "run"]


def _is_usage_error(exc: BaseException) -> bool:
    """Click's exceptions (bad option values, unknown options), whichever click typer vendors."""
    return hasattr(exc, "format_message") and hasattr(exc, "exit_code")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit status instead of raising.

    Every error a user can cause ends as one line on stderr (``error: ...``) and a non-zero
    status: edgenas's own errors, bad option values and unknown options alike."""
    try:
        code = app(args=argv, prog_name="edgenas", standalone_mode=False)
    except EdgeNASError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            ctx = getattr(exc, "ctx", None)
            print(ctx.get_help() if ctx else "see edgenas --help", file=sys.stderr)
            return 2
        if type(exc).__name__ == "Abort":
            code = 130
        elif _is_usage_error(exc):
            print(f"error: {' '.join(exc.format_message().split())} (see --help)", file=sys.stderr)
            return exc.exit_code or 2
        else:
            raise
    finally:
        hint = interrupt_hint[-1] if interrupt_hint else "interrupted"
        interrupt_hint.clear()  # it belongs to this command only
    if code == 130:
        print(hint, file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
