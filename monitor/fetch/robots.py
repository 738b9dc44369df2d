"""robots.txt read as RFC 9309 says: groups by user agent, `Allow`/`Disallow` with `*`
and `$`, the longest matching rule wins (`Allow` on a tie), plus the common `Crawl-delay`.

Not `urllib.robotparser`: it takes the first matching rule and knows no wildcards, so it
would fetch `/summary.pdf` under `Disallow: /*.pdf$` and refuse `/country/x` under
`Disallow: /country/` + `Allow: /country/x`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_PRINTABLE_ASCII = "".join(map(chr, range(0x21, 0x7F)))
_PRODUCT = re.compile(r"[A-Za-z_-]+")


@dataclass(frozen=True)
class Rule:
    allow: bool
    pattern: str  # as written, for messages
    regex: re.Pattern[str]

    def __str__(self) -> str:
        return f"{'Allow' if self.allow else 'Disallow'}: {self.pattern}"


@dataclass(frozen=True)
class RobotsTxt:
    """The rules of the group that applies to one user agent."""

    rules: tuple[Rule, ...] = ()
    crawl_delay: float | None = None

    @classmethod
    def parse(cls, text: str, user_agent: str) -> RobotsTxt:
        """The rules for `user_agent`'s product token (`profile-monitor` of
        `profile-monitor/0.1 (…)`): its own groups if any, else those for `*`."""
        token = product_token(user_agent)
        groups: list[tuple[set[str], list[Rule], list[float]]] = []
        in_rules = True  # a user-agent line after rules starts a new group
        for line in text.lstrip("\ufeff").splitlines():
            key, _, value = line.split("#", 1)[0].partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if in_rules:
                    groups.append((set(), [], []))
                    in_rules = False
                groups[-1][0].add(product_token(value) or value.lower())
            elif key in ("allow", "disallow", "crawl-delay") and groups:
                in_rules = True
                if key == "crawl-delay":
                    groups[-1][2].extend(_seconds(value))
                elif value:  # an empty `Disallow:` allows everything: no rule
                    groups[-1][1].append(Rule(key == "allow", value, _compile(value)))
        chosen = [g for g in groups if token in g[0]] or [g for g in groups if "*" in g[0]]
        delays = [d for _, _, group_delays in chosen for d in group_delays]
        rules = tuple(rule for _, group_rules, _ in chosen for rule in group_rules)
        return cls(rules, max(delays, default=None))

    def deciding_rule(self, path: str) -> Rule | None:
        """The rule that decides for `path` (with its query), None when none matches."""
        target = _normalise(path)
        if target == "/robots.txt":  # always allowed (RFC 9309, 2.2.2)
            return None
        matching = [rule for rule in self.rules if rule.regex.match(target)]
        # Most specific (longest pattern) first; on a tie, Allow.
        return max(matching, key=lambda rule: (len(rule.pattern), rule.allow), default=None)

    def allows(self, path: str) -> bool:
        rule = self.deciding_rule(path)
        return rule is None or rule.allow


def product_token(user_agent: str) -> str:
    """`profile-monitor/0.1 (+https://…)` -> `profile-monitor`, lower-cased."""
    match = _PRODUCT.match(user_agent.strip())
    return match.group().lower() if match else ""


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = _normalise(pattern[:-1] if anchored else pattern)
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + (r"\Z" if anchored else ""))


def _normalise(path: str) -> str:
    """Compare like with like: `%2D` and `-` are the same octet, `é` is `%C3%A9`."""

    def unescape(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if _UNRESERVED.fullmatch(char) else match.group().upper()

    return quote(_PERCENT.sub(unescape, path), safe=_PRINTABLE_ASCII)


def _seconds(value: str) -> list[float]:
    try:
        seconds = float(value)
    except ValueError:
        return []  # an unreadable Crawl-delay is ignored, like any unknown line
    return [seconds] if seconds >= 0 else []
