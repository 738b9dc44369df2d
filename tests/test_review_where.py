"""The `--where` language: what it accepts, how it combines unknowns, how it refuses."""

from __future__ import annotations

import pytest

from monitor.review.where import And, Compare, Not, Or, WhereError, parse

QUESTION = "criminality >= +0.2 and resilience < -0.3"


def test_the_issue_question_parses_to_two_comparisons_over_deltas():
    assert parse(QUESTION).tree == And(
        Compare("criminality", ">=", 0.2), Compare("resilience", "<", -0.3)
    )


@pytest.mark.parametrize(
    ("deltas", "expected"),
    [
        ({"criminality": 0.2, "resilience": -0.31}, True),  # both bounds, just
        ({"criminality": 0.19, "resilience": -1.0}, False),
        ({"criminality": 0.5, "resilience": -0.3}, False),  # "fell by more than 0.3"
        ({"criminality": 0.5}, False),  # resilience unknown: no match
    ],
)
def test_matching(deltas, expected):
    assert parse(QUESTION).matches(deltas) is expected


def test_precedence_parentheses_keywords_in_any_case_and_spellings():
    where = parse("NOT resilience > 0 Or (Human-Trafficking >= 1 AND criminal_markets != 0)")
    assert where.tree == Or(
        Not(Compare("resilience", ">", 0.0)),
        And(Compare("human_trafficking", ">=", 1.0), Compare("criminal_markets", "!=", 0.0)),
    )
    assert where.matches({"resilience": 0.5, "human_trafficking": 1.0, "criminal_markets": 0.1})
    assert not where.matches({"resilience": 0.5, "human_trafficking": 0.5})


def test_unknown_is_sql_like_three_valued_logic():
    # A score missing from either edition (an indicator new in 2023) is unknown, not 0.
    new_market = "cyber_dependent_crimes > 1"
    assert not parse(new_market).matches({})
    assert not parse(f"not {new_market}").matches({})  # not unknown is unknown
    assert parse(f"{new_market} or criminality > 0").matches({"criminality": 0.1})
    assert not parse(f"{new_market} and criminality > 0").matches({"criminality": 0.1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "crimnality > 1",
            "unknown score (known: criminality, criminal_markets, criminal_actors,"
            " resilience and indicator keys such as human_trafficking), found 'crimnality' at"
            " character 1",
        ),
        (
            "criminality and resilience",
            "expected one of < <= > >= = == != after criminality, found 'and' at character 13",
        ),
        ("criminality >= high", "expected a number after >=, found 'high' at character 16"),
        (
            "criminality > 1 resilience < 0",
            "expected 'and', 'or' or the end, found 'resilience' at character 17",
        ),
        ("(criminality > 1", "expected ')', found the end"),
        ("criminality > 1; drop table scores", "unexpected text, found ';' at character 16"),
        ("__import__('os').system('x') > 1", 'unexpected text, found "\'os" at character 12'),
        ("criminality > 0.2x", "unexpected text, found '0.2x' at character 15"),
        ("", "expected a score such as criminality or resilience, found the end"),
    ],
)
def test_errors_name_the_bad_token_and_where_it_is(text, message):
    with pytest.raises(WhereError) as caught:
        parse(text)
    assert str(caught.value) == f"--where: {message}"
