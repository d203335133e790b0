"""A live, read-only view of an experiment store (`edgenas dashboard`) and the same views as one
self-contained HTML file (`edgenas runs report`). Standard library HTTP server, one static page
of plain JavaScript drawing on canvases: nothing to build, nothing fetched at install or run time."""

from edgenas.dashboard.report import render_report
from edgenas.dashboard.server import serve
from edgenas.dashboard.views import run_view, runs_overview

__all__ = ["run_view", "runs_overview", "render_report", "serve"]
