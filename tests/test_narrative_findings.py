"""Every narrative edit is heard: one finding per sentence replaced, added, removed or
moved, at default settings; renderings (whitespace, quotes, dashes, soft hyphens, PDF
hyphenation) never count. Pages are the demo's, ingested as 2021 then 2023."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from monitor.config.settings import Config
from monitor.demo import build_profile, load_figures
from monitor.diff.sentences import normalise, sentences
from monitor.models import Profile, Section
from monitor.notify.deliver import preview
from monitor.notify.render import Templates
from monitor.store import Store
from tests.helpers.notifying import ingest_editions

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
# Replaces "Seizures connected to human trafficking are reported irregularly, which makes
# trends difficult to read." (a wholly unrelated sentence would be one removed, one added).
REPLACEMENT = (
    "Seizures connected to human trafficking are reported monthly, which makes trends easier"
    " to read."
)
INSERTED = "Satellite imagery shows new clearings along the southern valleys."


def _rendered_differently(text: str) -> str:
    """The same words as another rendering would print them."""
    text = text.replace("Well-connected", "Wellconnected")  # hyphen lost at a PDF line end
    text = text.replace("cross-border", "cross\u2011border")  # non-breaking hyphen
    text = text.replace(", ", " ,  ".replace(" ,", ","))  # doubled spaces
    text = text.replace("illicit", "il\u00adlicit")  # a soft hyphen
    text = text.replace(" - ", " \u2014 ").replace("'", "\u2019")  # em dash, curly quote
    return f"  {text}\n"


def _edited(profile_2021: Profile) -> tuple[Section, ...]:
    sections = []
    for s in profile_2021.sections:
        said = [sentences([p]) for p in s.paragraphs]
        if s.key == "people":  # the second sentence replaced by a reworded one
            said[0][1] = REPLACEMENT
        elif s.key == "environment":  # one inserted in the first paragraph, one deleted
            said[0].insert(1, INSERTED)
            del said[-1][1]
        elif s.key == "trade":  # the first sentence moved to the end
            said[0].append(said[0].pop(0))
        paragraphs = tuple(_rendered_differently(" ".join(p)) for p in said)
        sections.append(replace(s, paragraphs=paragraphs))
    return tuple(sections)


def test_one_replaced_inserted_deleted_and_moved_sentence_are_four_findings(tmp_path: Path):
    entry = load_figures()["countries"]["kyrgyzstan"]
    before = build_profile("kyrgyzstan", entry["workbook_name"], 2021, entry["editions"])
    people, environment = before.sections[0], before.sections[2]
    assert (people.key, environment.key) == ("people", "environment")
    deleted = sentences([environment.paragraphs[-1]])[1]
    moved = sentences([before.sections[1].paragraphs[0]])[0]
    replaced = sentences([people.paragraphs[0]])[1]

    def edit(profile: Profile) -> Profile:
        return replace(profile, sections=_edited(before))

    config = Config(None, tmp_path / "data")
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"], edit=edit)
        digest = preview(store, config, None, now=NOW)
    narrative = [i.finding for i in digest.items if i.finding.kind == "narrative"]
    found = sorted((f.detail["section"], f.detail["change"]) for f in narrative)
    assert found == [
        ("environment", "added"),
        ("environment", "removed"),
        ("people", "reworded"),
        ("trade", "moved"),
    ]
    said = {
        (f.detail["change"], side): normalise(f.detail[side])
        for f in narrative
        for side in ("old", "new")
    }
    assert said["added", "new"] == INSERTED and said["removed", "old"] == normalise(deleted)
    assert said["reworded", "old"] == normalise(replaced) and said["reworded", "new"] == REPLACEMENT
    assert said["moved", "new"] == normalise(moved)
    assert all(f.severity == "low" for f in narrative)  # a few sentences: low, but heard
    text = Templates().text(digest)  # the digest shows the four
    for sentence in (INSERTED, deleted, moved):
        assert normalise(sentence) in normalise(text)
    assert "[-irregularly,-] {+monthly,+}" in " ".join(text.split())
