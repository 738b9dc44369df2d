"""Score keys as people type them and as tables list them: catalogue order, pillars."""

from __future__ import annotations

from monitor.catalogue import INDICATORS, composite_key, indicator_spec
from monitor.models import CRIMINALITY, Pillar


def _pillar_keys(pillar: Pillar) -> tuple[str, ...]:
    """A pillar's own key, then its indicators' in catalogue order."""
    return (pillar.value, *(s.key for s in INDICATORS if s.pillar == pillar))


# The order of the index's own profile: criminality, then each pillar before its indicators.
ORDER: tuple[str, ...] = (CRIMINALITY, *(key for p in Pillar for key in _pillar_keys(p)))
_POSITION = {key: n for n, key in enumerate(ORDER)}

# `--pillar` choices: the three pillars, and criminality for markets and actors together.
PILLARS: dict[str, frozenset[str]] = {p.value: frozenset(_pillar_keys(p)) for p in Pillar}
PILLARS[CRIMINALITY] = frozenset(
    {CRIMINALITY} | PILLARS[Pillar.CRIMINAL_MARKETS.value] | PILLARS[Pillar.CRIMINAL_ACTORS.value]
)


def resolve_key(text: str) -> str | None:
    """The score key any known spelling names: `criminality`, `Criminal markets`,
    `human-trafficking`, `Cyber crimes`; None when it names no score."""
    spec = indicator_spec(text)
    return spec.key if spec is not None else composite_key(text)


def sort_key(key: str) -> tuple[int, str]:
    """Catalogue order; keys the catalogue does not know come last, alphabetically."""
    return _POSITION.get(key, len(ORDER)), key
