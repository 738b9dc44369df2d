"""Score keys as people type them and as tables list them: catalogue order, pillars."""

from __future__ import annotations

from monitor.indices.catalogue import OCINDEX, composite_key, indicator_spec

# The order of the index's own profile, as its definition lists the measures:
# criminality, then each pillar before its indicators.
ORDER: tuple[str, ...] = tuple(m.key for m in OCINDEX.of_kind("score"))
_POSITION = {key: n for n, key in enumerate(ORDER)}


def _under(key: str) -> frozenset[str]:
    """A score and every score below it in the hierarchy."""
    return frozenset({key}).union(*(_under(c.key) for c in OCINDEX.children(key)))


# `--pillar` choices: the three pillars, and criminality for markets and actors together.
PILLARS: dict[str, frozenset[str]] = {
    m.key: _under(m.key) for m in OCINDEX.of_kind("score") if m.level != "indicator"
}


def resolve_key(text: str) -> str | None:
    """The score key any known spelling names: `criminality`, `Criminal markets`,
    `human-trafficking`, `Cyber crimes`; None when it names no score."""
    spec = indicator_spec(text)
    return spec.key if spec is not None else composite_key(text)


def sort_key(key: str) -> tuple[int, str]:
    """Catalogue order; keys the catalogue does not know come last, alphabetically."""
    return _POSITION.get(key, len(ORDER)), key
