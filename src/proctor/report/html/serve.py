"""``proctor view``: the report folder over HTTP on 127.0.0.1, and nothing outside it."""

from __future__ import annotations

import os
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from proctor.report.html.render import CSP

HOST = "127.0.0.1"


class _Handler(SimpleHTTPRequestHandler):
    """Files of one folder; paths that resolve outside it (``..``, links) and folder
    listings are refused; every answer carries the report's security policy."""

    def __init__(self, *args: Any, directory: str, **kwargs: Any) -> None:
        self.root = os.path.realpath(directory)
        super().__init__(*args, directory=directory, **kwargs)

    def send_head(self) -> Any:
        found = os.path.realpath(self.translate_path(self.path))
        if found != self.root and not found.startswith(self.root + os.sep):
            self.send_error(HTTPStatus.NOT_FOUND, "outside the report folder")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, "no listing")
        return None

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the URL is printed once by the command


def serve_report(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server of ``folder`` bound to 127.0.0.1 (``port`` 0: any free one), not yet serving:
    call ``serve_forever()``; ``server_address`` holds the port."""
    handler = partial(_Handler, directory=str(folder.resolve()))
    return ThreadingHTTPServer((HOST, port), handler)
