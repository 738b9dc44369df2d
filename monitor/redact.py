"""URLs as we may show them: credentials and secret-looking values replaced by `***`.

A URL can carry a secret: `user:password@`, `?token=…`, or the whole path of a Slack
incoming webhook. Every URL we print, log or store goes through `redact` (text that may
hold URLs, like an error message, through `redact_text`); the real URL is only ever
used to make the request.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "***"
# A query parameter whose name contains one of these holds a secret: token, api_key,
# sig, X-Amz-Signature, client_secret, password, auth…
_SECRET_NAME = re.compile(r"token|key|sig|secret|pass|auth", re.I)
# Hosts whose URL path is itself the credential: only the host is shown.
_SECRET_PATH_HOSTS = ("hooks.slack.com",)
# A URL in running text: it does not end with the punctuation that follows it.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>.,:;!?)\]]", re.I)


def redact(url: str) -> str:
    """`url` with its userinfo and secret-looking query values replaced by `***`; a
    Slack incoming-webhook URL as its host only. A URL without secrets is unchanged."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # not a URL we can take apart: show none of it
        return HIDDEN
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
    if host in _SECRET_PATH_HOSTS:
        return f"{parts.scheme}://{netloc}/{HIDDEN}"
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    return f"{name}={HIDDEN}" if equals and _SECRET_NAME.search(name) else pair


def redact_text(text: str) -> str:
    """`text` (an error message, a log line) with every URL in it redacted."""
    return _URL.sub(lambda match: redact(match[0]), text)


class RedactingFilter(logging.Filter):
    """Redacts URLs in every record a handler emits, whichever library logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
