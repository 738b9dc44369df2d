"""Source health: broken and recovered once each, stale, overdue editions, the migration."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from monitor.assess.health import check_health
from monitor.cli.main import cli
from monitor.config.settings import Config, FetchPolicy, HealthSettings, SourceSpec
from monitor.ops.cycle import run_cycle
from monitor.store import Store, schema
from monitor.store.findings import findings
from monitor.store.outbox import owed
from tests.helpers.articles import article_page
from tests.helpers.configs import site_config
from tests.helpers.notifying import page
from tests.helpers.xlsx import demo_workbook

KEY = "ocindex_page:kyrgyzstan:current"
ARTICLE_TEXT = (
    "Trade across the river has doubled in two years, and so has the number of unofficial "
    "crossings. Few of the traders we met keep written records, and most pay no tax."
)


def config_for(httpserver: HTTPServer, tmp_path: Path, **health: object) -> Config:
    url = httpserver.url_for("/country/kyrgyzstan")
    spec = SourceSpec(KEY, "ocindex_page", "kyrgyzstan", None, url)
    return Config(
        None,
        tmp_path,
        FetchPolicy(max_retries=0, respect_robots=False),
        1,
        sources=(spec,),
        health=HealthSettings(**health),  # type: ignore[arg-type]
    )


def serve(httpserver: HTTPServer, body: bytes | None, status: int = 200) -> None:
    httpserver.clear()
    httpserver.expect_request("/country/kyrgyzstan").respond_with_data(
        body or b"down for maintenance", status=status, content_type="text/html"
    )


def health_keys(store: Store) -> list[str]:
    return [f.key for f in findings(store) if f.kind == "source_health"]


def test_five_failures_in_a_row_give_one_broken_finding_and_one_recovery(
    httpserver: HTTPServer, tmp_path
):
    config = config_for(httpserver, tmp_path, failures=5)
    with Store.open(config.database) as store:
        serve(httpserver, page("kyrgyzstan", 2023))
        run_cycle(config, store)
        serve(httpserver, None, status=503)
        for n in range(1, 9):
            report = run_cycle(config, store)
            assert not report.ok
            assert health_keys(store) == ([] if n < 5 else ["broken"]), n
        assert store.source(KEY).consecutive_failures == 8
        serve(httpserver, page("kyrgyzstan", 2023))
        run_cycle(config, store)
        run_cycle(config, store)
        assert health_keys(store) == ["broken", "recovered"]
        assert store.source(KEY).consecutive_failures == 0
        broken = next(f for f in findings(store) if f.key == "broken")
        assert (
            broken.severity == "high" and "8" not in broken.message and "5 failed" in broken.message
        )
        assert "HTTP 503" in broken.message
        # Both reach the digest through the outbox, like any finding.
        owed_keys = [i.finding.key for i in owed(store, "digest")]
        assert owed_keys.count("broken") == 1 and owed_keys.count("recovered") == 1


def test_a_layout_change_is_one_broken_finding_however_the_pages_vary(
    httpserver: HTTPServer, tmp_path
):
    config = config_for(httpserver, tmp_path)
    whole = page("kyrgyzstan", 2023)
    with Store.open(config.database) as store:
        serve(httpserver, whole)
        run_cycle(config, store)
        for cut in (0.5, 0.6, 0.7):  # three different incomplete captures, three runs
            serve(httpserver, whole[: int(len(whole) * cut)])
            report = run_cycle(config, store)
            assert report.count("incomplete") + report.count("failed") == 1
        assert health_keys(store) == ["broken"]
        assert not [f for f in findings(store) if f.kind == "score"]
        serve(httpserver, whole)
        run_cycle(config, store)
        assert health_keys(store) == ["broken", "recovered"]


def test_stale_and_overdue_edition_are_reported_once(httpserver: HTTPServer, tmp_path):
    config = config_for(
        httpserver, tmp_path, stale_days=3, expect_edition=2025, expect_by="2025-10-01"
    )
    with Store.open(config.database) as store:
        serve(httpserver, page("kyrgyzstan", 2023))
        run_cycle(config, store)  # today: fresh, but 2023 shown after the 2025 deadline
        assert health_keys(store) == ["edition_overdue"]
        later = datetime.now(UTC) + timedelta(days=4)
        found = check_health(store, config.health, [KEY], now=later)
        assert [f.key for f in found] == ["stale"]
        assert check_health(store, config.health, [KEY], now=later + timedelta(days=1)) == []
        assert health_keys(store) == ["edition_overdue", "stale"]


def test_migration_5_keeps_findings_and_their_outbox_rows(tmp_path):
    path = tmp_path / "monitor.db"
    db = Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    schema.migrations().apply(db, stop_before="m005_health")
    now = "2026-01-01T00:00:00+00:00"
    db.execute(
        "INSERT INTO sources (id, key, kind, country_slug, url, created_at)"
        " VALUES (1, 'k', 'ocindex_page', 'kyrgyzstan', 'https://x/y', ?)",
        [now],
    )
    db.execute(
        "INSERT INTO raw_documents (sha256, size, content_type, compression, content,"
        " first_seen_at) VALUES ('abc', 1, 'text/html', 'zlib', x'00', ?)",
        [now],
    )
    snapshot = (
        db.table("snapshots")
        .insert(
            {
                "source_id": 1,
                "raw_sha256": "abc",
                "captured_at": now,
                "last_seen_at": now,
                "country_slug": "kyrgyzstan",
                "status": "complete",
                "reasons": "[]",
                "unparsed_count": 0,
                "unparsed_lines": "[]",
                "extractor": "x",
                "extractor_version": "1",
                "profile": "{}",
            }
        )
        .last_pk
    )
    db.execute(
        "INSERT INTO findings (id, source_id, snapshot_id, country_slug, kind, key, severity,"
        " message, direction, detail, created_at) VALUES (7, 1, ?, 'kyrgyzstan', 'score',"
        " 'criminality', 'medium', 'm', '', '{}', ?)",
        [snapshot, now],
    )
    db.execute(
        "INSERT INTO outbox (channel, finding_id, created_at) VALUES ('digest', 7, ?)", [now]
    )
    db.conn.commit()
    db.close()
    with Store.open(path) as store:
        assert [f.key for f in findings(store)] == ["criminality"]
        assert [i.finding_id for i in owed(store, "digest")] == [7]
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
        nullable = {r[1]: r[3] for r in store.db.execute("PRAGMA table_info(findings)")}
        assert nullable["snapshot_id"] == 0  # notnull flag off: source-level findings fit


def test_monitor_status_exits_1_while_a_source_is_broken(httpserver: HTTPServer, tmp_path):
    config_path = site_config(
        tmp_path,
        httpserver.url_for("/"),
        fetch={"per_host_interval": 1.0},
        tables={"health": {"failures": 2}, "schedule": {"check": "every 6h"}},
    )
    runner = CliRunner()
    args = ["--config", str(config_path)]

    def status() -> tuple[int, dict]:
        result = runner.invoke(cli, [*args, "status", "--json"])
        return result.exit_code, json.loads(result.output)

    serve(httpserver, None, status=503)
    for _ in range(2):
        assert runner.invoke(cli, [*args, "run"]).exit_code == 1
    code, report = status()
    (reason,) = report["attention"]  # the condition, with its reason in words
    assert code == 1 and reason.startswith(f"{KEY}: broken: 2 failed check(s) in a row")
    assert reason.endswith("last: HTTP 503 Service Unavailable")
    (source,) = report["sources"]
    assert source["consecutive_failures"] == 2 and "HTTP 503" in source["last_error"]
    checked = datetime.fromisoformat(source["last_failure_at"])
    ahead = datetime.fromisoformat(source["next_check_at"]) - checked
    assert abs(ahead - timedelta(hours=6)) < timedelta(seconds=1)  # shown to the second
    serve(httpserver, page("kyrgyzstan", 2023))
    assert runner.invoke(cli, [*args, "run"]).exit_code == 0
    code, report = status()
    assert code == 0 and report["attention"] == [] and report["counts"]["snapshots"] == 1


def test_monitor_status_lists_watched_sources_and_counts_imported_ones(
    httpserver: HTTPServer, tmp_path
):
    """A workbook import adds 2 sources a country; `status` would otherwise print
    hundreds of rows that no schedule checks."""
    config_path = site_config(
        tmp_path, httpserver.url_for("/"), fetch={"max_retries": 3, "per_host_interval": 1.0}
    )
    serve(httpserver, page("kyrgyzstan", 2023))
    runner = CliRunner()
    args = ["--config", str(config_path)]
    workbook = demo_workbook(tmp_path / "global_oc_index.xlsx")
    assert runner.invoke(cli, [*args, "run"]).exit_code == 0
    assert runner.invoke(cli, [*args, "import-workbook", str(workbook)]).exit_code == 0

    shown = runner.invoke(cli, [*args, "status"], env={"COLUMNS": "200"})  # keys unfolded
    assert shown.exit_code == 0, shown.output
    assert KEY in shown.output and "ocindex_workbook:" not in shown.output
    assert "10 source(s) not in the watch list (imported, or no longer watched)" in shown.output
    every = runner.invoke(cli, [*args, "status", "--all"])
    assert every.output.count("not watched") == 10 and "not in the watch list" not in every.output
    listed = json.loads(runner.invoke(cli, [*args, "status", "--json"]).output)
    assert len(listed["sources"]) == 11


def test_an_article_is_never_overdue_for_an_edition(httpserver: HTTPServer, tmp_path):
    url = httpserver.url_for("/a")
    article = SourceSpec("article:kyrgyzstan:a", "article", "kyrgyzstan", None, url)
    config = replace(
        config_for(httpserver, tmp_path, expect_edition=2025, expect_by="2025-10-01"),
        sources=(article,),
    )
    httpserver.expect_request("/a").respond_with_data(
        article_page("A report on the border", [ARTICLE_TEXT, ARTICLE_TEXT.upper()]),
        content_type="text/html",
    )
    with Store.open(config.database) as store:
        run_cycle(config, store)
        assert health_keys(store) == []


def test_status_ignores_sources_no_longer_watched_and_shows_utc(httpserver: HTTPServer, tmp_path):
    """A source broken and then dropped from the config is never checked again: it must
    not fail the health check forever. Next checks are shown in UTC whatever the zone."""
    base = httpserver.url_for("/").rstrip("/")
    head = (
        f'data_dir = "data"\n[fetch]\nmax_retries = 0\nrespect_robots = false\n[health]\n'
        f'failures = 1\n[schedule]\ncheck = "0 8 * * *"\ntimezone = "Asia/Bishkek"\n'
        f'[kinds.ocindex_page]\nbase_url = "{base}"\n'
    )
    broken, fine = tmp_path / "a.toml", tmp_path / "b.toml"
    broken.write_text(head + '[[watch]]\ncountry = "kyrgyzstan"\n', encoding="utf-8")
    fine.write_text(head + '[[watch]]\ncountry = "kazakhstan"\n', encoding="utf-8")
    serve(httpserver, None, status=503)
    httpserver.expect_request("/country/kazakhstan").respond_with_data(
        page("kazakhstan", 2023), content_type="text/html"
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(broken), "run"]).exit_code == 1
    assert runner.invoke(cli, ["--config", str(broken), "status"]).exit_code == 1
    assert runner.invoke(cli, ["--config", str(fine), "run"]).exit_code == 0
    result = runner.invoke(cli, ["--config", str(fine), "status", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["attention"] == []
    upcoming = next(s["next_check_at"] for s in report["sources"] if s["next_check_at"])
    assert upcoming.endswith("+00:00") and upcoming[11:16] == "02:00"  # 08:00 in Bishkek
