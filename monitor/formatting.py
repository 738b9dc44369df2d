"""Numbers, changes and arrows as every surface prints them: digest, report, terminal.

One place, so a zero change reads the same everywhere (`0.00`: no sign on no change).
"""

from __future__ import annotations

# Terminal styles by direction (Rich names); the digest and report use their own colours.
DIRECTION_STYLE = {"deterioration": "red", "improvement": "green"}
# A direction in a reader's words: "up" is worse for criminality, better for resilience,
# so an arrow alone (without colour) says nothing about which.
# NEUTRAL: the move of an uncertainty (a standard error), neither worse nor better.
NEUTRAL = "neutral"
DIRECTION_WORDS = {"deterioration": "worse", "improvement": "better", "": "unchanged", NEUTRAL: ""}


def number(value: float | None, signed: bool = False, decimals: int = 2) -> str:
    """`5.33`; signed `+0.23`, `-0.34` and `0.00` (no sign on no change); `—` for none;
    `decimals` for a measure published otherwise (CPI's whole points: `27`)."""
    if value is None:
        return "—"
    rounded = round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-0.00"
    return f"{rounded:+.{decimals}f}" if signed and rounded else f"{rounded:.{decimals}f}"


def arrow(change: float | None) -> str:
    """▲ up, ▼ down, = no change (or none known)."""
    if not change:
        return "="
    return "▲" if change > 0 else "▼"


def moved(change: float | None, direction: str, *, plain: bool) -> str:
    """A signed change and its direction: `▲ +0.23` beside a colour that says worse or
    better; without colour `+0.23 worse`, since ▲ is worse for one score, better for another."""
    if plain:
        return f"{number(change, signed=True)} {word(direction)}".strip()
    return f"{arrow(change)} {number(change, signed=True)}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th, 112th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def places_moved(places: int) -> str:
    """A rank's move in words: `up 9 places` (towards 1st), `down 1 place`, `unchanged`.
    Whether up is better is the index's to say (the OC Index's 1st is the most criminal)."""
    if places == 0:
        return "unchanged"
    size = abs(places)
    return f"{'up' if places > 0 else 'down'} {size} place{'' if size == 1 else 's'}"


def word(direction: str) -> str:
    """`worse`, `better`, `unchanged`; an unknown direction as it is."""
    return DIRECTION_WORDS.get(direction, direction)


def word_edit(runs: list[tuple[str, str]]) -> str:
    """A sentence's word-level edit without colour: `[-removed-]{+added+}` (wdiff's
    markers), each run an (op, text) pair, op `removed`, `added` or anything else."""
    marks = {"removed": "[-{}-]", "added": "{{+{}+}}"}
    return " ".join(marks.get(op, "{}").format(text) for op, text in runs)


def minute(moment: str | None) -> str:
    """An ISO time to the minute, `2026-12-01 18:58`: narrow enough for a table cell."""
    return (moment or "")[:16].replace("T", " ")
