"""An index declared in a TOML file inside this test, with no code of its own, goes end to
end: its release fetched from a loopback server by the generic `dataset` kind, stored
(the release once, a snapshot per country and edition), diffed against the prior
edition, findings (a score, a category, a membership), the digest rendered with the
index's own headline, `history` and `export`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from monitor.indices import load_definition
from monitor.notify.deliver import preview
from monitor.notify.render import Templates
from monitor.ops.settings import load_config
from monitor.ops.workbook_import import import_workbook
from monitor.review.export import export_rows
from monitor.review.history import score_history
from monitor.store import Store

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

TOY = """\
id = "toyfree"
name = "Toy Freedom Index"
publisher = "Toy Foundation"
home = "https://toy.example"
attribution = "Toy Freedom Index, Toy Foundation"
editions = [2024, 2025]
cadence_months = 12

[source]
kind = "dataset"
format = "csv"
url = "https://toy.example/data/release.csv"

[mapping]
country = "Country"
edition = "Year"

[mapping.columns]
total = "Total"
rights = "PR"
liberties = "CL"
status = "Status"
watch = "Watch list"

[[measures]]
key = "total"
name = "Total score"
kind = "score"
level = "composite"
direction = "higher_is_better"
arithmetic = "sum"
tolerance = 0
scale = { min = 0, max = 100 }
decimals = 0
significance = 5
headline = true

[[measures]]
key = "rights"
name = "Political rights"
kind = "score"
parent = "total"
direction = "higher_is_better"
scale = { min = 0, max = 40 }
decimals = 0
significance = 4

[[measures]]
key = "liberties"
name = "Civil liberties"
kind = "score"
parent = "total"
direction = "higher_is_better"
scale = { min = 0, max = 60 }
decimals = 0
significance = 4

[[measures]]
key = "status"
name = "Status"
kind = "category"
levels = ["Free", "Partly Free", "Not Free"]
direction = "higher_is_worse"

[[measures]]
key = "watch"
name = "Watch list"
kind = "membership"
direction = "higher_is_worse"
"""

HEADER = "Country,Year,Total,PR,CL,Status,Watch list\n"
EDITION_2024 = "Kenya,2024,48,20,28,Partly Free,no\nChad,2024,15,3,12,Not Free,yes\n"
# Kenya: total -12 (rights -8, liberties -4), Partly Free -> Not Free, onto the list.
# Chad: off the list, nothing else moves.
EDITION_2025 = "Kenya,2025,36,12,24,Not Free,yes\nChad,2025,15,3,12,Not Free,no\n"


@pytest.fixture
def configured(tmp_path: Path):
    indices = tmp_path / "indices"
    indices.mkdir()
    (indices / "toyfree.toml").write_text(TOY, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        'data_dir = "data"\nindices_dir = "indices"\n\n'
        "[thresholds.indices.toyfree]\nliberties = 5   # Kenya's -4 is not significant\n",
        encoding="utf-8",
    )
    return load_config(path)


def test_the_definition_declares_a_dataset_read_through_its_mapping(tmp_path):
    path = tmp_path / "toyfree.toml"
    path.write_text(TOY, encoding="utf-8")
    definition = load_definition(path)
    assert definition.mapping is not None and definition.mapping.edition_column == "Year"
    assert definition.mapping.columns["status"] == ("Status",)


def test_a_declared_index_goes_end_to_end(configured, httpserver: HTTPServer):
    config = configured
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    release = httpserver.url_for("/data/release.csv")
    with Store.open(config.database) as store:
        httpserver.expect_oneshot_request("/data/release.csv").respond_with_data(
            HEADER + EDITION_2024, content_type="text/csv"
        )
        first = import_workbook(store, release, config=config, kind_name="toyfree")
        assert [e.added for e in first.editions] == [2]
        assert first.findings == ()  # the first capture starts the history

        httpserver.expect_oneshot_request("/data/release.csv").respond_with_data(
            HEADER + EDITION_2024 + EDITION_2025, content_type="text/csv"
        )
        second = import_workbook(store, release, config=config, kind_name="toyfree")
        assert [(e.edition, e.added, e.unchanged) for e in second.editions] == [
            (2024, 0, 2),
            (2025, 2, 0),
        ]
        # Each release stored once; each country and edition a snapshot of the index.
        assert store.db.execute("SELECT count(*) FROM raw_documents").fetchone()[0] == 2
        indexed = store.db.execute("SELECT DISTINCT index_id FROM snapshots").fetchall()
        assert indexed == [("toyfree",)]

        assert len(second.findings) == 5  # Kenya's four, and Chad's
        kenya_ids = {
            r[0] for r in store.db.execute("SELECT id FROM findings WHERE country_slug = 'kenya'")
        }
        assert len(kenya_ids) == 4
        found = {(f.kind, f.key): f for f in second.findings if f.kind != "membership"}
        found[("membership", "watch")] = next(
            f for f in second.findings if f.kind == "membership" and f.direction == "deterioration"
        )
        assert set(found) == {
            ("score", "total"),
            ("score", "rights"),
            ("category", "status"),
            ("membership", "watch"),
        }, [f.message for f in second.findings]
        total = found[("score", "total")]
        assert (total.old, total.new, total.direction) == (48, 36, "deterioration")
        assert total.severity == "high"  # 12 points against a significance of 5
        status = found[("category", "status")]
        assert status.message == "Status: Partly Free → Not Free (deterioration)"
        assert status.severity == "medium"
        watch = found[("membership", "watch")]
        assert watch.message.startswith("added to the list: Watch list")
        assert (watch.severity, watch.direction) == ("high", "deterioration")
        # Chad leaving the list is an improvement, reported too, with its country.
        chad = store.db.execute(
            "SELECT message, direction, severity FROM findings WHERE country_slug = 'chad'"
        ).fetchall()
        assert chad == [("removed from the list: Watch list (improvement)", "improvement", "high")]

        digest = preview(store, config, None, now=NOW)
        text = Templates().text(digest)
        kenya = text.split("== Kenya", 1)[1].split("\n== ", 1)[0]
        assert "Headline" in kenya and "Total score" in kenya  # the index's own headline
        assert "Status and lists" in kenya
        assert "Status: Partly Free → Not Free" in kenya
        assert "added to the list: Watch list" in kenya
        assert "Political rights" in kenya  # an indicator that moved
        assert "removed from the list: Watch list" in text.split("== Chad", 1)[1]
        assert "Status: Partly Free → Not Free" in Templates().html(digest)

        history = json.loads(json.dumps(score_history(store, "kenya").to_dict()))
        rows = {r["key"]: r for r in history["rows"]}
        assert rows["total"]["values"] == [48.0, 36.0]
        assert rows["total"]["direction"] == "deterioration"
        statuses = {s["key"]: s for s in history["statuses"]}
        assert statuses["status"]["values"] == ["Partly Free", "Not Free"]
        assert statuses["status"]["changed"] == "Partly Free → Not Free"
        assert statuses["status"]["direction"] == "deterioration"
        assert statuses["watch"]["values"] == ["not on the list", "on the list"]

        exported = [r for r in export_rows(store) if r["country"] == "kenya"]
        levels = {(r["edition"], r["indicator"]): r["score"] for r in exported}
        assert levels[(2025, "status")] == "Not Free"
        assert levels[(2024, "watch")] == "not on the list"
        assert levels[(2025, "total")] == 36.0
        moved = store.db.execute(
            "SELECT previous_value, value, direction FROM category_history"
            " WHERE country = 'kenya' AND measure = 'status' AND edition = 2025"
        ).fetchone()
        assert moved == ("Partly Free", "Not Free", "deterioration")


def test_a_row_whose_arithmetic_does_not_hold_is_incomplete_never_a_move(
    configured, httpserver: HTTPServer
):
    config = configured
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    broken = EDITION_2024 + "Kenya,2025,40,12,24,Not Free,yes\n"  # 12 + 24 is not 40
    httpserver.expect_request("/data/release.csv").respond_with_data(HEADER + broken)
    with Store.open(config.database) as store:
        report = import_workbook(
            store, httpserver.url_for("/data/release.csv"), config=config, kind_name="toyfree"
        )
        kenya = next(r for r in report.rows if (r.country, r.edition) == ("kenya", 2025))
        assert kenya.status.value == "incomplete"
        assert not [f for f in report.findings if f.kind in ("score", "category", "membership")]
