"""`edgenas dashboard`: the standard library's threading HTTP server over a store opened
read-only, serving one static page and two JSON endpoints the page polls every second."""

from __future__ import annotations

import errno
import json
import math
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlparse

from edgenas.dashboard.views import run_view, runs_overview
from edgenas.errors import ConfigError, EdgeNASError
from edgenas.experiment import Store

__all__ = ["serve", "make_server", "page"]


def page() -> str:
    return resources.files("edgenas.dashboard").joinpath("page.html").read_text()


def _json(data: Any) -> bytes:
    """JSON without NaN or infinities (browsers' JSON.parse rejects them)."""
    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(data), separators=(",", ":")).encode()


def make_server(url: str, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server (not yet serving) for the store at ``url``; fails in one line when the store is
    missing or unreadable, or the port is taken."""
    Store(url, create=False, read_only=True).close()
    html = page().encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # a request log every second would drown the terminal

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            parsed = urlparse(self.path)
            try:
                if parsed.path in ("/", "/index.html"):
                    self._send(200, html, "text/html; charset=utf-8")
                elif parsed.path == "/api/runs":
                    self._send(200, _json({"storage": url, "runs": runs_overview(url)}), "application/json")
                elif parsed.path == "/api/run":
                    name = parse_qs(parsed.query).get("name", [""])[0]
                    self._send(200, _json(run_view(name, url)), "application/json")
                else:
                    self._send(404, _json({"error": f"no page {parsed.path}"}), "application/json")
            except EdgeNASError as exc:
                status = 404 if "no experiment" in str(exc) else 500
                self._send(status, _json({"error": " ".join(str(exc).split())}), "application/json")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away

    try:
        return ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is in use; give another --port (0 picks a free one)") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(url: str, host: str = "127.0.0.1", port: int = 8080,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve the dashboard until interrupted; ``ready`` gets the address once it listens."""
    server = make_server(url, host, port)
    if ready is not None:
        ready(f"http://{host}:{server.server_address[1]}/")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
