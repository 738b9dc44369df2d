"""Limits on one fetch attempt that httpx has no setting for.

- `Deadlines`: an httpcore network backend that keeps every connect, read and write of
  an attempt inside the attempt's overall deadline. httpx's timeouts bound each socket
  operation alone, so a server trickling one byte per read (headers or body) would
  otherwise hold an attempt for as long as it liked.
- `BodyDecoder`: a gzip or deflate body decoded in pieces of bounded size. httpx decodes
  each 64 KiB network read in one go, and gzip expands up to ~1000 times, so a size cap
  counted on its output is checked only after tens of megabytes have been allocated.
"""

from __future__ import annotations

import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

# The encodings we ask for (Accept-Encoding) and know how to decode piece by piece.
ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
PIECE = 65_536  # the most one decoding step may produce


class Deadlines:
    """Per thread, the deadline (`time.monotonic()` seconds) of the attempt under way.
    Inside `within(deadline)` no connect, read or write of a pool wrapped by
    `apply_deadlines` waits past it: it raises the matching httpcore timeout instead,
    which httpx reports as its own."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def within(self, deadline: float) -> Iterator[None]:
        self._local.deadline = deadline
        try:
            yield
        finally:
            self._local.deadline = None

    def clamp(self, timeout: float | None, late: type[Exception]) -> float | None:
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise late("the attempt's deadline has passed")
        return left if timeout is None else min(timeout, left)


def apply_deadlines(client: httpx.Client, deadlines: Deadlines) -> None:
    """Put `deadlines` under every connection pool of `client` (the direct one and any
    proxy from the environment). httpx takes no network backend, hence the private
    names; the deadline tests fail if a new httpx moves them."""
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if isinstance(inner, httpcore.NetworkBackend):
            pool._network_backend = _Backend(inner, deadlines)  # type: ignore[union-attr]


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, deadlines: Deadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadlines.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream, self._deadlines)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadlines.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        return _Stream(stream, self._deadlines)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadlines: Deadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadlines.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadlines.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadlines.clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _Stream(stream, self._deadlines)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class UndecodableBody(Exception):
    """The body's Content-Encoding is one we do not decode, or its data is corrupt."""


class BodyDecoder:
    """Undoes a body's Content-Encoding (none, gzip or deflate) chunk by chunk, in pieces
    of at most `piece` bytes however much a chunk expands."""

    def __init__(self, content_encoding: str | None, piece: int = PIECE) -> None:
        codings = [
            c.strip().lower()
            for c in (content_encoding or "").split(",")
            if c.strip().lower() not in ("", "identity")
        ]
        if len(codings) > 1 or (codings and codings[0] not in _WBITS):
            raise UndecodableBody(f"the body is encoded as {content_encoding!r}, not decoded")
        self.coding = codings[0] if codings else None
        self._zlib = zlib.decompressobj(_WBITS[self.coding]) if self.coding else None
        self._piece = piece

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            if data:
                yield data
            return
        try:
            while data:
                out = self._zlib.decompress(data, self._piece)
                data = self._zlib.unconsumed_tail
                if out:
                    yield out
        except zlib.error as exc:
            raise UndecodableBody(f"the {self.coding} body is corrupt: {exc}") from None

    def flush(self) -> bytes:
        """What the decoder still holds once the body has ended (a few bytes at most)."""
        if self._zlib is None:
            return b""
        try:
            return self._zlib.flush()
        except zlib.error as exc:
            raise UndecodableBody(f"the {self.coding} body is corrupt: {exc}") from None
