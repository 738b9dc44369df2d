"""Significance rules: from a `Comparison` to the `Finding`s worth telling people about.

A measure's threshold is its significance in its index's definition (the OC Index: an
indicator ≥ 1.0, a pillar or composite ≥ 0.25, a rank ≥ 10 places), which config can
override per index and measure, per country, and (the OC Index's older keys) per
pillar and indicator; a direction filter too. Categories and memberships that changed
are findings with a direction (a list membership gained or lost is high by default).
Every narrative sentence changed is heard (low severity; a section or profile
rewritten beyond `narrative` raises it).
Scores are measured against a `baseline` (the value last alerted on, or the edition
baseline) when one is given, so slow drift adds up instead of slipping under the bar.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urldefrag

from monitor.config.settings import Thresholds
from monitor.diff.categories import CategoryDelta
from monitor.diff.compare import Comparison
from monitor.diff.scores import measure_name, score_direction
from monitor.diff.text import normalise
from monitor.formatting import NEUTRAL, minute, number
from monitor.indices import find
from monitor.indices.catalogue import OCINDEX
from monitor.models import Finding, Status

# The config's older top-level keys, which name the OC Index's measures and levels.
_LEGACY_INDEX = OCINDEX.id


@dataclass(frozen=True)
class Release:
    """A document that published an edition's values: its URL or file, and when we
    captured it. A revision names the release before and the one revising it."""

    origin: str
    captured_at: str

    def __str__(self) -> str:
        # A file by its name (its folder says nothing to a reader), a URL whole.
        url = urldefrag(self.origin).url
        shown = url if "://" in url else url.rsplit("/", 1)[-1]
        return f"{shown or 'unknown release'}, {minute(self.captured_at)}"

    def to_dict(self) -> dict[str, str]:
        return {"origin": self.origin, "captured_at": self.captured_at}


def score_limit(thresholds: Thresholds, key: str, index: str = _LEGACY_INDEX) -> float:
    """The change of measure `key` of `index` that is significant: the config's
    `[thresholds.indices.<index>] <key>` if set, then (the OC Index) its older keys,
    then the measure's significance as its definition declares it."""
    overridden = thresholds.indices.get(index, {})
    if key in overridden:
        return overridden[key]
    definition = find(index)
    measure = definition.measure(key) if definition else None
    if index == _LEGACY_INDEX:
        if key in thresholds.indicators:
            return thresholds.indicators[key]
        level = measure.level if measure else "indicator"
        if level in ("composite", "pillar"):
            if "composite" in thresholds.given:
                return thresholds.composite
        elif (pillar := OCINDEX.pillar_of(key)) in thresholds.pillars:
            return thresholds.pillars[pillar]
        elif "indicator" in thresholds.given or measure is None:
            return thresholds.indicator
    return measure.significance if measure is not None else thresholds.indicator


def rank_limit(thresholds: Thresholds, ranked: str, index: str = _LEGACY_INDEX) -> float:
    """Places a rank of score `ranked` must move to be significant."""
    definition = find(index)
    measure = (
        next((m for m in definition.of_kind("rank") if m.of == ranked), None)
        if definition
        else None
    )
    if measure is not None and measure.key in thresholds.indices.get(index, {}):
        return thresholds.indices[index][measure.key]
    if "rank" in thresholds.given or measure is None:
        return thresholds.rank
    return measure.significance


def _severity(size: float, limit: float) -> str:
    return "high" if limit and size >= 2 * limit else "medium"


def evaluate(
    comparison: Comparison,
    thresholds: Thresholds,
    baseline: Mapping[str, float] | None = None,
    *,
    republished: tuple[Release, Release] | None = None,
) -> list[Finding]:
    """The findings of one comparison. An incomplete or non-profile capture never gives
    a score finding (the source is reported broken, once, by `monitor.assess.health`); the
    printed changes it does hold are still reconciled with our history (revisions).
    `republished`: the same edition published again by a dataset of record (the release
    before, the release now), whose changed values and ranks are revisions of that
    edition (each one reported, with both releases), never movements."""
    if comparison.new_status != Status.COMPLETE:
        return _revisions(comparison)
    rules = thresholds.for_country(comparison.country)
    note = {"against_incomplete": True} if comparison.against_incomplete else {}
    if republished is not None:
        moves = [
            *_republished(comparison, republished),
            *_republished_ranks(comparison, republished),
        ]
    else:
        moves = [*_scores(comparison, rules, baseline or {}, note), *_ranks(comparison, rules)]
    return [
        *moves,
        *_categories(comparison, rules, republished=republished),
        *_methodology(comparison),
        *_revisions(comparison),
        *_narrative(comparison, rules),
    ]


def _scores(
    c: Comparison, rules: Thresholds, baseline: Mapping[str, float], note: dict
) -> list[Finding]:
    findings = []
    for key, value in c.new_scores.items():
        base = baseline.get(key, c.old_scores.get(key))
        if base is None:
            continue  # new by methodology, or absent from an incomplete capture
        change = round(value - base, 2)
        limit = score_limit(rules, key, c.index)
        direction = score_direction(key, change, c.index)
        if change == 0 or abs(change) + 1e-9 < limit or direction not in rules.directions:
            continue
        name = measure_name(key, c.index)
        findings.append(
            Finding(
                "score",
                key,
                _severity(abs(change), limit),
                f"{name} {base:.2f} → {value:.2f} ({change:+.2f}, {direction})",
                old=base,
                new=value,
                direction=direction,
                detail={"change": change, "threshold": limit, **note},
            )
        )
    return findings


def _republished(c: Comparison, releases: tuple[Release, Release]) -> list[Finding]:
    return [
        _revision(c, releases, d.key, d.name, (d.old, d.new), d.direction)
        for d in c.scores
        # A revised standard error is no news of the country either.
        if d.kind == "moved" and d.old is not None and d.new is not None and d.direction != NEUTRAL
    ]


def _republished_ranks(c: Comparison, releases: tuple[Release, Release]) -> list[Finding]:
    """Every rank a revised release places differently: a revision, however small."""
    return [
        _revision(
            c,
            releases,
            f"{r.composite}_{r.scope}",
            f"{measure_name(r.composite, c.index)} rank ({r.group or 'global'})",
            (r.old, r.new),
            r.direction,
            said=f"{r.old} → {r.new}",
        )
        for r in c.ranks
        if r.places
    ]


def _revision(
    c: Comparison,
    releases: tuple[Release, Release],
    key: str,
    name: str,
    values: tuple[float | None, float | None],
    direction: str,
    *,
    said: str | None = None,
) -> Finding:
    """A value of an edition we held, changed by a later release: both values and
    both releases, named in the message (what a digest shows) and kept in `detail`.
    `said`: the change in words, for a level (`Free → Partly Free`)."""
    before, after = releases
    old, new = values
    definition = find(c.index)
    change = round(new - old, 2) if old is not None and new is not None else None
    if said is None:
        said = f"{number(old)} → {number(new)} ({number(change, signed=True)})"
    return Finding(
        "revision",
        key,
        "medium",
        f"{definition.name if definition else c.index} {c.new_edition}: {name} revised by"
        f" the publisher: {said}; was {before}, now {after}",
        old=old,
        new=new,
        direction=direction,
        detail={
            "index": c.index,
            "country": c.country,
            "edition": c.new_edition,
            "measure": key,
            "change": change,
            "old_release": before.to_dict(),
            "new_release": after.to_dict(),
        },
    )


def _ranks(c: Comparison, rules: Thresholds) -> list[Finding]:
    findings = []
    for r in c.ranks:
        limit = rank_limit(rules, r.composite, c.index)
        if abs(r.places) < limit or r.direction not in rules.directions:
            continue
        findings.append(
            Finding(
                "rank",
                f"{r.composite}_{r.scope}",
                _severity(abs(r.places), limit),
                f"{r.composite} rank ({r.group or 'global'}) {r.old} → {r.new} of {r.out_of} "
                f"({'up' if r.places > 0 else 'down'} {abs(r.places)}, {r.direction})",
                old=r.old,
                new=r.new,
                direction=r.direction,
                detail={"places": r.places, "published_movement": r.published_movement},
            )
        )
    return findings


def _categories(
    c: Comparison, rules: Thresholds, *, republished: tuple[Release, Release] | None
) -> list[Finding]:
    """A level changed or a list membership gained or lost. A membership change is high;
    a category high when it moves two levels or more. In a dataset of record's same
    edition published again, the change is the publisher's revision."""
    findings = []
    for d in c.categories:
        limit = score_limit(rules, d.key, c.index)
        if republished is not None:  # a revision is reported whatever its size
            levels = (d.old_level, d.new_level)
            said = f"{d.old_name} → {d.new_name}"
            findings.append(
                _revision(c, republished, d.key, d.name, levels, d.direction, said=said)
            )
            continue
        if abs(d.steps) < max(limit, 1) or d.direction not in rules.directions:
            continue
        findings.append(_category(d))
    return findings


def _category(d: CategoryDelta) -> Finding:
    severity = "high" if d.kind == "membership" or abs(d.steps) >= 2 else "medium"
    said = f"{d.name}: {d.change}" if d.kind == "category" else f"{d.change}: {d.name}"
    return Finding(
        d.kind,
        d.key,
        severity,
        f"{said} ({d.direction})",
        old=d.old_level,
        new=d.new_level,
        direction=d.direction,
        detail={"from": d.old, "to": d.new, "steps": d.steps, "index": d.index},
    )


def _methodology(c: Comparison) -> list[Finding]:
    changed = {kind: [d.key for d in c.scores if d.kind == kind] for kind in ("added", "removed")}
    findings = []
    for kind, keys in changed.items():
        if keys:
            findings.append(
                Finding(
                    "methodology",
                    f"indicators_{kind}",
                    "low",
                    f"{len(keys)} indicator(s) {kind} by the {c.new_edition} methodology: "
                    + ", ".join(keys),
                    detail={kind: keys},
                )
            )
    return findings


def _revisions(c: Comparison) -> list[Finding]:
    return [
        Finding(
            "revision",
            r.key,
            "medium",
            r.message,
            old=r.stored_previous,
            new=r.implied_previous,
            detail={"published_change": r.published_change, "computed_change": r.computed_change},
        )
        for r in c.revisions
    ]


def _narrative(c: Comparison, rules: Thresholds) -> list[Finding]:
    """One finding per sentence added, removed, reworded or moved, and one
    per section added or removed: a quietly added sentence is news. Low by default; a
    section changed by `rules.narrative` or more is medium, by twice that high, and a
    profile changed by `rules.narrative` on average raises its low findings to medium."""
    if not c.sections:
        return []
    profile = sum(s.magnitude for s in c.sections) / len(c.sections)
    findings: list[Finding] = []
    keys: Counter[str] = Counter()
    for s in c.sections:
        title = s.new_title or s.old_title or s.key
        severity = _narrative_severity(s.magnitude, profile, rules.narrative)
        detail = {"section": s.key, "title": title, "magnitude": round(s.magnitude, 3)}
        if s.status in ("added", "removed"):
            count = len(s.added or s.removed)
            findings.append(
                Finding(
                    "narrative",
                    f"{s.key}:section_{s.status}",
                    severity,
                    f"section “{title}” {s.status} ({count} sentence{'s' * (count != 1)})",
                    detail={**detail, "change": f"section_{s.status}"},
                )
            )
            continue
        changes = [
            *([("renamed", s.old_title or "", title)] if s.status == "renamed" else []),
            *(("added", "", text) for text in s.added),
            *(("removed", text, "") for text in s.removed),
            *(("reworded", e.old, e.new) for e in s.edited),
            *(("moved", "", text) for text in s.moved),
        ]
        for change, old, new in changes:
            key = f"{s.key}:{change}:{_sentence_id(old, new)}"
            keys[key] += 1  # the same sentence added twice is two findings
            findings.append(
                Finding(
                    "narrative",
                    key if keys[key] == 1 else f"{key}:{keys[key]}",
                    severity,
                    f"section “{s.old_title}” renamed “{title}”"
                    if change == "renamed"
                    else f"“{title}”: sentence {change}: “{_quote(new or old)}”",
                    detail={**detail, "change": change, "old": old, "new": new},
                )
            )
    return findings


def _narrative_severity(section: float, profile: float, limit: float) -> str:
    if limit and section >= min(1.0, 2 * limit):
        return "high"
    return "medium" if section >= limit or profile >= limit else "low"


def _sentence_id(old: str, new: str) -> str:
    """A short stable id of a sentence change, as compared (normalised)."""
    text = f"{normalise(old)}\n{normalise(new)}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


QUOTED = 160  # characters of a sentence quoted in a finding's message


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= QUOTED else sentence[: QUOTED - 1].rstrip() + "…"
