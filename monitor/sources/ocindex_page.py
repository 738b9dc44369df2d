"""The ocindex.net country page."""

from __future__ import annotations

from typing import ClassVar

from monitor.extract.ocindex_page import VERSION, extract_page, url_slug, url_year
from monitor.identity import canonical_slug
from monitor.models import Extraction
from monitor.sources import SourceKind, register


@register
class OcindexPage(SourceKind):
    """Global Organized Crime Index country page on ocindex.net (HTML).

    Scores, ranks, indicators with their published changes, profile facts and the
    narrative analysis; every edition's layout (2021, 2023, 2025). Without an edition the
    undated URL is watched, which serves whichever edition is current.
    """

    name = "ocindex_page"
    label = "profile page"
    version = VERSION
    default_base_url = "https://ocindex.net"
    options: ClassVar[dict[str, str]] = {"base_url": "site root (default https://ocindex.net)"}

    def url(self, country: str, edition: int | None) -> str:
        year = f"/{edition}" if edition else ""
        return f"{self.base_url}{year}/country/{country}"

    def locate(self, url: str) -> tuple[str, int | None] | None:
        slug = url_slug(url)
        return (canonical_slug(slug), url_year(url)) if slug else None

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        return extract_page(content, url=url, content_type=content_type, edition=edition)
