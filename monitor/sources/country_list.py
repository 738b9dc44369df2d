"""A published list of countries (FATF's statements, the EU's high-risk third countries),
read through its index's definition: each membership measure is one list."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import ClassVar
from urllib.parse import urldefrag

from monitor.extract.country_list import Listing, read_listing
from monitor.extract.validate import Expectations, validate
from monitor.identity import countries
from monitor.indices import IndexDefinition
from monitor.models import Country, Document, Extraction, Profile, Reason, Status
from monitor.sources import IndexReleaseKind, Release, ReleaseRow, register

VERSION = "1"


@register
class CountryList(IndexReleaseKind):
    """A page listing countries: FATF's "High-Risk Jurisdictions subject to a Call for
    Action" and "Jurisdictions under Increased Monitoring", the EU's high-risk third
    countries. Watched under the index's id (`fatf`, `eu_high_risk`), whose definition
    has `[source] kind = "country_list"` and one membership measure per list: the
    measure's name and aliases are the headings the list may be printed under.

    The lists are found in the page's text, not at a fixed place: under a short block
    naming the list, the countries named by list items, headings or paragraphs (one
    per country, `Iran – …` too), up to the next heading that is no country's. Names
    resolve like every publisher's (`Myanmar¹`, `Democratic People's Republic of Korea
    (DPRK)`, `Lao PDR`). Every watched country gets its membership of each list (on it
    or not) per publication, so a country added or removed is a membership finding.
    A publication is keyed by the date the page states (the latest date in its title
    and the text before its first list: `21 February 2025` is edition 2025), else by the
    capture's year. A page with no list found (a maintenance page, headings with no
    list), cut off before its closing tag, or with a list shorter than the floor its
    definition declares (`[source] min_listed`) is not a publication: a failed check,
    never a list of removals. A page missing one of the definition's lists is stored
    as incomplete and compared with nothing.
    """

    name = "country_list"
    label = "list"
    unread = "no country is taken as added to or removed from its lists"
    version = VERSION
    options: ClassVar[dict[str, str]] = {
        "base_url": "the list page's URL (default: the definition's [source] url)"
    }

    def _index(self) -> IndexDefinition:
        if self.definition is None or not self.definition.of_kind("membership"):
            raise ValueError(
                "the country_list kind reads an index's lists: watch it under the index's "
                'id (whose definition has [source] kind = "country_list" and memberships)'
            )
        return self.definition

    def read_release(self, content: bytes) -> Release:
        definition = self._index()
        listing = read(content, definition)
        if listing.problems:
            return Release((), tuple(listing.problems), tuple(listing.warnings))
        status = Status.INCOMPLETE if listing.missing else Status.COMPLETE
        edition = _edition(listing)
        listed = {c.key for names in listing.lists.values() for c in names}
        # Every country, on a list or not: leaving a list is a row too.
        keys = sorted(listed | {c.key for c in countries()})
        rows = tuple(ReleaseRow(key, edition, status) for key in keys)
        return Release(rows, (), tuple(listing.warnings))

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        definition = self._index()
        listing = read(content.encode() if isinstance(content, str) else content, definition)
        if listing.problems:
            return _rejected(*listing.problems)
        located = self.locate(url or "")
        if located is None:
            # `monitor extract FILE`: say what the page lists, for want of a country.
            sizes = "; ".join(
                f"{len(names)} on {m.name if (m := definition.measure(key)) else key}"
                for key, names in listing.lists.items()
            )
            dated = listing.published.isoformat() if listing.published else "no date"
            page = urldefrag(url or "").url or "…/page.html"
            return _rejected(
                Reason(
                    "no_row_named",
                    f"the page ({dated}) lists {sizes}; a membership is a country's: name "
                    f"one in the URL's fragment ({page}#kenya)",
                )
            )
        key, wanted = located
        published = _edition(listing)
        if (wanted or edition) not in (None, published):
            return _rejected(
                Reason(
                    "other_edition",
                    f"the page is the {published} publication, not {wanted or edition}",
                )
            )
        on = {c.key: c for names in listing.lists.values() for c in names}
        known = on.get(key) or next((c for c in countries() if c.key == key), None)
        country = Country(key, known.name if known else key)
        profile = Profile(
            country,
            published,
            url,
            index=definition.id,
            memberships={
                measure: any(c.key == key for c in names)
                for measure, names in listing.lists.items()
            },
            document=Document(
                title=listing.title,
                published=listing.published.isoformat() if listing.published else None,
                publisher=definition.publisher,
            ),
        )
        reasons = list(listing.warnings)
        if listing.published is None:
            reasons.append(
                Reason(
                    "edition_from_capture",
                    f"the page states no date: taken as the {published} publication",
                    {},
                    "warning",
                )
            )
        for missing in listing.missing:
            measure = definition.measure(missing)
            reasons.append(
                Reason(
                    "list_not_found",
                    f"{measure.name if measure else missing}: no list found under its heading",
                    {"key": missing},
                )
            )
        reasons += validate(profile, Expectations(ranks=False, sections=False), definition.id)
        status = Status.INCOMPLETE if any(r.is_error for r in reasons) else Status.COMPLETE
        return Extraction(
            status, profile, tuple(reasons), extractor="country_list", extractor_version=VERSION
        )


@lru_cache(maxsize=4)
def read(content: bytes, definition: IndexDefinition) -> Listing:
    """The page's lists, read once however many watched countries it is extracted for."""
    lists = definition.of_kind("membership")
    listing = read_listing(content, {m.key: (m.name, *m.aliases) for m in lists})
    floors = definition.source.get("min_listed", {})
    for measure in lists:
        listed = len(listing.lists.get(measure.key, ()))
        if 0 < listed < floors.get(measure.key, 0):
            # Fewer than any real publication holds: a partial page (a list cut short, a
            # "show more" not followed), whose missing countries must not read as removed.
            listing.problems.append(
                Reason(
                    "list_too_short",
                    f"{measure.name}: {listed} countries listed, fewer than the "
                    f"{floors[measure.key]} every publication holds (source.min_listed)",
                    {"key": measure.key, "listed": listed},
                )
            )
    return listing


def _edition(listing: Listing) -> int:
    # No date in the page: the publication is this capture's (extraction happens at capture).
    return listing.published.year if listing.published else datetime.now(UTC).year


def _rejected(*reasons: Reason) -> Extraction:
    return Extraction(
        Status.NOT_A_PROFILE, None, reasons, extractor="country_list", extractor_version=VERSION
    )
