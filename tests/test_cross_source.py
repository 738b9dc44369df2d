"""Cross-source reconciliation: a page and the workbook disagreeing on a country's edition."""

from __future__ import annotations

from monitor.config.settings import Config
from monitor.diff.cross_source import Reading, disagreements
from monitor.ops.cycle import ingest
from monitor.ops.workbook_import import import_workbook
from monitor.sources import get_kind
from monitor.store import Store
from monitor.store.findings import findings
from tests.helpers.xlsx import FIXTURES, fixture_scores, row, sheet, write

PAGE = "ocindex-page-2023-cote-divoire"
PLACE = {"continent": "Africa", "region": "West Africa", "country": "Côte d'Ivoire"}


def workbook(path, **changes: float):
    """A 2023 sheet holding Côte d'Ivoire's row (the fixture's workbook figures)."""
    scores = fixture_scores(f"{PAGE}.txt") | changes
    return write(path, {"2023_dataset": sheet(2023, [row(2023, PLACE, scores)])})


def ingest_page(config: Config, store: Store, suffix: str = "html"):
    url = get_kind("ocindex_page").url("cote_divoire", 2023)
    return ingest(config, store, [FIXTURES / f"{PAGE}.{suffix}"], url=url, kind_name="ocindex_page")


def test_a_value_the_page_and_the_workbook_print_differently_is_a_finding(tmp_path):
    config = Config(None, tmp_path)
    # 6.01 is still the mean of markets 5.93 and actors 6.10 to the rounding: a complete row.
    altered = workbook(tmp_path / "wb.xlsx", criminality=6.01)
    with Store.open(config.database) as store:
        ingest_page(config, store)
        report = import_workbook(store, altered, config=config)
        # The page again, as text: new bytes, the same values: not reported again.
        again = ingest_page(config, store, "txt")
        stored = findings(store)
    assert again[0].change == "new_snapshot"
    [finding] = report.findings
    assert stored == [finding]
    assert (finding.kind, finding.key, finding.old, finding.new) == (
        "disagreement",
        "criminality:ocindex_page",
        6.02,
        6.01,
    )
    assert finding.message == (
        "Criminality (2023) disagrees between sources: ocindex_workbook:cote_divoire:2023 has "
        "6.01, ocindex_page:cote_divoire:2023 has 6.02"
    )
    assert finding.detail["sources"] == {
        "ocindex_workbook": "ocindex_workbook:cote_divoire:2023",
        "ocindex_page": "ocindex_page:cote_divoire:2023",
    }


def test_the_same_figures_from_both_sources_agree(tmp_path):
    config = Config(None, tmp_path)
    with Store.open(config.database) as store:
        import_workbook(store, workbook(tmp_path / "wb.xlsx"), config=config)
        ingest_page(config, store)
        assert findings(store) == []


def test_only_other_kinds_and_visible_differences_count():
    mine = Reading("ocindex_page:x:2023", "ocindex_page", 1, {"criminality": 6.02})
    same_kind = Reading("ocindex_page:x:current", "ocindex_page", 2, {"criminality": 5.0})
    noise = Reading("ocindex_workbook:x:2023", "ocindex_workbook", 3, {"criminality": 6.0200001})
    assert disagreements(mine, [same_kind, noise], edition=2023) == []
    other = Reading("ocindex_pdf:x:2023", "ocindex_pdf", 4, {"criminality": 6.03, "other": 1.0})
    [found] = disagreements(mine, [other], edition=2023)
    # Reported once, whichever side found it first.
    assert disagreements(other, [mine], edition=2023, reported=[found]) == []
