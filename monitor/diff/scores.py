"""Score deltas between two profiles: every composite and indicator, direction-aware.

Directions and methodology come from the definition of the profile's own index.
Measures present in one edition only (the OC Index's 2023 methodology added five markets
and private sector actors) are reported as added or removed by methodology, never as
moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.formatting import NEUTRAL
from monitor.indices import find, higher_is_worse
from monitor.models import Profile


@dataclass(frozen=True)
class ScoreDelta:
    key: str
    name: str
    old: float | None
    new: float | None
    # "moved"; "added"/"removed" when the methodology explains it (an indicator new in
    # the later edition); otherwise "appeared"/"missing" (e.g. an incomplete capture).
    kind: str
    index: str = "ocindex"  # the index whose measure `key` is

    @property
    def change(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return round(self.new - self.old, 2)

    @property
    def direction(self) -> str:
        return "" if self.change is None else score_direction(self.key, self.change, self.index)


def score_direction(key: str, change: float, index: str = "ocindex") -> str:
    """`deterioration` or `improvement`, as the measure's index declares its direction
    (up is bad for the OC Index's crime scores, good for its resilience)."""
    if change == 0:
        return "unchanged"
    definition = find(index)
    measure = definition.measure(key) if definition else None
    if measure is not None and measure.uncertainty:
        return NEUTRAL  # a standard error: no better or worse, never a finding
    return "deterioration" if (change > 0) == higher_is_worse(index, key) else "improvement"


def measure_name(key: str, index: str = "ocindex") -> str:
    """A measure's display name from its index's definition (the key when unknown)."""
    definition = find(index)
    measure = definition.measure(key) if definition else None
    return measure.name if measure is not None else key


def _name(key: str, profile: Profile) -> str:
    indicator = profile.indicator(key)
    return indicator.name if indicator is not None else measure_name(key, profile.index)


def _kind(report: str, key: str, old: Profile, new: Profile) -> str:
    """Moved, or why a measure is in one profile only: its methodology (`since`/`until`
    in its definition), or a capture that lacks it."""
    if report == "values_changed":
        return "moved"
    definition = find(new.index)
    measure = definition.measure(key) if definition else None
    if measure is None:
        return "appeared" if report == "dictionary_item_added" else "missing"
    if report == "dictionary_item_added":
        explained = old.edition is not None and not measure.in_edition(old.edition)
        return "added" if explained else "appeared"
    explained = new.edition is not None and not measure.in_edition(new.edition)
    return "removed" if explained else "missing"


def score_deltas(old: Profile, new: Profile) -> list[ScoreDelta]:
    """What moved from `old` to `new`, in the new profile's order (composites first)."""
    before, after = old.scores(), new.scores()
    # Values equal on both sides are no change under any tolerance: DeepDiff (~10 µs a
    # key) gets only the keys that differ or are one-sided (issue 19, cycle CPU).
    same = {k for k, v in before.items() if k in after and after[k] == v}
    found = _reported(
        {k: v for k, v in before.items() if k not in same},
        {k: v for k, v in after.items() if k not in same},
        old,
        new,
    )
    order = list(after) + [k for k in before if k not in after]
    return [found[k] for k in order if k in found]


def _reported(
    before: dict[str, float], after: dict[str, float], old: Profile, new: Profile
) -> dict[str, ScoreDelta]:
    """DeepDiff's changes from `before` to `after`, as deltas by key."""
    if not before and not after:
        return {}
    from deepdiff import DeepDiff  # on first comparison: a first capture compares nothing

    # math_epsilon: scores carry two decimals, so float noise below that is no change;
    # threshold_to_diff_deeper=0 keeps per-key changes even when few keys are shared.
    diff = DeepDiff(
        before,
        after,
        math_epsilon=0.005,
        threshold_to_diff_deeper=0,
        ignore_numeric_type_changes=True,
        view="tree",
    )
    found: dict[str, ScoreDelta] = {}
    for report in ("values_changed", "dictionary_item_added", "dictionary_item_removed"):
        for level in diff.get(report, ()):
            key = level.path(output_format="list")[0]
            name = _name(key, new if key in after else old)
            kind = _kind(report, key, old, new)
            found[key] = ScoreDelta(key, name, before.get(key), after.get(key), kind, new.index)
    return found
