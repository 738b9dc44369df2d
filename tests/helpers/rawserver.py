"""A raw-socket HTTP server on 127.0.0.1 for faults pytest-httpserver cannot produce:
a connection reset, a body shorter than its Content-Length, silence, an endless body."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

Handler = Callable[[socket.socket, threading.Event], None]


@dataclass
class RawServer:
    url: str
    connections: int = 0


@pytest.fixture(scope="module")
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    """Start a server on 127.0.0.1 that reads each request head, then runs `handler`."""
    stop = threading.Event()
    listeners: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def serve_one(conn: socket.socket, handler: Handler) -> None:
        # OSError: the client may hang up first, as the size-cap test intends.
        with conn, contextlib.suppress(OSError):
            conn.settimeout(2)
            head = b""
            while b"\r\n\r\n" not in head and (data := conn.recv(4096)):
                head += data
            handler(conn, stop)

    def start(handler: Handler) -> RawServer:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.05)
        listeners.append(listener)
        server = RawServer(f"http://127.0.0.1:{listener.getsockname()[1]}/page")

        def accept_loop() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                server.connections += 1
                worker = threading.Thread(target=serve_one, args=(conn, handler), daemon=True)
                threads.append(worker)
                worker.start()

        threads.append(threading.Thread(target=accept_loop, daemon=True))
        threads[-1].start()
        return server

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=2)
    for listener in listeners:
        listener.close()


def never_answers(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(5)


def resets(conn: socket.socket, stop: threading.Event) -> None:
    # Linger 0 makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def truncated(conn: socket.socket, stop: threading.Event) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n"
    conn.sendall(head + b"x" * 100)


def endless_chunks(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    sent = 0
    while not stop.is_set() and sent < 50_000_000:
        conn.sendall(b"400\r\n" + b"x" * 1024 + b"\r\n")
        sent += 1024
