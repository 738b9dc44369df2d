"""Self-checks of an extracted profile, using the index's own arithmetic.

Each pillar score is the mean of its indicators, and criminality is the mean of markets
and actors; both are published rounded to two decimals. So a capture that lost an
indicator betrays itself, and the published mean even says roughly what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.catalogue import (
    COMPOSITE_NAMES,
    expected_indicators,
    expected_rank_scopes,
    expected_sections,
    indicator_spec,
)
from monitor.models import CRIMINALITY, Pillar, Profile, Reason

TOLERANCE = 0.01 + 1e-9


@dataclass(frozen=True)
class Expectations:
    """What a source kind should carry: a page has it all; a PDF summary only narrative."""

    scores: bool = True
    ranks: bool = True
    sections: bool = True


def validate(profile: Profile, expect: Expectations = Expectations()) -> list[Reason]:
    reasons: list[Reason] = []
    if expect.scores:
        reasons += _check_composites(profile)
        for pillar in Pillar:
            reasons += _check_pillar(profile, pillar)
        reasons += _check_criminality(profile)
        reasons += _check_unexpected(profile)
    if expect.ranks:
        reasons += _check_ranks(profile)
    if expect.sections:
        reasons += _check_sections(profile)
    return reasons


def _check_composites(profile: Profile) -> list[Reason]:
    missing = [k for k in COMPOSITE_NAMES if k not in profile.composites]
    if not missing:
        return []
    return [
        Reason(
            "missing_composites",
            f"composite scores not found: {', '.join(missing)}",
            {"missing": missing},
        )
    ]


def _check_pillar(profile: Profile, pillar: Pillar) -> list[Reason]:
    if profile.edition is None:
        return []
    expected = expected_indicators(profile.edition, pillar)
    found = [i for i in profile.indicators if i.pillar == pillar.value]
    found_keys = {i.key for i in found}
    missing = [s.key for s in expected if s.key not in found_keys]
    published = profile.composites.get(pillar.value)
    total = sum(i.score.value for i in found)
    if missing:
        detail: dict[str, object] = {
            "pillar": pillar.value,
            "found": len(found),
            "expected": len(expected),
            "missing": missing,
        }
        message = f"{pillar.value}: {len(found)} of {len(expected)} indicators found"
        if published is not None:
            # What the missing indicators must add up to for the published mean to hold.
            implied = published.value * len(expected) - total
            each = implied / len(missing)
            detail |= {"published_mean": published.value, "implied_value": round(each, 2)}
            one = "one missing" if len(missing) == 1 else f"{len(missing)} missing"
            message += (
                f", published mean {published.value:.2f} implies {one} "
                f"({', '.join(missing)}), value ≈ {round(each * 2) / 2:g}"
            )
        return [Reason("missing_indicators", message, detail)]
    if published is None or not found:
        return []
    mean = total / len(found)
    if abs(mean - published.value) <= TOLERANCE:
        return []
    return [
        Reason(
            "pillar_mean_mismatch",
            f"{pillar.value}: indicators average {mean:.3f} but the page publishes "
            f"{published.value:.2f}",
            {"pillar": pillar.value, "mean": round(mean, 4), "published": published.value},
        )
    ]


def _check_criminality(profile: Profile) -> list[Reason]:
    c = profile.composites
    parts = [c.get(Pillar.CRIMINAL_MARKETS.value), c.get(Pillar.CRIMINAL_ACTORS.value)]
    criminality = c.get(CRIMINALITY)
    if criminality is None or None in parts:
        return []
    mean = (parts[0].value + parts[1].value) / 2  # type: ignore[union-attr]
    if abs(mean - criminality.value) <= TOLERANCE:
        return []
    return [
        Reason(
            "criminality_mismatch",
            f"criminality {criminality.value:.2f} is not the mean of markets and actors "
            f"({mean:.3f})",
            {"published": criminality.value, "mean": round(mean, 4)},
        )
    ]


def _check_unexpected(profile: Profile) -> list[Reason]:
    if profile.edition is None:
        return []
    reasons = []
    for indicator in profile.indicators:
        spec = indicator_spec(indicator.key)
        if spec is not None and spec.since > profile.edition:
            reasons.append(
                Reason(
                    "unexpected_indicator",
                    f"{indicator.key} is not part of the {profile.edition} methodology "
                    f"(first published {spec.since})",
                    {"indicator": indicator.key, "since": spec.since},
                )
            )
    return reasons


def _check_ranks(profile: Profile) -> list[Reason]:
    have = {(r.composite, r.scope) for r in profile.ranks}
    missing = [
        f"{composite} {scope}"
        for composite in (CRIMINALITY, Pillar.RESILIENCE.value)
        for scope in expected_rank_scopes(profile.edition)
        if (composite, scope) not in have
    ]
    bad = [r for r in profile.ranks if not 1 <= r.rank <= r.out_of]
    reasons = []
    if missing:
        reasons.append(
            Reason("missing_ranks", f"ranks not found: {', '.join(missing)}", {"missing": missing})
        )
    for r in bad:
        reasons.append(
            Reason(
                "impossible_rank",
                f"{r.composite} {r.scope} rank {r.rank} of {r.out_of}",
                {"rank": r.rank, "out_of": r.out_of},
            )
        )
    return reasons


def _check_sections(profile: Profile) -> list[Reason]:
    have = {s.key for s in profile.sections}
    sections = expected_sections(profile.edition)
    missing = [s.key for s in sections if s.key not in have]
    empty = [s.key for s in profile.sections if not s.paragraphs]
    reasons = []
    if missing:
        reasons.append(
            Reason(
                "missing_sections",
                f"{len(missing)} of {len(sections)} narrative sections not found: "
                + ", ".join(missing),
                {"missing": missing},
            )
        )
    if empty:
        reasons.append(
            Reason(
                "empty_sections",
                f"narrative sections with no text: {', '.join(empty)}",
                {"empty": empty},
            )
        )
    return reasons
