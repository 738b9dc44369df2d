"""A loopback web site on one port whose paths answer with any fault.

pytest-httpserver answers with whole HTTP responses; the faults of tests/helpers/rawserver.py
(reset, short body, endless body) need the socket. A fault suite needs both on one host:
healthy country pages beside the faulty one. Each path is served by a handler with
rawserver's signature, so its fault handlers serve here unchanged.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator

from tests.helpers.rawserver import Handler


def respond(
    body: bytes,
    *,
    status: str = "200 OK",
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> Handler:
    """A whole response, then the connection closes (no keep-alive to reason about)."""
    fields = {"Content-Type": content_type, "Content-Length": str(len(body))} | (headers or {})
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    wire = (head + "Connection: close\r\n\r\n").encode("latin-1") + body

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(wire)

    return handler


def in_turn(*handlers: Handler) -> Handler:
    """Each request gets the next handler; the last one answers every later request."""
    served = iter(handlers)
    last = handlers[-1]

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        next(served, last)(conn, stop)

    return handler


def resets_mid_body(conn: socket.socket, stop: threading.Event) -> None:
    """Head and part of the body, then RST (linger 0) instead of the rest."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n")
    conn.sendall(b"<html><body>" + b"x" * 1000)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class Site:
    """`routes[path] = handler`; an unknown path is a 404. `hits[path]` counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        # OSError: a client may hang up first (a size cap, a timeout), as faults intend.
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head and (data := conn.recv(4096)):
                head += data
            parts = head.split(b" ", 2)
            path = parts[1].decode("latin-1").split("?")[0] if len(parts) > 2 else ""
            self.hits[path] = self.hits.get(path, 0) + 1
            handler = self.routes.get(path, respond(b"no such page", status="404 Not Found"))
            handler(conn, self._stop)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._listener.close()


@contextlib.contextmanager
def site() -> Iterator[Site]:
    served = Site()
    try:
        yield served
    finally:
        served.close()
