"""Source kinds: what can be watched, as a registry of plug-ins.

A kind knows where a country's document lives and how to extract it. A new kind is one
module in this package, named as the kind, defining a `SourceKind` subclass decorated with
`@register`; modules here are discovered, so nothing else needs editing. The class
docstring is the kind's user documentation (`monitor kinds` prints it).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote, urldefrag

from monitor.config.settings import Config
from monitor.identity import lookup, territory
from monitor.indices import IndexDefinition, find, index_ids
from monitor.models import Extraction, Reason, Status

# A shared document's row as its URL's fragment: `#2023/kyrgyzstan`, or `#kyrgyzstan`
# for the document's latest edition.
_ROW_FRAGMENT = re.compile(r"^(?:(\d{4})/)?([^/]+)$")


@dataclass(frozen=True)
class ReleaseRow:
    """One (country, edition) a release holds, and how its reading went."""

    country: str
    edition: int
    status: Status


@dataclass(frozen=True)
class Release:
    """A whole document of a shared-document kind, read once: every row it holds.

    `errors` stop the import of the whole document (nothing is stored); `warnings` are
    worth saying (a column not recognised) but stop nothing."""

    rows: tuple[ReleaseRow, ...]
    errors: tuple[Reason, ...] = ()
    warnings: tuple[Reason, ...] = ()


class SourceKind:
    """Base class of source kinds."""

    name: ClassVar[str]
    # What a reader calls one such document, after a country's name: "profile page".
    # A generic kind's is its index's short name and this word ("CPI release"; a
    # definition's `[source] document` may give another word: "FATF statement").
    label: ClassVar[str] = "document"
    # Said of a capture that could not be read, after why (a `broken` condition).
    unread: ClassVar[str] = "no scores are taken from it"
    # The extractor's version: stored raw documents read by an older one are re-read.
    version: ClassVar[str] = "1"
    default_base_url: ClassVar[str] = ""
    # Options a `[kinds.<name>]` config table may set, with what each means.
    options: ClassVar[dict[str, str]] = {}
    # Whether the kind has one document per edition (pages, PDFs) or one overall.
    per_edition: ClassVar[bool] = True
    # One document holding many sources (a dataset workbook's rows): a source's snapshot
    # is identified by what was read for it, not by the whole document's bytes.
    shared_document: ClassVar[bool] = False
    # A changed value within one edition is the publisher revising it (a `revision`
    # finding), not a movement (a `score` finding): true of a dataset of record.
    revised_in_place: ClassVar[bool] = False
    # Whether each document is named by a `url` in its [[watch]] entry (an article on
    # another publisher's site) instead of being built from country and edition.
    takes_url: ClassVar[bool] = False

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")

    def url(self, country: str, edition: int | None) -> str:
        """The document's URL; ValueError (with a message for the user) when this kind
        cannot watch that edition."""
        raise NotImplementedError

    def locate(self, url: str) -> tuple[str, int | None] | None:
        """The (country slug, edition) a URL of this kind is for, or None if it can't tell."""
        raise NotImplementedError

    def extract(
        self,
        content: bytes | str,
        *,
        url: str | None = None,
        content_type: str | None = None,
        edition: int | None = None,
    ) -> Extraction:
        raise NotImplementedError

    def document_url(self) -> str:
        """A shared document's own URL (where `monitor import-workbook` fetches it)."""
        raise NotImplementedError

    def read_release(self, content: bytes) -> Release:
        """Every row a shared document holds (kinds with `shared_document` only)."""
        raise NotImplementedError

    @staticmethod
    def row_url(document_url: str, country: str, edition: int | None) -> str:
        """One row's URL in a shared document: the document's, the row as its fragment."""
        row = f"{edition}/{country}" if edition else country
        return f"{urldefrag(document_url).url}#{row}"

    @staticmethod
    def row_of(url: str) -> tuple[str, int | None] | None:
        """The (country key, edition) a `row_url` names, or None."""
        match = _ROW_FRAGMENT.match(unquote(urldefrag(url).fragment))
        # A territory a dataset scores (Hong Kong, Kosovo) is a row under its own key.
        country = (lookup(match[2]) or territory(match[2])) if match else None
        if match is None or country is None:
            return None
        return country.key, int(match[1]) if match[1] else None

    @classmethod
    def for_index(cls, definition: IndexDefinition, base_url: str | None = None) -> SourceKind:
        """This kind reading `definition`'s publication (generic kinds only: a definition
        whose `[source] kind` names it is watched under the index's id)."""
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


class IndexReleaseKind(SourceKind):
    """A generic kind reading one index's publication: a document shared by its rows
    (one a country and edition, named by `row_url`), watched under the index's id."""

    per_edition = False
    shared_document = True
    definition: IndexDefinition | None = None

    @classmethod
    def for_index(cls, definition: IndexDefinition, base_url: str | None = None) -> SourceKind:
        kind = cls(base_url or str(definition.source.get("url", "")))
        kind.definition = definition
        kind.name = definition.id  # the index's id names its source kind everywhere
        return kind

    def document_url(self) -> str:
        return self.base_url

    def url(self, country: str, edition: int | None) -> str:
        return self.row_url(self.document_url(), country, edition)

    def locate(self, url: str) -> tuple[str, int | None] | None:
        return self.row_of(url)


# The package's modules; a kind named `x` is defined in the module `x`.
_MODULES = tuple(module.name for module in pkgutil.iter_modules(__path__))


class _Registry(Mapping[str, type[SourceKind]]):
    """The kinds by name. Looking one up imports its module only, so a cycle loads the
    extractors of the kinds it reads, not all of them (tens of milliseconds at every
    start-up); listing the kinds imports every module of the package."""

    def __init__(self) -> None:
        self._known: dict[str, type[SourceKind]] = {}
        self._complete = False

    def add(self, cls: type[SourceKind]) -> None:
        if self._known.get(cls.name, cls) is not cls:
            raise ValueError(f"source kind {cls.name!r} registered twice")
        if cls.__module__.startswith(f"{__name__}.") and cls.__module__ != f"{__name__}.{cls.name}":
            # Else a lookup by name would not find it before every kind is listed.
            raise ValueError(f"source kind {cls.name!r} must be defined in {__name__}.{cls.name}")
        self._known[cls.name] = cls

    def __getitem__(self, name: str) -> type[SourceKind]:
        if name not in self._known and name in _MODULES:
            importlib.import_module(f"{__name__}.{name}")
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(list(self._known))

    def __len__(self) -> int:
        self._discover()
        return len(self._known)

    def _discover(self) -> None:
        if self._complete:
            return
        for module in _MODULES:
            importlib.import_module(f"{__name__}.{module}")
        # The package's kinds in module order, then any registered from elsewhere.
        ordered = {name: self._known[name] for name in _MODULES if name in self._known}
        self._known = ordered | self._known
        self._complete = True


KINDS = _Registry()


def register(cls: type[SourceKind]) -> type[SourceKind]:
    KINDS.add(cls)
    return cls


def kind_class(name: str) -> type[SourceKind] | None:
    """The class of kind `name`: a registered kind, or the generic kind an index named
    `name` declares in its `[source]` table (the index's id names its source kind)."""
    if name in KINDS:
        return KINDS[name]
    definition = find(name)
    return KINDS.get(str(definition.source.get("kind", ""))) if definition else None


def kind_label(name: str) -> str:
    """What a reader calls a document of kind `name`: "profile page", "CPI release" (an
    index read by a generic kind), the name itself when no kind is known by it."""
    cls = kind_class(name)
    if cls is None:
        return name
    if name in KINDS:
        return cls.label
    definition = find(name)
    assert definition is not None  # kind_class found it
    word = str(definition.source.get("document", cls.label))
    return f"{definition.short_name} {word}"


def get_kind(name: str, base_url: str | None = None) -> SourceKind:
    cls = kind_class(name)
    if cls is None:
        known = ", ".join(sorted(KINDS))
        # An index's id names its source kind too (`--kind cpi`): say which ids do.
        indices = ", ".join(i for i in index_ids() if kind_class(i) is not None)
        raise KeyError(f"unknown source kind {name!r} (known: {known}; indices: {indices})")
    if name in KINDS:
        return cls(base_url)
    definition = find(name)
    assert definition is not None  # kind_class found it
    return cls.for_index(definition, base_url)


def configured_kind(config: Config, name: str) -> SourceKind:
    """The kind `name` as the config sets it up (its `[kinds.<name>] base_url`)."""
    return get_kind(name, config.base_url(name))


def extract_safely(
    kind: SourceKind,
    content: bytes | str,
    *,
    url: str | None = None,
    content_type: str | None = None,
    edition: int | None = None,
) -> Extraction:
    """Run a kind's extractor; a bug in it becomes a clear `not_a_profile`, never a crash
    of the whole cycle and never invented scores."""
    try:
        return kind.extract(content, url=url, content_type=content_type, edition=edition)
    except Exception as exc:  # the cycle must go on for other sources
        reason = Reason(
            "extractor_error",
            f"the {kind.name} extractor failed: {type(exc).__name__}: {exc}",
            {"exception": type(exc).__name__},
        )
        return Extraction(Status.NOT_A_PROFILE, None, (reason,), extractor=kind.name)


def extract(
    content: bytes | str,
    *,
    kind: str = "ocindex_page",
    url: str | None = None,
    content_type: str | None = None,
    edition: int | None = None,
) -> Extraction:
    """Extract a capture with the named source kind (`monitor extract`); never raises
    for bad content, which comes back as `not_a_profile` with its reasons."""
    return extract_safely(
        get_kind(kind), content, url=url, content_type=content_type, edition=edition
    )
