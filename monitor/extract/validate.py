"""Self-checks of an extracted profile, using the index's own arithmetic.

The index definition declares how a score is made of the scores below it (the OC
Index: each pillar is the mean of its indicators, criminality the mean of markets and
actors; both published rounded to two decimals). So a capture that lost an indicator
betrays itself, and the published mean even says roughly what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.indices import IndexDefinition, Measure, get
from monitor.indices.catalogue import expected_rank_scopes, expected_sections
from monitor.models import Profile, Reason


@dataclass(frozen=True)
class Expectations:
    """What a source kind should carry: a page has it all; a PDF summary only narrative."""

    scores: bool = True
    ranks: bool = True
    sections: bool = True


def validate(
    profile: Profile, expect: Expectations = Expectations(), index: str = "ocindex"
) -> list[Reason]:
    definition = get(index)
    reasons: list[Reason] = []
    if expect.scores:
        reasons += _check_composites(profile, definition)
        for measure in definition.of_kind("score"):
            if measure.arithmetic != "none" and measure.in_edition(profile.edition):
                reasons += _check_arithmetic(profile, definition, measure)
        reasons += _check_unexpected(profile, definition)
    if expect.ranks:
        reasons += _check_ranks(profile, definition)
    if expect.sections:
        reasons += _check_sections(profile, definition)
    return reasons


def _combine(arithmetic: str, values: list[float]) -> float:
    return sum(values) / len(values) if arithmetic == "mean" else sum(values)


def _check_composites(profile: Profile, definition: IndexDefinition) -> list[Reason]:
    missing = [
        m.key
        for m in definition.of_kind("score")
        if m.level != "indicator"
        and m.in_edition(profile.edition)
        and m.key not in profile.composites
    ]
    if not missing:
        return []
    return [
        Reason(
            "missing_composites",
            f"composite scores not found: {', '.join(missing)}",
            {"missing": missing},
        )
    ]


def _check_arithmetic(
    profile: Profile, definition: IndexDefinition, measure: Measure
) -> list[Reason]:
    parts = [c for c in definition.children(measure.key) if c.in_edition(profile.edition)]
    if all(c.level == "indicator" for c in parts):
        return _check_pillar(profile, measure, parts)
    return _check_composite(profile, measure, parts)


def _check_pillar(profile: Profile, pillar: Measure, expected: list[Measure]) -> list[Reason]:
    """A score made of indicators: every one present, and their arithmetic holds."""
    if profile.edition is None:
        return []
    found = [i for i in profile.indicators if i.pillar == pillar.key]
    found_keys = {i.key for i in found}
    missing = [s.key for s in expected if s.key not in found_keys]
    published = profile.composites.get(pillar.key)
    total = sum(i.score.value for i in found)
    if missing:
        detail: dict[str, object] = {
            "pillar": pillar.key,
            "found": len(found),
            "expected": len(expected),
            "missing": missing,
        }
        message = f"{pillar.key}: {len(found)} of {len(expected)} indicators found"
        if published is not None and pillar.arithmetic == "mean":
            # What the missing indicators must add up to for the published mean to hold.
            implied = published.value * len(expected) - total
            each = implied / len(missing)
            step = expected[0].step or 10.0 ** -expected[0].decimals
            detail |= {"published_mean": published.value, "implied_value": round(each, 2)}
            one = "one missing" if len(missing) == 1 else f"{len(missing)} missing"
            message += (
                f", published mean {published.value:.2f} implies {one} "
                f"({', '.join(missing)}), value ≈ {round(each / step) * step:g}"
            )
        return [Reason("missing_indicators", message, detail)]
    if published is None or not found:
        return []
    combined = _combine(pillar.arithmetic, [i.score.value for i in found])
    if abs(combined - published.value) <= pillar.tolerance + 1e-9:
        return []
    return [
        Reason(
            "pillar_mean_mismatch",
            f"{pillar.key}: indicators {'average' if pillar.arithmetic == 'mean' else 'add up to'}"
            f" {combined:.3f} but the page publishes {published.value:.2f}",
            {"pillar": pillar.key, "mean": round(combined, 4), "published": published.value},
        )
    ]


def _check_composite(profile: Profile, composite: Measure, parts: list[Measure]) -> list[Reason]:
    """A score made of other composite scores (criminality: markets and actors)."""
    c = profile.composites
    published = c.get(composite.key)
    values = [c.get(p.key) for p in parts]
    if published is None or not parts or None in values:
        return []
    combined = _combine(composite.arithmetic, [v.value for v in values if v is not None])
    if abs(combined - published.value) <= composite.tolerance + 1e-9:
        return []
    names = " and ".join(p.name.lower() for p in parts)
    how = "mean" if composite.arithmetic == "mean" else "sum"
    return [
        Reason(
            f"{composite.key}_mismatch",
            f"{composite.key} {published.value:.2f} is not the {how} of {names} ({combined:.3f})",
            {"published": published.value, "mean": round(combined, 4)},
        )
    ]


def _check_unexpected(profile: Profile, definition: IndexDefinition) -> list[Reason]:
    if profile.edition is None:
        return []
    reasons = []
    for indicator in profile.indicators:
        measure = definition.measure(indicator.key)
        if measure is not None and not measure.in_edition(profile.edition):
            reasons.append(
                Reason(
                    "unexpected_indicator",
                    f"{indicator.key} is not part of the {profile.edition} methodology "
                    f"(first published {measure.since})",
                    {"indicator": indicator.key, "since": measure.since},
                )
            )
    return reasons


def _check_ranks(profile: Profile, definition: IndexDefinition) -> list[Reason]:
    have = {(r.composite, r.scope) for r in profile.ranks}
    missing = [
        f"{m.of} {scope}"
        for m in definition.of_kind("rank")
        for scope in m.groups
        # The OC Index's first edition ranked within Africa only (no global rank).
        if definition.id != "ocindex" or scope in expected_rank_scopes(profile.edition)
        if (m.of, scope) not in have
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


def _check_sections(profile: Profile, definition: IndexDefinition) -> list[Reason]:
    have = {s.key for s in profile.sections}
    # The OC Index's first edition printed no narrative we check.
    sections = expected_sections(profile.edition) if definition.id == "ocindex" else None
    sections = definition.sections if sections is None else sections
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
