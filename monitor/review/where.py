"""`monitor movers --where`: a tiny filter language over score deltas.

    criminality >= +0.2 and resilience < -0.3
    (human_trafficking > 1 or human_smuggling > 1) and not resilience < 0

Grammar (keywords in any case):

    expr       := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expr ")" | comparison
    comparison := SCORE OP NUMBER        OP: < <= > >= = == !=

SCORE is any spelling of a score (`criminality`, `criminal_markets`, `human-trafficking`);
its value is the delta, the later edition's score minus the earlier's. The text is parsed
here into a small tree and evaluated in Python: it is never run as Python or spliced into
SQL. A score a country lacks in either edition makes its comparison unknown, combined
as SQL does (unknown and false is false, unknown or true is true); only true matches.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from monitor.errors import MonitorError
from monitor.review.keys import resolve_key

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
}
KEYWORDS = ("and", "or", "not")

_TOKEN = re.compile(
    r"\s*(?:(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?![\w.])"
    r"|(?P<op><=|>=|==|!=|<|>|=)"
    r"|(?P<paren>[()])"
    r"|(?P<word>[A-Za-z_][\w-]*))"
)


class WhereError(MonitorError):
    """A `--where` expression that does not parse; names the bad token and its place."""

    def __init__(self, problem: str, token: Token | None) -> None:
        where = f"{token.text!r} at character {token.position + 1}" if token else "the end"
        super().__init__(f"--where: {problem}, found {where}")
        self.token = token


@dataclass(frozen=True)
class Token:
    kind: str  # number / op / paren / word
    text: str
    position: int  # 0-based offset in the expression

    def is_keyword(self, word: str) -> bool:
        return self.kind == "word" and self.text.lower() == word


# The tree: each node answers True, False or None (unknown) for one country's deltas.
Deltas = Mapping[str, float]


@dataclass(frozen=True)
class Compare:
    key: str
    op: str
    value: float

    def test(self, deltas: Deltas) -> bool | None:
        delta = deltas.get(self.key)
        return None if delta is None else OPERATORS[self.op](delta, self.value)


@dataclass(frozen=True)
class Not:
    operand: Node

    def test(self, deltas: Deltas) -> bool | None:
        result = self.operand.test(deltas)
        return None if result is None else not result


@dataclass(frozen=True)
class And:
    left: Node
    right: Node

    def test(self, deltas: Deltas) -> bool | None:
        results = (self.left.test(deltas), self.right.test(deltas))
        return False if False in results else None if None in results else True


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node

    def test(self, deltas: Deltas) -> bool | None:
        results = (self.left.test(deltas), self.right.test(deltas))
        return True if True in results else None if None in results else False


Node = Compare | Not | And | Or


@dataclass(frozen=True)
class Where:
    """A parsed expression; `matches` is what filters countries."""

    text: str
    tree: Node

    def matches(self, deltas: Deltas) -> bool:
        return self.tree.test(deltas) is True


def parse(text: str) -> Where:
    parser = _Parser(tokenize(text))
    tree = parser.expr()
    if parser.peek() is not None:
        raise WhereError("expected 'and', 'or' or the end", parser.peek())
    return Where(text, tree)


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            start = len(text) - len(text[position:].lstrip())
            bad = re.match(r"\S[\w.]*", text[start:])
            raise WhereError("unexpected text", Token("text", bad[0] if bad else "", start))
        kind = match.lastgroup
        tokens.append(Token(kind, match[kind], match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the grammar above, one method per rule."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.index = tokens, 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token | None:
        token = self.peek()
        if token is not None:
            self.index += 1
        return token

    def expr(self) -> Node:
        node = self.term()
        while (token := self.peek()) is not None and token.is_keyword("or"):
            self.take()
            node = Or(node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while (token := self.peek()) is not None and token.is_keyword("and"):
            self.take()
            node = And(node, self.factor())
        return node

    def factor(self) -> Node:
        token = self.take()
        if token is not None and token.is_keyword("not"):
            return Not(self.factor())
        if token is not None and token.text == "(":
            node = self.expr()
            closing = self.take()
            if closing is None or closing.text != ")":
                raise WhereError("expected ')'", closing)
            return node
        return self.comparison(token)

    def comparison(self, token: Token | None) -> Compare:
        if token is None or token.kind != "word" or token.text.lower() in KEYWORDS:
            raise WhereError("expected a score such as criminality or resilience", token)
        key = resolve_key(token.text)
        if key is None:
            raise WhereError(
                "unknown score (known: criminality, criminal_markets, criminal_actors,"
                " resilience and indicator keys such as human_trafficking)",
                token,
            )
        op = self.take()
        if op is None or op.kind != "op":
            raise WhereError(f"expected one of {' '.join(OPERATORS)} after {token.text}", op)
        number = self.take()
        if number is None or number.kind != "number":
            raise WhereError(f"expected a number after {op.text}", number)
        return Compare(key, op.text, float(number.text))
