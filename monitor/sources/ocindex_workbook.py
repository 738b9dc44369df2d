"""The publisher's dataset workbook: every country's scores, one sheet per edition."""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from monitor.extract.workbook import VERSION, not_a_profile, read_workbook
from monitor.models import Extraction, Reason
from monitor.sources import Release, ReleaseRow, SourceKind, register

WORKBOOK_PATH = "/assets/downloads/global_oc_index.xlsx"

# All sources of one workbook share its bytes: read them once, not once per country.
workbook_reading = lru_cache(maxsize=2)(read_workbook)


@register
class OcindexWorkbook(SourceKind):
    """Global Organized Crime Index dataset workbook on ocindex.net (XLSX; a copy saved
    as legacy XLS or ODS reads the same).

    One document holds every country and edition (sheets `2021_dataset`, `2023_dataset`,
    …); each country and edition is its own source, addressed by the URL's fragment
    (`…/global_oc_index.xlsx#2023/kyrgyzstan`; without a year, the workbook's latest
    edition). Scores as published, ranks computed over each sheet, every row checked
    with the index's arithmetic. A source gets a new snapshot only when its own row
    changes, and a changed value within an edition is reported as a revision.
    `monitor import-workbook` loads every row of a workbook at once.
    """

    name = "ocindex_workbook"
    label = "row in the dataset workbook"
    version = VERSION
    default_base_url = "https://ocindex.net"
    options: ClassVar[dict[str, str]] = {"base_url": "site root (default https://ocindex.net)"}
    per_edition = False
    shared_document = True
    revised_in_place = True

    def document_url(self) -> str:
        return f"{self.base_url}{WORKBOOK_PATH}"

    def url(self, country: str, edition: int | None) -> str:
        return self.row_url(self.document_url(), country, edition)

    def read_release(self, content: bytes) -> Release:
        reading = workbook_reading(content)
        rows = tuple(
            ReleaseRow(country, edition, extraction.status)
            for edition, sheet in reading.sheets.items()
            for country, extraction in sheet.rows.items()
        )
        warnings = tuple(w for sheet in reading.sheets.values() for w in sheet.warnings)
        return Release(rows, tuple(reading.errors), warnings)

    def locate(self, url: str) -> tuple[str, int | None] | None:
        return self.row_of(url)

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        located = self.locate(url or "")
        if located is None:
            return not_a_profile(
                Reason(
                    "no_row_named",
                    "a workbook holds every country: name one in the URL's fragment, "
                    f"e.g. {self.url('kyrgyzstan', 2023)}",
                )
            )
        country, year = located
        return workbook_reading(content).extraction(country, year or edition, url=url)
