"""The fetcher's TLS (issue 19): certificates are verified as httpx's default verifies
them, though loaded only at the first TLS handshake, against a real loopback HTTPS server
whose certificate a test CA (trustme) signed."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from monitor.config.settings import FetchPolicy
from monitor.fetch.client import Fetcher, Outcome

POLICY = FetchPolicy(max_retries=0, respect_robots=False, per_host_interval=0.0)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_server(ca: trustme.CA) -> Iterator[HTTPServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    server = HTTPServer(host="localhost", ssl_context=context)
    server.expect_request("/page").respond_with_data("<p>hello</p>", content_type="text/html")
    server.start()
    yield server
    server.clear()
    server.stop()


def _loaded(fetcher: Fetcher) -> int:
    context = fetcher._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    return int(context.cert_store_stats()["x509_ca"])


def test_a_server_signed_by_a_trusted_ca_is_read_and_the_cas_are_loaded_at_first_use(
    ca: trustme.CA, https_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with Fetcher(POLICY) as fetcher:
        assert _loaded(fetcher) == 0  # nothing loaded by making the client
        result = fetcher.fetch(https_server.url_for("/page"))
        assert result.outcome is Outcome.OK, result.error
        assert result.content == b"<p>hello</p>"
        assert _loaded(fetcher) == 1  # the test CA, from SSL_CERT_FILE


def test_a_plain_http_fetch_loads_no_certificates(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/page").respond_with_data("plain")
    with Fetcher(POLICY) as fetcher:
        assert fetcher.fetch(httpserver.url_for("/page")).outcome is Outcome.OK
        assert _loaded(fetcher) == 0


def test_a_server_signed_by_an_unknown_ca_is_refused(
    https_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with Fetcher(POLICY) as fetcher:
        result = fetcher.fetch(https_server.url_for("/page"))
        assert result.outcome is not Outcome.OK
        assert "CERTIFICATE_VERIFY_FAILED" in (result.error or ""), result.error
        assert _loaded(fetcher) > 100  # certifi's bundle, as httpx's default trusts


def test_the_host_name_is_checked(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("elsewhere.example").configure_cert(context)
    server = HTTPServer(host="localhost", ssl_context=context)
    server.expect_request("/page").respond_with_data("x")
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server.start()
    try:
        with Fetcher(POLICY) as fetcher:
            result = fetcher.fetch(server.url_for("/page"))
    finally:
        server.stop()
    assert result.outcome is not Outcome.OK
    assert "CERTIFICATE_VERIFY_FAILED" in (result.error or ""), result.error
