"""The TLS context of the fetcher: httpx's default verification, with the CA
certificates loaded at the first TLS handshake instead of when the client is made.

`httpx.Client()` loads certifi's bundle (~150 certificates) at creation: 30 ms on an idle
machine, up to 0.19 s under load, paid by every cycle, even one whose sources are all
plain HTTP. This context trusts what httpx's `verify=True` trusts (`SSL_CERT_FILE`, else
`SSL_CERT_DIR`, else certifi), checks host names and requires a certificate as
`ssl.create_default_context` does; only the moment of loading differs.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any


class LazyVerifyContext(ssl.SSLContext):
    """A client context whose trusted certificates are loaded on its first use."""

    def __new__(cls) -> LazyVerifyContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        # PROTOCOL_TLS_CLIENT already checks host names and requires a certificate.
        self._lock = threading.Lock()
        self._loaded = False
        # Where to look is read now, as httpx reads the environment at client creation.
        self._cafile = os.environ.get("SSL_CERT_FILE") or None
        self._capath = None if self._cafile else os.environ.get("SSL_CERT_DIR") or None
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:  # as create_default_context does
            self.keylog_filename = keylog

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:  # fetch threads may handshake at once
            if not self._loaded:
                if self._cafile is None and self._capath is None:
                    import certifi  # only a TLS connection needs it

                    self.load_verify_locations(cafile=certifi.where())
                else:
                    self.load_verify_locations(cafile=self._cafile, capath=self._capath)
                self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load()  # TLS through an HTTPS proxy
        return super().wrap_bio(*args, **kwargs)
