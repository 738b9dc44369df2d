"""Jinja2 rendering of digests: the packaged templates, or a config directory's overrides.

HTML templates are autoescaped, so text taken from fetched pages (names, sentences)
can never inject markup; plain-text and Slack templates are not (Slack text is escaped
by its own filter). Templates get small filters for numbers, arrows and colours.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from monitor.formatting import DIRECTION_WORDS as WORDS
from monitor.formatting import arrow, number
from monitor.notify.digest import Digest

# Colours by direction, chosen to stay readable for red-green colour blindness
# beside the arrows, which carry the same meaning.
COLOURS = {"deterioration": "#b42318", "improvement": "#1b6e3a", "": "#555555"}


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn escaping: &, < and > only (its docs say so)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Templates:
    """The digest templates; `override` is a directory whose files win by name."""

    def __init__(self, override: Path | None = None) -> None:
        loaders = [FileSystemLoader(str(override))] if override else []
        loader = ChoiceLoader([*loaders, PackageLoader("monitor.notify", "templates")])
        self._html = self._environment(loader, autoescape=True)
        self._text = self._environment(loader, autoescape=False)
        self._text.filters["slack"] = _slack_escape

    @staticmethod
    def _environment(loader: ChoiceLoader, *, autoescape: bool) -> Environment:
        env = Environment(
            loader=loader,
            autoescape=autoescape,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            extensions=["jinja2.ext.do"],
        )
        env.filters.update(number=number, arrow=arrow, word=lambda d: WORDS.get(d, d))
        env.globals["colours"] = COLOURS
        return env

    def text(self, digest: Digest) -> str:
        return self._text.get_template("digest.txt.j2").render(digest=digest)

    def html(self, digest: Digest) -> str:
        return self._html.get_template("digest.html.j2").render(digest=digest)

    def slack(self, digest: Digest) -> str:
        return self._text.get_template("slack.md.j2").render(digest=digest)
