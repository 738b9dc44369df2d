"""A loopback HTTP server for the demo and the benchmark: real HTTP, no internet.

Serves an in-memory set of pages that the caller can swap between cycles (a new edition
being published), with ETags so conditional GETs answer 304 like a real site.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class PageSite:
    """Path -> (body, content type). Replace `pages` to publish new content."""

    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: int = 0
    base_url: str = ""

    def publish(self, pages: dict[str, tuple[bytes, str]]) -> None:
        self.pages = dict(pages)


def _handler(site: PageSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle the body waits for the
        # client's delayed ACK (~40 ms a response on loopback).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            site.requests += 1
            page = site.pages.get(self.path.split("?")[0].rstrip("/"))
            if page is None:
                self._send(404, b"<html><body><h1>Page not found</h1></body></html>", "text/html")
                return
            body, content_type = page
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(200, body, content_type, etag)

        def _send(self, status: int, body: bytes, content_type: str, etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo prints its own account of what happened

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # A client dropping its keep-alive connection is normal at the end of a cycle;
        # socketserver would print a traceback for it.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve(site: PageSite) -> Iterator[PageSite]:
    """Serve `site` on 127.0.0.1 on a free port until the block ends."""
    server = _Server(("127.0.0.1", 0), _handler(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
