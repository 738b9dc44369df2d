"""Numbers, changes and arrows as every surface prints them: digest, report, terminal.

One place, so a zero change reads the same everywhere (`0.00`: no sign on no change).
"""

from __future__ import annotations

# Terminal styles by direction (Rich names); the digest and report use their own colours.
DIRECTION_STYLE = {"deterioration": "red", "improvement": "green"}


def number(value: float | None, signed: bool = False) -> str:
    """`5.33`; signed `+0.23`, `-0.34` and `0.00` (no sign on no change); `—` for none."""
    if value is None:
        return "—"
    rounded = round(value, 2) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-0.00"
    return f"{rounded:+.2f}" if signed and rounded else f"{rounded:.2f}"


def arrow(change: float | None) -> str:
    """▲ up, ▼ down, = no change (or none known)."""
    if not change:
        return "="
    return "▲" if change > 0 else "▼"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th, 112th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
