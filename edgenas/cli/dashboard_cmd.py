"""`edgenas dashboard` (live, read-only) and `edgenas runs report` (one self-contained file)."""

from __future__ import annotations

from pathlib import Path

import typer

from edgenas.cli._common import app, check_output, console
from edgenas.cli.search_cmd import runs_app

__all__ = ["dashboard", "runs_report"]


@app.command("dashboard")
def dashboard(storage: str = typer.Option(..., help="the store, e.g. sqlite:///runs/x.db"),
              host: str = typer.Option("127.0.0.1", help="address to listen on (default: this machine only)"),
              port: int = typer.Option(8080, min=0, max=65535, help="0 picks a free port")) -> None:
    """Serve a live view of a store's runs: progress, Pareto front, best architectures and
    constraint violations, refreshed every second while a search writes. Never writes to the store."""
    from edgenas.dashboard import serve

    def ready(address: str) -> None:
        console.print(f"dashboard of {storage} (read-only) at {address}  (Ctrl-C stops)")

    try:
        serve(storage, host, port, ready)
    except KeyboardInterrupt:
        console.print("dashboard stopped")


@runs_app.command("report")
def runs_report(name: str, output: Path = typer.Option(..., "-o", "--output", help="the HTML file"),
                storage: str = typer.Option(None, help="store URL (default runs/NAME.db)")) -> None:
    """The dashboard's views of one run as a single self-contained HTML file."""
    from edgenas.atomic import atomic_write
    from edgenas.dashboard import render_report
    from edgenas.dashboard.views import run_view
    from edgenas.experiment import default_storage

    check_output(output, "-o", (".html", ".htm"))
    url = storage or default_storage(name)
    html = render_report(run_view(name, url), url)
    atomic_write(output, lambda tmp: Path(tmp).write_text(html))
    console.print(f"wrote {output} ({len(html) / 1024:.0f} KiB, self-contained)")
