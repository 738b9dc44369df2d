"""The ocindex.net PDF country summary."""

from __future__ import annotations

from typing import ClassVar

from monitor.extract.ocindex_pdf import VERSION, extract_pdf, pdf_slug_year
from monitor.identity import canonical_slug
from monitor.models import Extraction
from monitor.sources import SourceKind, register


@register
class OcindexPdf(SourceKind):
    """Global Organized Crime Index PDF country summary (ocindex_profile_<slug>_<year>.pdf).

    The narrative only: its sections compare sentence by sentence with the page's (same
    section keys; quotes, dashes and hyphenation normalised). The summary prints its
    scores as graphics, so a complete summary is narrative-only: text deltas, never
    score findings. Running headers, footers and page numbers are removed and words
    hyphenated across lines rejoined. A corrupt, encrypted, image-only or oversized PDF
    (over 100 pages, 2 million characters or 15 s of reading), or an HTML page served
    in its place, is not a profile. PDFs have dated URLs only: list edition years
    (editions = [2025]), not "current".
    """

    name = "ocindex_pdf"
    label = "PDF summary"
    version = VERSION
    default_base_url = "https://ocindex.net"
    options: ClassVar[dict[str, str]] = {"base_url": "site root (default https://ocindex.net)"}

    def url(self, country: str, edition: int | None) -> str:
        if edition is None:
            raise ValueError(
                "PDF summaries have dated URLs only: list edition years (editions = [2025]), "
                'not "current"'
            )
        return (
            f"{self.base_url}/assets/downloads/{edition}/english/"
            f"ocindex_profile_{country}_{edition}.pdf"
        )

    def locate(self, url: str) -> tuple[str, int | None] | None:
        slug, year = pdf_slug_year(url)
        return (canonical_slug(slug), year) if slug else None

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        return extract_pdf(content, url=url, edition=edition)
