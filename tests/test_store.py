"""The snapshot store against real SQLite files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import StoreError
from monitor.models import (
    Attempt,
    Country,
    Extraction,
    Indicator,
    Profile,
    Rank,
    Reason,
    Score,
    Section,
    Status,
)
from monitor.store import (
    SCHEMA_VERSION,
    Outcome,
    SavedCapture,
    Store,
    schema_version,
)

CAPTURE_1 = "2026-01-01T06:00:00+00:00"
CAPTURE_2 = "2026-01-02T06:00:00+00:00"
CAPTURE_3 = "2026-01-03T06:00:00+00:00"


def _profile(markets: float = 5.5) -> Profile:
    return Profile(
        country=Country(slug="kyrgyzstan", name="Kyrgyzstan"),
        edition=2023,
        source_url="https://ocindex.net/country/kyrgyzstan",
        composites={
            "criminality": Score(5.6, change=0.12),
            "criminal_markets": Score(markets, change=-0.2),
            "resilience": Score(4.21),
        },
        ranks=(Rank("criminality", "global", 72, 193, movement=3),),
        indicators=(
            Indicator("human_trafficking", "Human trafficking", "criminal_markets", Score(6.0)),
            Indicator(
                "cyber_dependent_crimes",
                "Cyber-dependent crimes",
                "criminal_markets",
                Score(3.5, new_this_edition=True),
            ),
        ),
        sections=(
            Section("summary", "Summary", ("First paragraph.", "Second — with ü.")),
            Section("criminal_markets", "Criminal markets", ("Markets text.",)),
        ),
    )


def _extraction(profile: Profile | None = None, version: str = "1") -> Extraction:
    return Extraction(
        status=Status.COMPLETE,
        profile=profile or _profile(),
        unparsed_lines=("stray line",),
        extractor="ocindex_html",
        extractor_version=version,
    )


NOT_A_PROFILE = Extraction(
    status=Status.NOT_A_PROFILE,
    profile=None,
    reasons=(Reason("no_scores", "the page shows no scores", {"lines": 3}),),
    extractor="ocindex_html",
    extractor_version="1",
)


def _attempt(status: int | None = 200, error: str | None = None) -> Attempt:
    return Attempt(
        url="https://ocindex.net/country/kyrgyzstan",
        started_at=CAPTURE_1,
        status_code=status,
        bytes=0 if status is None else 1234,
        duration_ms=12.5,
        error=error,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data" / "monitor.db") as s:
        yield s


@pytest.fixture
def source_id(store: Store) -> int:
    return store.ensure_source(
        key="ocindex_page:kyrgyzstan",
        kind="ocindex_page",
        country_slug="kyrgyzstan",
        edition=None,
        url="https://ocindex.net/country/kyrgyzstan",
    ).id


def _save(
    store: Store, source_id: int, content: bytes, at: str = CAPTURE_1, **kw: Any
) -> SavedCapture:
    kw.setdefault("extraction", _extraction())
    kw.setdefault("attempts", [_attempt()])
    return store.save_capture(
        source_id, content=content, content_type="text/html", captured_at=at, **kw
    )


# -- opening ----------------------------------------------------------------------


def test_open_creates_schema_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "monitor.db"
    with Store.open(path) as store:
        assert path.exists()
        # `sections` is a view of the content-addressed narrative since migration 11.
        assert set(store.counts()) <= {*store.db.table_names(), *store.db.view_names()}
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            store.db.execute(
                "INSERT INTO fetch_attempts (source_id, started_at, url, bytes, duration_ms)"
                " VALUES (999, 'now', 'u', 0, 0)"
            )
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert schema_version(store.db) == SCHEMA_VERSION
        indexes = {
            i.name for t in ("snapshots", "fetch_attempts") for i in store.db.table(t).indexes
        }
        assert {
            "idx_snapshots_source",
            "idx_snapshots_country",
            "idx_fetch_attempts_source",
        } <= indexes
        # Scores (a view since migration 18) are found by snapshot through the values'
        # primary key (the table itself), by measure by a scan of them: no index to keep.
        assert [i.origin for i in store.db.table("score_values").indexes] == ["pk"]


def test_columns_have_declared_types_before_any_row(store: Store) -> None:
    columns = store.db.view("scores").columns_dict
    assert columns["change"] is float  # would be str if guessed from a first NULL
    assert store.db.table("sources").columns_dict["edition"] is int


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    with Store.open(path) as store:
        store.ensure_source(key="k", kind="ocindex_page", country_slug="c", edition=None, url="u")
    with Store.open(path) as store:
        assert schema_version(store.db) == SCHEMA_VERSION
        assert store.db.table("_sqlite_migrations").count == SCHEMA_VERSION
        assert [s.key for s in store.sources()] == ["k"]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('profile-monitor', 'm999_from_the_future', '2030-01-01')"
        )
    conn.close()
    with pytest.raises(StoreError, match=r"newer.*m999_from_the_future"):
        Store.open(path)


def test_only_an_empty_migrations_table_is_still_ours_to_set_up(tmp_path: Path) -> None:
    """What a crash before migration 1 committed can leave: not another application's."""
    path = tmp_path / "monitor.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)"
        )
    conn.close()
    with Store.open(path) as store:
        assert store.db.table("_sqlite_migrations").count == SCHEMA_VERSION


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "monitor.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="is not a database"):
        Store.open(path)


# -- sources ----------------------------------------------------------------------


def test_ensure_source_updates_url_and_keeps_state(store: Store, source_id: int) -> None:
    _save(store, source_id, b"A")
    again = store.ensure_source(
        key="ocindex_page:kyrgyzstan",
        kind="ocindex_page",
        country_slug="kyrgyzstan",
        edition=None,
        url="https://ocindex.net/country/kyrgyzstan?moved",
    )
    assert again.id == source_id
    assert again.url.endswith("?moved")
    assert again.current_snapshot_id is not None
    assert store.source("nope") is None
    assert len(store.sources()) == 1


# -- captures ---------------------------------------------------------------------


def test_first_capture_is_a_new_snapshot(store: Store, source_id: int) -> None:
    saved = _save(store, source_id, b"<html>A</html>", etag='"e1"', last_modified="Mon")
    assert saved.outcome == Outcome.NEW_SNAPSHOT == "new_snapshot"
    assert saved.new_raw_document
    assert saved.previous_snapshot_id is None
    source = store.source("ocindex_page:kyrgyzstan")
    assert source is not None
    assert source.current_snapshot_id == saved.snapshot_id
    assert (source.etag, source.last_modified) == ('"e1"', "Mon")
    assert source.last_outcome == "new_snapshot"
    assert source.last_checked_at == source.last_success_at == CAPTURE_1
    snap = store.snapshot(saved.snapshot_id)
    assert snap.extraction == _extraction()  # round-trips through JSON exactly
    assert (snap.country_slug, snap.country_name, snap.edition) == (
        "kyrgyzstan",
        "Kyrgyzstan",
        2023,
    )
    assert snap.captured_at == snap.last_seen_at == CAPTURE_1


def test_same_content_twice_is_unchanged(store: Store, source_id: int) -> None:
    first = _save(store, source_id, b"A")
    before = store.counts()
    second = _save(store, source_id, b"A", at=CAPTURE_2)
    assert second.outcome == "unchanged"
    assert second.snapshot_id == second.previous_snapshot_id == first.snapshot_id
    assert not second.new_raw_document
    after = store.counts()
    assert after == {**before, "fetch_attempts": before["fetch_attempts"] + 1}
    snap = store.snapshot(first.snapshot_id)
    assert (snap.captured_at, snap.last_seen_at) == (CAPTURE_1, CAPTURE_2)


def test_content_a_b_a_is_reverted(store: Store, source_id: int) -> None:
    a = _save(store, source_id, b"A")
    b = _save(store, source_id, b"B", at=CAPTURE_2, extraction=_extraction(_profile(6.0)))
    assert b.outcome == "new_snapshot"
    assert b.previous_snapshot_id == a.snapshot_id
    before = store.counts()
    again = _save(store, source_id, b"A", at=CAPTURE_3)
    assert again.outcome == "reverted"
    assert again.snapshot_id == a.snapshot_id
    assert again.previous_snapshot_id == b.snapshot_id
    assert store.counts() == {**before, "fetch_attempts": before["fetch_attempts"] + 1}
    source = store.source("ocindex_page:kyrgyzstan")
    assert source is not None
    assert source.current_snapshot_id == a.snapshot_id
    assert source.last_outcome == "reverted"
    assert [s.id for s in store.snapshots_for(source_id)] == [a.snapshot_id, b.snapshot_id]


def test_same_bytes_under_two_sources_share_one_raw_document(store: Store, source_id: int) -> None:
    other = store.ensure_source(
        key="ocindex_page:kyrgyzstan:2023",
        kind="ocindex_page",
        country_slug="kyrgyzstan",
        edition=2023,
        url="https://ocindex.net/2023/country/kyrgyzstan",
    )
    first = _save(store, source_id, b"same bytes")
    second = _save(store, other.id, b"same bytes")
    assert first.new_raw_document and not second.new_raw_document
    assert second.outcome == "new_snapshot"
    assert first.snapshot_id != second.snapshot_id
    counts = store.counts()
    assert (counts["raw_documents"], counts["snapshots"]) == (1, 2)


def test_raw_content_round_trips_and_is_compressed(store: Store, source_id: int) -> None:
    content = ("<p>Kyrgyzstan — criminality 5.60</p>\n" * 2000).encode() + bytes(range(256))
    saved = _save(store, source_id, content)
    sha = store.snapshot(saved.snapshot_id).raw_sha256
    assert store.raw_content(sha) == content
    row = next(
        store.db.query(
            "SELECT size, compression, content FROM raw_documents WHERE sha256 = ?", [sha]
        )
    )
    assert row["size"] == len(content)
    assert row["compression"] == "zstd"  # issue 19: zlib until migration 12
    assert len(row["content"]) < len(content) // 10
    with pytest.raises(StoreError, match="no raw document"):
        store.raw_content("0" * 64)


def test_not_a_profile_stores_reasons_and_no_scores(store: Store, source_id: int) -> None:
    saved = _save(store, source_id, b"<html>maintenance</html>", extraction=NOT_A_PROFILE)
    snap = store.snapshot(saved.snapshot_id)
    assert snap.status is Status.NOT_A_PROFILE
    assert snap.reasons == NOT_A_PROFILE.reasons
    assert snap.extraction == NOT_A_PROFILE
    assert snap.extraction.profile is None
    # Country and edition fall back to the source's.
    assert (snap.country_slug, snap.country_name, snap.edition) == ("kyrgyzstan", None, None)
    counts = store.counts()
    assert (counts["scores"], counts["ranks"], counts["sections"]) == (0, 0, 0)
    source = store.source("ocindex_page:kyrgyzstan")
    assert source is not None
    assert source.last_outcome == "not_a_profile"
    assert source.current_snapshot_id == saved.snapshot_id


def test_score_rank_and_section_rows_match_the_profile(store: Store, source_id: int) -> None:
    saved = _save(store, source_id, b"A")
    scores = {
        r["key"]: r
        for r in store.db.query("SELECT * FROM scores WHERE snapshot_id = ?", [saved.snapshot_id])
    }
    assert set(scores) == set(_profile().scores())
    markets = scores["criminal_markets"]
    assert (markets["kind"], markets["pillar"], markets["name"]) == (
        "composite",
        "criminal_markets",
        "Criminal markets",
    )
    assert (markets["value"], markets["change"], markets["new_this_edition"]) == (5.5, -0.2, 0)
    assert scores["criminality"]["pillar"] is None
    assert scores["resilience"]["change"] is None
    cyber = scores["cyber_dependent_crimes"]
    assert (cyber["kind"], cyber["pillar"], cyber["name"]) == (
        "indicator",
        "criminal_markets",
        "Cyber-dependent crimes",
    )
    assert (cyber["value"], cyber["change"], cyber["new_this_edition"]) == (3.5, None, 1)

    ranks = list(store.db.query("SELECT * FROM ranks WHERE snapshot_id = ?", [saved.snapshot_id]))
    assert [
        (r["composite"], r["scope"], r["rank"], r["out_of"], r["group_name"], r["movement"])
        for r in ranks
    ] == [("criminality", "global", 72, 193, None, 3)]

    sections = list(
        store.db.query(
            "SELECT position, key, paragraphs FROM sections"
            " WHERE snapshot_id = ? ORDER BY position",
            [saved.snapshot_id],
        )
    )
    assert [(s["position"], s["key"]) for s in sections] == [
        (0, "summary"),
        (1, "criminal_markets"),
    ]
    assert sections[0]["paragraphs"] == '["First paragraph.", "Second — with ü."]'


def test_new_extractor_version_makes_a_new_snapshot(store: Store, source_id: int) -> None:
    old = _save(store, source_id, b"A")
    new = _save(store, source_id, b"A", at=CAPTURE_2, extraction=_extraction(version="2"))
    assert new.outcome == "new_snapshot"
    assert new.snapshot_id != old.snapshot_id
    assert not new.new_raw_document
    versions = [s.extraction.extractor_version for s in store.snapshots_for(source_id)]
    assert versions == ["1", "2"]
    assert store.counts()["raw_documents"] == 1


def test_a_failing_save_writes_nothing(store: Store, source_id: int) -> None:
    _save(store, source_id, b"A")
    before = store.counts()
    source_before = store.source("ocindex_page:kyrgyzstan")
    profile = _profile()
    duplicated = replace(profile, indicators=(*profile.indicators, profile.indicators[0]))
    with pytest.raises(StoreError, match=r"rejected.*UNIQUE"):
        _save(
            store,
            source_id,
            b"B",
            at=CAPTURE_2,
            extraction=_extraction(duplicated),
            attempts=[_attempt(), _attempt()],
            etag='"new"',
        )
    assert store.counts() == before
    assert store.source("ocindex_page:kyrgyzstan") == source_before
    assert not store.db.conn.in_transaction
    # The store stays usable after the rollback.
    assert _save(store, source_id, b"B", at=CAPTURE_3).outcome == "new_snapshot"


def test_saving_for_an_unknown_source_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no source with id 42"):
        _save(store, 42, b"A")
    assert store.counts()["raw_documents"] == 0


# -- other outcomes ---------------------------------------------------------------


def test_record_not_modified(store: Store, source_id: int) -> None:
    saved = _save(store, source_id, b"A", etag='"e1"')
    store.record_not_modified(source_id, attempts=[_attempt(304)], checked_at=CAPTURE_2)
    source = store.source("ocindex_page:kyrgyzstan")
    assert source is not None
    assert source.last_outcome == "not_modified"
    assert source.last_checked_at == source.last_success_at == CAPTURE_2
    assert source.etag == '"e1"'
    assert source.current_snapshot_id == saved.snapshot_id
    assert store.snapshot(saved.snapshot_id).last_seen_at == CAPTURE_2
    assert store.counts()["fetch_attempts"] == 2


def test_record_failure_keeps_state_and_stores_attempts(store: Store, source_id: int) -> None:
    saved = _save(store, source_id, b"A")
    attempts = [_attempt(503, "HTTP 503"), _attempt(None, "timed out")]
    store.record_failure(source_id, attempts=attempts, error="timed out", checked_at=CAPTURE_2)
    source = store.source("ocindex_page:kyrgyzstan")
    assert source is not None
    assert (source.last_outcome, source.last_error) == ("failed", "timed out")
    assert source.last_checked_at == CAPTURE_2
    assert source.last_success_at == CAPTURE_1
    assert source.current_snapshot_id == saved.snapshot_id
    rows = list(
        store.db.query("SELECT status_code, error FROM fetch_attempts ORDER BY id DESC LIMIT 2")
    )
    assert rows == [
        {"status_code": None, "error": "timed out"},
        {"status_code": 503, "error": "HTTP 503"},
    ]
    # A later success clears the error.
    _save(store, source_id, b"A", at=CAPTURE_3)
    source = store.source("ocindex_page:kyrgyzstan")
    assert source is not None
    assert (source.last_outcome, source.last_error) == ("unchanged", None)


def test_snapshot_lookup_of_a_missing_id(store: Store) -> None:
    with pytest.raises(StoreError, match="no snapshot with id 7"):
        store.snapshot(7)


def test_a_new_capture_is_compressed_against_the_previous_one(store: Store, source_id: int) -> None:
    """zstd with the source's previous capture as dictionary, where that is smaller;
    against the capture that one was compressed against, so no chain forms."""
    page = b"".join(
        b"<p>Section %d: the same template, line after line.</p>\n" % i for i in range(900)
    )
    shas = []
    for edition in range(12):
        content = page + b"<p>edition %d</p>" % edition
        saved = _save(store, source_id, content, at=f"2026-01-{edition + 1:02d}T00:00:00+00:00")
        shas.append(store.snapshot(saved.snapshot_id).raw_sha256)
        assert store.raw_content(shas[-1]) == content
    rows = {
        r["sha256"]: r
        for r in store.db.query("SELECT sha256, content, dictionary FROM raw_documents")
    }
    first, second = rows[shas[0]], rows[shas[1]]
    assert first["dictionary"] is None and second["dictionary"] == shas[0]
    assert len(second["content"]) < len(first["content"]) / 3
    depths = []
    for sha in shas:
        depth, row = 0, rows[sha]
        while row["dictionary"]:
            depth, row = depth + 1, rows[row["dictionary"]]
        depths.append(depth)
    assert depths == [0] + [1] * 11  # every later capture against the first: no chain
    assert {rows[sha]["dictionary"] for sha in shas[1:]} == {shas[0]}


def test_a_damaged_earlier_body_does_not_stop_the_next_capture(store: Store, source_id: int):
    """A body an old release stored that no longer decodes (left as it was by the zstd
    migration) cannot be a dictionary: the next capture is stored alone, and reads."""
    first = _save(store, source_id, b"<p>the first edition</p>" * 50)
    sha = store.snapshot(first.snapshot_id).raw_sha256
    store.db.execute(
        "UPDATE raw_documents SET compression = 'zlib', content = ? WHERE sha256 = ?",
        [b"\x00\x11\x22\x33", sha],
    )
    content = b"<p>the second edition</p>" * 50
    second = _save(store, source_id, content, at="2026-02-01T00:00:00+00:00")
    new_sha = store.snapshot(second.snapshot_id).raw_sha256
    assert store.raw_content(new_sha) == content
    row = store.db.execute("SELECT dictionary FROM raw_documents WHERE sha256 = ?", [new_sha])
    assert row.fetchone()[0] is None


# -- releases: the same reading from another document -------------------------------


def _release_row(extraction: Extraction) -> Any:
    from monitor.store.records import ReleaseRowCapture

    return ReleaseRowCapture(
        "ocindex_workbook:kyrgyzstan:2023",
        "ocindex_workbook",
        "kyrgyzstan",
        2023,
        "https://ocindex.net/workbook.xlsx#kyrgyzstan-2023",
        extraction,
    )


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"unparsed_lines": ("another stray line",)}, id="unparsed-lines"),
        pytest.param({"extractor": "another_extractor"}, id="extractor"),
        pytest.param(
            {
                "profile": replace(
                    _profile(),
                    sections=(
                        Section("summary", "Summary", ("A rewritten paragraph.",)),
                        Section("criminal_markets", "Criminal markets", ("Markets text.",)),
                    ),
                )
            },
            id="narrative",
        ),
    ],
)
def test_a_release_row_read_differently_is_a_new_snapshot(
    store: Store, changed: dict[str, Any]
) -> None:
    # A re-published release (other bytes) is "unchanged" for a row only when its
    # reading is equal, not merely its compact profile JSON and scores rows.
    def release(extraction: Extraction, content: bytes, at: str) -> SavedCapture:
        (saved,) = store.save_release(
            [_release_row(extraction)],
            content=content,
            content_type="application/octet-stream",
            captured_at=at,
            origin=None,
        )
        return saved

    first = release(_extraction(), b"release 1", CAPTURE_1)
    assert release(_extraction(), b"release 2", CAPTURE_2).outcome == Outcome.UNCHANGED
    again = release(replace(_extraction(), **changed), b"release 3", CAPTURE_3)
    assert again.outcome == Outcome.NEW_SNAPSHOT
    assert again.snapshot_id != first.snapshot_id


def test_a_transaction_in_an_auto_committing_batch_stays_whole(
    store: Store, source_id: int
) -> None:
    # A nested transaction is part of the outer one: the batch must not commit when the
    # inner one completes, and the outer one failing must take the inner's writes back.
    before = store.counts()
    with store.batched(writes=1, seconds=3600, auto=True):
        with pytest.raises(RuntimeError, match="refused"), store.transaction():
            with store.transaction():
                store.db.execute("UPDATE sources SET last_error = 'half' WHERE id = ?", [source_id])
            raise RuntimeError("refused after the inner part")
        _save(store, source_id, b"<html>after</html>")
    assert store.source_by_id(source_id).last_error is None
    assert store.counts()["snapshots"] == before["snapshots"] + 1


# -- the narrative's search index ----------------------------------------------------


def _found(store: Store, phrase: str) -> set[tuple[str, int]]:
    """(country, edition) of every section whose own text a search for `phrase` finds."""
    rows = store.db.execute(
        "SELECT country, edition FROM narrative WHERE text_id IN"
        " (SELECT rowid FROM narrative_fts WHERE narrative_fts MATCH ?)",
        [f'"{phrase}"'],
    )
    return set(rows.fetchall())


def _with_markets(text: str) -> Extraction:
    sections = (_profile().sections[0], Section("criminal_markets", "Criminal markets", (text,)))
    return _extraction(replace(_profile(), sections=sections))


def _indexed(store: Store) -> tuple[list[int], list[int]]:
    """The passages' ids, and the search index's rowids."""
    passages = [r[0] for r in store.db.execute("SELECT id FROM passages ORDER BY id")]
    return passages, [r[0] for r in store.db.execute("SELECT rowid FROM narrative_fts ORDER BY 1")]


def test_a_batch_indexes_its_new_passages_when_it_commits_and_only_those_it_kept(
    store: Store, source_id: int
) -> None:
    with store.batched(writes=100, seconds=3600):
        _save(store, source_id, b"<html>1</html>", extraction=_with_markets("Cocaine flows."))
        with pytest.raises(RuntimeError, match="refused"), store.transaction():
            _save(store, source_id, b"<html>2</html>", extraction=_with_markets("Heroin lost."))
            raise RuntimeError("refused after storing a passage")
        # The rolled-back passage's id is given again, to another text.
        _save(store, source_id, b"<html>3</html>", extraction=_with_markets("Timber kept."))
        with pytest.raises(RuntimeError, match="refused"), store.transaction():
            _save(store, source_id, b"<html>4</html>", extraction=_with_markets("Gold lost."))
            raise RuntimeError("refused after storing a passage")  # and its id not given again
        # Written by the store, not by a trigger: nothing indexed before the COMMIT.
        assert _indexed(store) == ([1, 2, 3], [])
    assert _indexed(store) == ([1, 2, 3], [1, 2, 3])
    # Each section found by its own text, the summary (in both snapshots) once.
    assert _found(store, "Cocaine flows") == _found(store, "Timber kept") == {("kyrgyzstan", 2023)}
    assert len(store.db.execute("SELECT * FROM narrative").fetchall()) == 4
    assert _found(store, "Heroin lost") == _found(store, "Gold lost") == set()


def test_outside_a_batch_a_capture_indexes_its_passages_as_it_commits(
    store: Store, source_id: int
) -> None:
    _save(store, source_id, b"<html>1</html>", extraction=_with_markets("Cocaine flows."))
    assert _indexed(store) == ([1, 2], [1, 2])
    _save(
        store, source_id, b"<html>2</html>", extraction=_with_markets("Timber kept."), at=CAPTURE_2
    )
    assert _indexed(store) == ([1, 2, 3], [1, 2, 3])  # the unchanged summary not again
    assert _found(store, "Second — with ü") == {("kyrgyzstan", 2023)}
    # A re-extraction and a release store their snapshots' sections the same way.
    old = store.snapshot(store.source_by_id(source_id).current_snapshot_id or 0)
    store.save_reextraction(old, replace(_with_markets("Arms re-read."), extractor_version="2"))
    store.save_release(
        [_release_row(_with_markets("Arms released."))],
        content=b"release",
        content_type="application/octet-stream",
        captured_at=CAPTURE_3,
        origin=None,
    )
    assert _indexed(store) == ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    assert _found(store, "Arms re-read") == _found(store, "Arms released") != set()
