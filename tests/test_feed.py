"""Atom feeds: after `monitor run`, each channel's feed parses with a feed parser and
holds the findings its digest carried; rewritten, its entries keep their ids."""

from __future__ import annotations

import json
import stat

import feedparser
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.cli.main import cli
from monitor.notify.feed import feed_path
from tests.helpers.configs import site_config
from tests.helpers.notifying import page

COUNTRIES = ("kyrgyzstan", "kazakhstan")
NAMES = {"kyrgyzstan": "Kyrgyzstan", "kazakhstan": "Kazakhstan"}


def test_the_feed_holds_the_digests_findings(httpserver: HTTPServer, tmp_path, monkeypatch):
    monkeypatch.setenv("FEED_TEST_SECRET", "s3cret")
    served = {"edition": 2021}
    received: list[dict] = []

    def respond(request: Request) -> Response:
        slug = request.path.rsplit("/", 1)[-1]
        return Response(page(slug, served["edition"]), content_type="text/html")

    def hook(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok")

    for slug in COUNTRIES:
        httpserver.expect_request(f"/country/{slug}").respond_with_handler(respond)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    channel = (
        '[notify.channels."news desk"]\nkind = "webhook"\n'
        f'url = "{httpserver.url_for("/hook")}"\nsecret_env = "FEED_TEST_SECRET"\n'
    )
    config = site_config(tmp_path, httpserver.url_for(""), COUNTRIES, extra=channel)
    run = ("--config", str(config), "run")

    assert CliRunner().invoke(cli, run).exit_code == 0
    path = feed_path(tmp_path / "data", "news desk")
    assert path.name == "news_desk.atom"
    assert feedparser.parse(path.read_bytes()).entries == []  # a first capture: no news
    served["edition"] = 2023
    assert CliRunner().invoke(cli, run).exit_code == 0

    assert len(received) == 1
    # The index's name, as the webhook's grouping of the country names it.
    index = {i["index"]: i["name"] for c in received[0]["countries"] for i in c["indices"]}
    digest = [
        (f"{NAMES[c['country']]} — {index[f['index']]}", f["message"], f["severity"])
        for c in received[0]["countries"]
        for f in c["findings"]
    ]
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception  # well-formed
    assert parsed.version == "atom10"
    assert parsed.feed.title == "profile-monitor: news desk" and parsed.feed.updated
    entries = parsed.entries
    assert sorted(e.title for e in entries) == sorted(f"{n}: {m}" for n, m, _ in digest)
    assert len({e.id for e in entries}) == len(entries) == len(digest) > 100
    for e in entries:
        assert e.updated_parsed is not None
        severity = next(t.term for t in e.tags if t.term in ("low", "medium", "high"))
        assert "index:ocindex" in {t.term for t in e.tags}
        assert (e.title.split(": ", 1)[0], e.title.split(": ", 1)[1], severity) in digest
        slug = next(s for s, n in NAMES.items() if e.title.startswith(n))
        assert e.link == httpserver.url_for(f"/country/{slug}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # private like the data dir

    # Rewritten after the next cycle (nothing new): the same entries under the same ids.
    assert CliRunner().invoke(cli, run).exit_code == 0
    again = feedparser.parse(path.read_bytes())
    assert [e.id for e in again.entries] == [e.id for e in entries]
    assert not list(path.parent.glob("*.partial"))
