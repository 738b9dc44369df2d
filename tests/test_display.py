"""The terminal's view of one extraction (`monitor show`, `monitor extract`)."""

from __future__ import annotations

from rich.console import Console

from monitor.cli.display import extraction_view, status_view
from monitor.identity import lookup
from monitor.models import Country, Extraction, Profile, Rank, Score, Status
from monitor.ops.status import StatusReport


def shown(profile: Profile) -> str:
    console = Console(width=100, record=True, color_system=None)
    console.print(extraction_view(Extraction(Status.COMPLETE, profile)))
    return console.export_text()


def kyrgyzstan() -> Country:
    known = lookup("kyrgyzstan")
    assert known is not None
    return Country(known.key, known.name)


def test_another_index_shows_its_own_scores_and_status():
    profile = Profile(
        kyrgyzstan(),
        2024,
        None,
        composites={"total": Score(27.0)},
        index="fiw",
        categories={"status": "Not Free"},
    )
    text = shown(profile)
    assert "Kyrgyzstan — 2024" in text
    assert "Total" in text and "27.00" in text
    assert "Status and lists" in text and "Not Free" in text


def test_a_rank_stored_before_directions_were_read_shows_its_size_alone():
    old = Rank("criminality", "global", 81, 193, movement=9)  # no direction recorded
    new = Rank("criminality", "global", 85, 193, movement=4, direction="down")
    rows = {
        cells[0].strip(): cells[3].strip()
        for line in shown(Profile(kyrgyzstan(), 2025, None, ranks=(old, new))).splitlines()
        if len(cells := line.strip("│ ").split("│")) == 4 and "criminality" in cells[0]
    }
    assert rows == {"criminality 81": "9", "criminality 85": "down 4 places (better)"}


def test_status_says_owed_findings_in_words():
    # The audit: "findings not yet in a digest: digest: 1", a channel's name as a key.
    report = StatusReport((), 0, 0, 0, {"digest": 1, "team": 2}, 0, {"snapshots": 3})
    console = Console(width=100, record=True, color_system=None)
    console.print(status_view(report))
    text = " ".join(console.export_text().split())
    assert "findings not yet in a digest: 1 for channel digest, 2 for channel team" in text
