"""Typed records passed between pipeline stages.

A `Profile` is what one capture of a country profile says; an `Extraction` wraps it
with the extractor's verdict (`complete`, `incomplete`, `not_a_profile`) and reasons.
Every record converts to and from plain JSON-able dicts, which is how snapshots are
stored and how `--json` output is produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    NOT_A_PROFILE = "not_a_profile"


@dataclass(frozen=True)
class Country:
    slug: str
    name: str


@dataclass(frozen=True)
class Score:
    """A published score with the change the page prints beside it, if any.

    `change` is None when the page prints none (2021) or prints `n/a`; `new_this_edition`
    is True only for `n/a`, the publisher's mark for an indicator new in that edition.
    """

    value: float
    change: float | None = None
    new_this_edition: bool = False


@dataclass(frozen=True)
class Rank:
    """`72nd of 193 countries`, `23rd of 46 countries in Asia`.

    `movement` is the size of the move the page prints after the rank (2023 onwards) and
    `direction` the way it printed it: a minus sign for a move towards 1st ("up",
    `59th of 193 countries -11`), none for a move away from it ("down", Kyrgyzstan 81st
    in 2023 printed `85th of 193 countries 4` in 2025), "unchanged" for 0; None where no
    movement is printed. The diff stage reconciles both with the ranks in our history.
    """

    composite: str  # "criminality" or "resilience"
    scope: str  # "global", "continental" or "regional"
    rank: int
    out_of: int
    group: str | None = None
    movement: int | None = None
    direction: str | None = None  # "up" (towards 1st), "down" or "unchanged", as printed

    @property
    def published_change(self) -> int | None:
        """The printed movement as a change of the rank number (81st -> 85th: +4)."""
        if self.movement is None or self.direction is None:
            return None
        return -self.movement if self.direction == "up" else self.movement


def rank_direction(change: int) -> str:
    """The way a change of the rank number goes: a smaller number is up, towards 1st."""
    return "unchanged" if change == 0 else ("up" if change < 0 else "down")


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    pillar: str
    score: Score
    description: str = ""


@dataclass(frozen=True)
class Section:
    """One narrative section; `key` is stable across editions and renderings."""

    key: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """Profile facts; whichever the page shows, numbers as numbers."""

    capital: str | None = None
    population: int | None = None
    gdp_usd_million: float | None = None
    area_km2: float | None = None
    income_group: str | None = None
    geography_type: str | None = None
    gini: float | None = None


@dataclass(frozen=True)
class Document:
    """What a publication says about itself (a related article): title, byline, date."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO date as the publication states it
    publisher: str | None = None  # the site's name


# A membership as two ordered levels: being on the list is the "higher" state.
MEMBERSHIP_LEVELS = ("not on the list", "on the list")


@dataclass(frozen=True)
class Profile:
    country: Country | None
    edition: int | None
    source_url: str | None
    facts: Facts = field(default_factory=Facts)
    composites: dict[str, Score] = field(default_factory=dict)
    ranks: tuple[Rank, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    sections: tuple[Section, ...] = ()
    # Only for documents that are not index profiles (articles): their own metadata.
    document: Document | None = None
    # The index the profile is of (its definition's id): keys below are its measures.
    index: str = "ocindex"
    # Category measures: the level published (`{"status": "Partly Free"}`).
    categories: dict[str, str] = field(default_factory=dict)
    # Membership measures: on the list (True) or not (False).
    memberships: dict[str, bool] = field(default_factory=dict)

    def indicator(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators if i.key == key), None)

    def levels(self) -> dict[str, str]:
        """Every category and membership as the level published (memberships in words)."""
        return self.categories | {
            key: MEMBERSHIP_LEVELS[int(on)] for key, on in self.memberships.items()
        }

    def scores(self) -> dict[str, float]:
        """Every composite and indicator value by key: the shape the diff stage compares."""
        values = {k: s.value for k, s in self.composites.items()}
        values.update({i.key: i.score.value for i in self.indicators})
        return values


@dataclass(frozen=True)
class Reason:
    """Why an extraction is not complete. `code` is machine-readable, `message` for people.

    A `warning` is worth knowing (an unparsed line, an edition inferred) but leaves the
    capture complete; an `error` makes it incomplete.
    """

    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Extraction:
    status: Status
    profile: Profile | None
    reasons: tuple[Reason, ...] = ()
    unparsed_lines: tuple[str, ...] = ()
    extractor: str = ""
    extractor_version: str = ""

    @property
    def has_scores(self) -> bool:
        return self.profile is not None and bool(self.profile.scores())

    @classmethod
    def rejected(cls, reason: Reason, extractor: str, version: str) -> Extraction:
        """`not_a_profile`, for `reason`: what every extractor returns for input it refuses."""
        return cls(
            Status.NOT_A_PROFILE, None, (reason,), extractor=extractor, extractor_version=version
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (tuples as lists). Not `asdict`: its deep copy of every
        value was a third of storing a release's snapshots (issue 16, import speed)."""
        data = plain(self)
        assert isinstance(data, dict)
        return data


# A dataclass's field names, by class: asked once per class, not once per value.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(kind):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names


def record_fields(value: Any) -> dict[str, Any]:
    """A record's fields by name, values as they are: `json.dumps(…, default=record_fields)`
    writes a record as `to_dict` would, in one pass, without the plain copy."""
    names = _field_names(type(value))
    if names is None:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    # A record's own attributes are its fields, in order, unless it holds more (a
    # cache): given as they are, not copied (json.dumps only reads them).
    own = getattr(value, "__dict__", None)
    if own is not None and len(own) == len(names):
        return own  # type: ignore[no-any-return]
    return {name: getattr(value, name) for name in names}


def plain(value: Any) -> Any:
    """Plain data of records for JSON: dicts of their fields, tuples as lists, leaves
    shared, not copied (`dataclasses.asdict` deep-copied every leaf: a third of storing a
    changed cycle's snapshots and of a release's)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _field_names(kind)
    if names is not None:
        return {
            name: item if type(item := getattr(value, name)) in _SCALARS else plain(item)
            for name in names
        }
    if isinstance(value, list | tuple):
        return [item if type(item) in _SCALARS else plain(item) for item in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


@dataclass(frozen=True)
class Finding:
    """Something significant, decided by the rules stage; what digests report.

    `kind`: score, rank, category (a level changed: Partly Free → Not Free), membership
    (added to or removed from a list), methodology, revision, narrative, source_health
    or disagreement (two kinds of source print different values for one edition).
    `severity`: low, medium or high.
    """

    kind: str
    key: str
    severity: str
    message: str
    old: float | None = None
    new: float | None = None
    direction: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _score(d: dict[str, Any]) -> Score:
    return Score(**d)


def profile_from_dict(d: dict[str, Any]) -> Profile:
    return Profile(
        country=Country(**d["country"]) if d.get("country") else None,
        edition=d.get("edition"),
        source_url=d.get("source_url"),
        facts=Facts(**d.get("facts", {})),
        composites={k: _score(v) for k, v in d.get("composites", {}).items()},
        ranks=tuple(Rank(**r) for r in d.get("ranks", ())),
        indicators=tuple(
            Indicator(**{**i, "score": _score(i["score"])}) for i in d.get("indicators", ())
        ),
        sections=tuple(
            Section(key=s["key"], title=s["title"], paragraphs=tuple(s["paragraphs"]))
            for s in d.get("sections", ())
        ),
        document=(
            Document(**{**d["document"], "authors": tuple(d["document"]["authors"])})
            if d.get("document")
            else None
        ),
        index=d.get("index", "ocindex"),
        categories=dict(d.get("categories", {})),
        memberships=dict(d.get("memberships", {})),
    )


def extraction_from_dict(d: dict[str, Any]) -> Extraction:
    return Extraction(
        status=Status(d["status"]),
        profile=profile_from_dict(d["profile"]) if d.get("profile") else None,
        reasons=tuple(Reason(**r) for r in d.get("reasons", ())),
        unparsed_lines=tuple(d.get("unparsed_lines", ())),
        extractor=d.get("extractor", ""),
        extractor_version=d.get("extractor_version", ""),
    )


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt (redirects included), recorded whether it succeeded or not."""

    url: str
    started_at: str  # ISO 8601 UTC
    status_code: int | None
    bytes: int  # body bytes received, after content decoding
    duration_ms: float
    error: str | None  # None on success and on 304
