"""Colours that carry a size: a move's shade grows with the move, a value's with the value.

A change is shaded by its size against the measure's significance (the threshold a move
must pass to be a finding): a move of a twentieth of the threshold is a faint tint, a
move of twice the threshold or more the full colour, so −0.01 never looks like ±1.00.
"""

from __future__ import annotations

from monitor.notify.render import COLOURS

FULL_AT = 2.0  # a move this many times the significance gets the full colour
STRONGEST = 0.55  # the full colour's opacity over white: dark text stays legible on it
LEVEL_COLOUR = "#0072b2"  # Okabe-Ito blue: a value's shade, whichever way is worse
NO_DATA = "#e3e3e3"


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def strength(delta: float | None, significance: float) -> float:
    """0 for no move, 1 for a move of FULL_AT times the significance or more."""
    if not delta:
        return 0.0
    if significance <= 0:
        return 1.0
    return min(1.0, abs(delta) / (FULL_AT * significance))


def change_shade(delta: float | None, direction: str, significance: float) -> str:
    """A CSS colour for a move's background: its direction's colour, as strong as the
    move is large; "transparent" for no move."""
    share = strength(delta, significance)
    if not share or direction not in ("deterioration", "improvement"):
        return "transparent"
    return _rgba(COLOURS[direction], round(STRONGEST * share, 2))


def level_shade(value: float | None, low: float, high: float) -> str:
    """A CSS colour for a value on the scale low..high: the higher, the darker."""
    if value is None:
        return NO_DATA
    share = 0.0 if high <= low else max(0.0, min(1.0, (value - low) / (high - low)))
    return _rgba(LEVEL_COLOUR, round(0.1 + 0.8 * share, 2))
