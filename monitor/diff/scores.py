"""Score deltas between two profiles: every composite and indicator, direction-aware.

Indicators present in one edition only (the 2023 methodology added five markets and
private sector actors) are reported as added or removed by methodology, never as moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from deepdiff import DeepDiff

from monitor.indices.catalogue import display_name, higher_is_worse, indicator_spec
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

    @property
    def change(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return round(self.new - self.old, 2)

    @property
    def direction(self) -> str:
        return "" if self.change is None else score_direction(self.key, self.change)


def score_direction(key: str, change: float) -> str:
    """`deterioration` or `improvement`: up is bad for crime scores, good for resilience."""
    if change == 0:
        return "unchanged"
    return "deterioration" if (change > 0) == higher_is_worse(key) else "improvement"


def _name(key: str, profile: Profile) -> str:
    indicator = profile.indicator(key)
    return indicator.name if indicator is not None else display_name(key)


def _kind(report: str, key: str, old_edition: int | None, new_edition: int | None) -> str:
    if report == "values_changed":
        return "moved"
    spec = indicator_spec(key)
    if report == "dictionary_item_added":
        explained = spec is not None and old_edition is not None and spec.since > old_edition
        return "added" if explained else "appeared"
    explained = spec is not None and new_edition is not None and spec.since > new_edition
    return "removed" if explained else "missing"


def score_deltas(old: Profile, new: Profile) -> list[ScoreDelta]:
    """What moved from `old` to `new`, in the new profile's order (composites first)."""
    before, after = old.scores(), new.scores()
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
            kind = _kind(report, key, old.edition, new.edition)
            found[key] = ScoreDelta(key, name, before.get(key), after.get(key), kind)
    order = list(after) + [k for k in before if k not in after]
    return [found[k] for k in order if k in found]
