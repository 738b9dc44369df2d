"""Assessment over the real store: findings once, flips not re-alerted, nothing lost."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from monitor.assess.findings import assess_pending, assess_snapshot
from monitor.config.settings import Config, FetchPolicy, SourceSpec
from monitor.demo import build_profile, load_figures
from monitor.demo.render import render_page
from monitor.extract.ocindex_page import extract_page
from monitor.ops.cycle import run_cycle
from monitor.store import Store
from monitor.store.findings import baselines, findings

FIXTURES = Path(__file__).parent / "fixtures"
# Our own loopback server: nothing to be polite to (see test_fetch_politeness.py).
POLICY = FetchPolicy(max_retries=0, respect_robots=False)


def page(moved: float = 0.0) -> bytes:
    """Kyrgyzstan 2023 from the demo figures; `moved` shifts two markets in opposite
    directions, so the published means (and completeness) stay the same."""
    entry = load_figures()["countries"]["kyrgyzstan"]
    editions = copy.deepcopy(entry["editions"])
    editions["2023"]["scores"]["human_trafficking"] += moved
    editions["2023"]["scores"]["human_smuggling"] -= moved
    profile = build_profile("kyrgyzstan", "Kyrgyzstan", 2023, editions)
    return render_page(profile, layout=2023, fmt="html").encode()


def serve(httpserver: HTTPServer, body: bytes) -> None:
    httpserver.clear()
    httpserver.expect_request("/country/kyrgyzstan").respond_with_data(
        body, content_type="text/html"
    )


def config_for(httpserver: HTTPServer, tmp_path: Path) -> Config:
    url = httpserver.url_for("/country/kyrgyzstan")
    spec = SourceSpec("ocindex_page:kyrgyzstan:current", "ocindex_page", "kyrgyzstan", None, url)
    return Config(None, tmp_path, POLICY, 1, sources=(spec,))


def test_a_change_alerts_once_and_a_flip_back_does_not(httpserver: HTTPServer, tmp_path):
    config = config_for(httpserver, tmp_path)
    a, b = page(), page(moved=1.0)
    with Store.open(config.database) as store:
        cycles = []
        for body in (a, b, b, a, b):
            serve(httpserver, body)
            cycles.append(run_cycle(config, store))
        stored = findings(store)
    assert [c.results[0].change for c in cycles] == [
        "new_snapshot",
        "new_snapshot",
        "unchanged",
        "reverted",
        "reverted",
    ]
    assert cycles[0].findings == ()  # the first capture starts the history
    assert {f.key for f in cycles[1].findings} == {"human_trafficking", "human_smuggling"}
    assert all(c.findings == () for c in cycles[2:])  # unchanged, A again, B again
    assert len(stored) == 2
    directions = {f.key: f.direction for f in stored}
    assert directions == {"human_trafficking": "deterioration", "human_smuggling": "improvement"}


def test_an_archived_older_capture_is_history_not_news(httpserver: HTTPServer, tmp_path):
    """Backfilling a 2021 copy after the live 2023 page: no findings (no false
    "improvements", no "indicators removed", no stale source), the live state untouched,
    and the next live change is measured against the 2023 snapshot."""
    from monitor.assess.health import source_conditions
    from monitor.ops.cycle import ingest
    from tests.helpers.notifying import page as edition_page

    config = config_for(httpserver, tmp_path)
    archived = tmp_path / "kyrgyzstan-2021.html"
    archived.write_bytes(edition_page("kyrgyzstan", 2021))
    with Store.open(config.database) as store:
        serve(httpserver, page())
        live = run_cycle(config, store).results[0]
        before = store.source(live.key)
        (backfill,) = ingest(
            config,
            store,
            [archived],
            url=live.url,
            kind_name="ocindex_page",
            captured_at="2021-10-01T00:00:00Z",
        )
        after = store.source(live.key)
        assert backfill.change == "backfilled" and backfill.snapshot_id != live.snapshot_id
        assert after == before  # current snapshot, validators, last check and success
        assert findings(store) == []
        assert source_conditions(store, after, config.health, now=datetime.now(UTC)) == []
        assert store.snapshot(backfill.snapshot_id).edition == 2021
        serve(httpserver, page(moved=1.0))
        moved = run_cycle(config, store)
    assert {(f.kind, f.key) for f in moved.findings} == {
        ("score", "human_trafficking"),
        ("score", "human_smuggling"),
    }


def test_ingested_history_in_order_is_assessed_but_is_no_check(tmp_path):
    """Old copies ingested oldest first: the later one is compared and alerted as usual,
    while the source's live state stays untouched (no 'stale' from a 2021 date)."""
    from monitor.assess.health import source_conditions
    from tests.helpers.notifying import ingest_editions

    config = Config(None, tmp_path)
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"])
        source = store.source("ocindex_page:kyrgyzstan:current")
        assert store.snapshot(source.current_snapshot_id).edition == 2023
        assert {f.kind for f in findings(store)} >= {"score", "methodology"}
        assert source.last_success_at is None and source.last_checked_at is None
        assert source_conditions(store, source, config.health, now=datetime.now(UTC)) == []


def test_returning_to_earlier_content_keeps_the_drift_measured_before(
    httpserver: HTTPServer, tmp_path
):
    """A, B (+0.5), C (-0.5), B again, D (+1.0): nothing is alerted until D, which is
    +1.0 from A's never-alerted values (measuring from B's would hide it)."""
    config = config_for(httpserver, tmp_path)
    with Store.open(config.database) as store:
        cycles = []
        for moved in (0.0, 0.5, -0.5, 0.5, 1.0):
            serve(httpserver, page(moved=moved))
            cycles.append(run_cycle(config, store))
    assert [c.results[0].change for c in cycles] == [
        "new_snapshot", "new_snapshot", "new_snapshot", "reverted", "new_snapshot"
    ]  # fmt: skip
    assert all(c.findings == () for c in cycles[:4])
    moved = {(f.key, f.old, f.new) for f in cycles[4].findings}
    assert moved == {("human_trafficking", 7.0, 8.0), ("human_smuggling", 5.5, 4.5)}


def test_an_ingested_newer_copy_drops_the_validators_so_a_304_confirms_nothing_wrong(
    httpserver: HTTPServer, tmp_path
):
    """The site still serves 2021 (ETag "a"); a 2023 copy is ingested; the next check
    must not take the site's 304 as confirming the ingested copy."""
    from werkzeug import Request, Response

    from monitor.ops.cycle import ingest
    from tests.helpers.notifying import page as edition_page

    served = edition_page("kyrgyzstan", 2021)

    def site(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"a"':
            return Response(status=304, headers={"ETag": '"a"'})
        return Response(served, content_type="text/html", headers={"ETag": '"a"'})

    httpserver.expect_request("/country/kyrgyzstan").respond_with_handler(site)
    config = config_for(httpserver, tmp_path)
    copy = tmp_path / "kyrgyzstan-2023.html"
    copy.write_bytes(edition_page("kyrgyzstan", 2023))
    with Store.open(config.database) as store:
        first = run_cycle(config, store).results[0]
        ingest(config, store, [copy], url=first.url, kind_name="ocindex_page")
        again = run_cycle(config, store).results[0]
        current = store.source(first.key).current_snapshot_id
    assert again.change == "reverted" and current == first.snapshot_id  # 2021, as served


def test_a_reextraction_keeps_the_baselines_a_return_restores(httpserver: HTTPServer, tmp_path):
    """A, B (alerted), re-extraction, A again, then 0.1 below A: no alert (A's baselines
    come back, not B's alerted values stamped on the re-read snapshot)."""
    from monitor.ops.reextract import reextract
    from monitor.sources.ocindex_page import OcindexPage

    config = config_for(httpserver, tmp_path)
    with Store.open(config.database) as store:
        for moved in (0.0, 1.0):
            serve(httpserver, page(moved=moved))
            run_cycle(config, store)
        upgraded = f"{OcindexPage.version}.next"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(OcindexPage, "version", upgraded)
            patch.setattr("monitor.extract.ocindex_page.VERSION", upgraded)
            reextract(config, store)
            serve(httpserver, page())
            back = run_cycle(config, store)
            serve(httpserver, page(moved=-0.1))
            below = run_cycle(config, store)
    assert back.results[0].change == "reverted" and back.findings == ()
    assert below.results[0].change == "new_snapshot" and below.findings == ()


def test_assessment_is_idempotent_and_crash_safe(httpserver: HTTPServer, tmp_path):
    config = config_for(httpserver, tmp_path)
    with Store.open(config.database) as store:
        serve(httpserver, page())
        run_cycle(config, store)
        # Store B as a crash would leave it: saved, never assessed.
        body = page(moved=1.5)
        source = store.source("ocindex_page:kyrgyzstan:current")
        saved = store.save_capture(
            source.id,
            content=body,
            content_type="text/html",
            extraction=extract_page(body, url=source.url),
            captured_at=datetime.now(UTC).isoformat(),  # after the cycle: the newest capture
        )
        first = assess_pending(store, config.thresholds)
        again = assess_snapshot(store, config.thresholds, source.id, saved.snapshot_id)
        count = store.db.execute("SELECT count(*) FROM findings").fetchone()[0]
        comparisons = store.db.execute("SELECT count(*) FROM comparisons").fetchone()[0]
        base = baselines(store, source.id)
    assert {f.key for f in first} == {"human_trafficking", "human_smuggling"}
    assert {f.severity for f in first} == {"medium"}  # 1.5 < 2 x the 1.0 threshold
    assert again == []  # measured from the alerted values now: nothing new
    assert count == 2 and comparisons == 1
    assert base["human_trafficking"] == 7.0 + 1.5  # the alerted value is the new baseline


def test_an_incomplete_capture_gives_one_health_finding_only(httpserver: HTTPServer, tmp_path):
    config = config_for(httpserver, tmp_path)
    whole = page()
    cut = whole[: whole.index(b"Cocaine trade")]
    with Store.open(config.database) as store:
        serve(httpserver, whole)
        run_cycle(config, store)
        serve(httpserver, cut)
        report = run_cycle(config, store)
    assert [f.kind for f in report.findings] == ["source_health"]
    assert report.results[0].category == "incomplete"


def test_reextraction_with_a_new_extractor_version_alerts_nothing(
    httpserver: HTTPServer, tmp_path, monkeypatch
):
    from monitor.ops.reextract import reextract
    from monitor.sources.ocindex_page import OcindexPage

    config = config_for(httpserver, tmp_path)
    with Store.open(config.database) as store:
        for body in (page(), page(moved=1.0)):
            serve(httpserver, body)
            run_cycle(config, store)
        before = len(findings(store))
        upgraded = f"{OcindexPage.version}.next"  # whatever the version is now
        monkeypatch.setattr(OcindexPage, "version", upgraded)
        monkeypatch.setattr("monitor.extract.ocindex_page.VERSION", upgraded)
        report = reextract(config, store)
        again = reextract(config, store)
        pending = assess_pending(store, config.thresholds)
        after = len(findings(store))
        current = store.source("ocindex_page:kyrgyzstan:current").current_snapshot_id
        version = store.snapshot(current).extraction.extractor_version
        # The next real change is measured against the re-extracted snapshot.
        serve(httpserver, page(moved=2.5))
        cycle = run_cycle(config, store)
    assert (report.checked, report.added, report.changed_status) == (2, 2, 0)
    assert again.added == 0
    assert pending == [] and after == before == 2
    assert version == upgraded
    moved = {f.key: (f.old, f.new) for f in cycle.findings}
    assert moved == {"human_trafficking": (8.0, 9.5), "human_smuggling": (4.5, 3.0)}


def test_the_stored_comparison_reads_back_equal_to_a_fresh_one(tmp_path, shared_dir):
    from dataclasses import replace

    from monitor.diff.snapshots import comparison_of, diff_snapshots
    from monitor.ops.cycle import ingest
    from tests.helpers.notifying import ingest_editions

    def reword(profile):  # one word changed in one sentence of the 2023 page
        first = profile.sections[0]
        text = first.paragraphs[0].replace(" the ", " this ", 1)
        return replace(profile, sections=(replace(first, paragraphs=(text,)),))

    config = Config(None, tmp_path)
    corpus = shared_dir / "corpus"
    with Store.open(config.database) as store:
        ids = []
        for name in ("2021", "2025"):
            (result,) = ingest(
                config,
                store,
                [corpus / f"ocindex-page-{name}-kyrgyzstan.txt"],
                url="https://ocindex.net/country/kyrgyzstan",
                kind_name="ocindex_page",
                captured_at=f"{name}-10-01T00:00:00Z",
            )
            ids.append(result.snapshot_id)
        ingest_editions(config, store, tmp_path, ["kazakhstan"], edit=reword)
        pairs = [
            tuple(ids),
            *store.db.execute(
                "SELECT old_snapshot_id, new_snapshot_id FROM comparisons"
                " WHERE new_snapshot_id > ?",
                [ids[1]],
            ).fetchall(),
        ]
        stored = [comparison_of(store, *pair) for pair in pairs]
        fresh = [diff_snapshots(store, *pair) for pair in pairs]
    assert len(pairs) == 2 and stored == fresh
    assert any(s.edited for c in stored for s in c.sections)  # nested records read back too
