"""`_same_json` says what comparing the two values' JSON would say (the stored profile
keeps an indicator's field only where it differs from its `scores` row as JSON)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from monitor.models import Score
from monitor.store.records import _json, _same_json

PAIRS: list[tuple[Any, Any]] = [
    ("Kyrgyzstan", "Kyrgyzstan"),
    ("a", "b"),
    (None, None),
    (None, ""),
    (1, 1.0),  # "1" and "1.0"
    (True, 1),  # "true" and "1"
    (0.0, -0.0),  # equal numbers, different JSON
    (math.nan, math.nan),  # unequal numbers, the same JSON
    (2.5, 2.5),
    (Score(6.2), {"value": 6.2, "change": None, "new_this_edition": False}),
    (Score(6), {"value": 6.0, "change": None, "new_this_edition": False}),
    (Score(6.2, 0.1), {"value": 6.2, "change": None, "new_this_edition": False}),
    (Score(6.2), {"change": None, "value": 6.2, "new_this_edition": False}),  # key order
    (Score(6.2, None, True), {"value": 6.2, "change": None, "new_this_edition": 1}),
    ((1.5, "x"), [1.5, "x"]),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_same_json_agrees_with_the_json_text(a: Any, b: Any) -> None:
    assert _same_json(a, b) == (_json(a) == _json(b))
    assert _same_json(b, b)
