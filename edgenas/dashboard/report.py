"""`edgenas runs report`: the dashboard's views of one run as a single self-contained HTML file
(the page with the run's data embedded; no server, no network)."""

from __future__ import annotations

from typing import Any

from edgenas.dashboard.server import _json, page

__all__ = ["render_report"]


def render_report(view: dict[str, Any], storage: str) -> str:
    data = _json({"storage": storage, "view": view}).decode().replace("</", "<\\/")
    return page().replace("<!--EMBEDDED-->", f"<script>window.EDGENAS_DATA = {data};</script>", 1)
