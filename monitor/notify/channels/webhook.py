"""Signed webhooks: a generic JSON digest (versioned schema) and a Slack-compatible one.

Every request carries, so that receivers can verify and de-duplicate it:

- `X-Monitor-Timestamp`: Unix seconds when the request was signed;
- `X-Monitor-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the channel's secret,
  over the timestamp, a `.`, and the raw request body;
- `Idempotency-Key`: the same for every attempt at one notification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from monitor.config.notify import check_url
from monitor.config.numbers import NUMBERS
from monitor.errors import DeliveryError
from monitor.notify.channels import ChannelKind, register, secret
from monitor.redact import redact, redact_text
from monitor.store.outbox import Notification
from monitor.version import __version__

if TYPE_CHECKING:  # types only: loading the registry must not load digests and templates
    from monitor.notify.digest import CountryDigest, Digest, ScoreLine


SCHEMA = "profile-monitor.digest/1"
DEFAULT_TIMEOUT = 10.0


def signature(secret_key: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret_key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret_key: str, timestamp: str, body: bytes, signed: str, *, tolerance: float = 300
) -> bool:
    """For receivers: the signature matches and the timestamp is recent (no replays)."""
    fresh = abs(time.time() - float(timestamp)) <= tolerance if timestamp.isdigit() else False
    return fresh and hmac.compare_digest(signature(secret_key, timestamp, body), signed)


@register
class Webhook(ChannelKind):
    """A JSON POST of the whole digest (schema `profile-monitor.digest/1`, documented in
    docs/notifications.md), signed with HMAC-SHA256; the secret is read from the
    environment variable `secret_env` names."""

    name = "webhook"
    signed: ClassVar[bool] = True  # whether a secret is required
    options: ClassVar[dict[str, str]] = {
        "url": "where to POST (http or https)",
        "url_env": "environment variable holding the URL, instead of url (a secret URL)",
        "secret_env": "environment variable holding the signing secret (required)",
        "timeout": f"seconds per request (default {DEFAULT_TIMEOUT:g})",
    }

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[tuple[str, str]]:
        problems = list(check_url(options.get("url")))
        variable = options.get("secret_env")
        if (cls.signed or variable is not None) and (not isinstance(variable, str) or not variable):
            problems.append(("secret_env", "name the environment variable holding the secret"))
        timeout = NUMBERS["notify.channels.<name>.timeout"].problem(
            options.get("timeout", DEFAULT_TIMEOUT)
        )
        if timeout is not None:
            problems.append(("timeout", timeout))
        return problems

    def compose(self, digest: Digest, idempotency_key: str) -> dict[str, Any]:
        payload = digest_payload(digest, idempotency_key)
        # Stored as the exact bytes to send: every attempt signs and sends the same body.
        return {"body": json.dumps(payload, ensure_ascii=False, sort_keys=True)}

    def send(self, notification: Notification) -> str:
        url = self.spec.options["url"]
        body = notification.message["body"].encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"profile-monitor/{__version__}",
            "Idempotency-Key": notification.idempotency_key,
        }
        if variable := self.spec.options.get("secret_env"):
            timestamp = str(int(time.time()))
            key = secret(variable, f"{self.name} {self.spec.name}")
            headers["X-Monitor-Timestamp"] = timestamp
            headers["X-Monitor-Signature"] = signature(key, timestamp, body)
        timeout = float(self.spec.options.get("timeout", DEFAULT_TIMEOUT))
        shown = redact(url)  # the URL may hold the credential: never in a message
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"{shown}: {type(exc).__name__}: {redact_text(str(exc))}"
            ) from None  # the chained exception's request holds the URL
        if not response.is_success:
            raise DeliveryError(f"{shown}: HTTP {response.status_code}")
        return shown


@register
class Slack(Webhook):
    """A Slack-compatible incoming-webhook message (`{"text": …}` in Slack's mrkdwn);
    for Slack, Mattermost, and chat tools that accept the same. A Slack incoming webhook
    needs no signature (its secret is its URL: give it with `url_env`); with
    `secret_env` the request is signed like `webhook`'s, for receivers of your own."""

    name = "slack"
    signed = False
    options: ClassVar[dict[str, str]] = {
        **Webhook.options,
        "secret_env": "environment variable holding a signing secret (optional)",
    }

    def compose(self, digest: Digest, idempotency_key: str) -> dict[str, Any]:
        return {"body": json.dumps({"text": self.templates.slack(digest)}, ensure_ascii=False)}


def digest_payload(digest: Digest, idempotency_key: str) -> dict[str, Any]:
    """The generic webhook body; docs/notifications.md documents every field."""
    return {
        "schema": SCHEMA,
        "id": idempotency_key,
        "channel": digest.channel,
        "created_at": digest.created_at,
        "subject": digest.subject,
        "summary": {
            "countries": len(digest.countries),
            "findings": len(digest.items),
            "severities": digest.severities,
            "regions": [
                {"region": r.region, "countries": list(r.countries), "severities": r.severities}
                for r in digest.regions
            ],
        },
        "countries": [_country(c) for c in digest.countries],
    }


def _country(c: CountryDigest) -> dict[str, Any]:
    return {
        "country": c.country,
        "name": c.name,
        "region": c.region,
        "severity": c.severity,
        "old_edition": c.old_edition,
        "new_edition": c.new_edition,
        "against_incomplete": c.incomplete,
        "headline": _headline(c.headline),
        "summary": c.summary,
        "indices": [
            {
                "index": i.index,
                "name": i.name,
                "summary": i.summary,
                "severity": i.severity,
                "old_edition": i.old_edition,
                "new_edition": i.new_edition,
                "against_incomplete": i.incomplete,
                "headline": _headline(i.headline),
                "findings": [item.finding_id for item in i.items],
            }
            for i in c.indices
        ],
        "findings": [
            {
                "id": i.finding_id,
                "kind": i.finding.kind,
                "key": i.finding.key,
                "severity": i.finding.severity,
                "message": i.finding.message,
                "old": i.finding.old,
                "new": i.finding.new,
                "direction": i.finding.direction,
                "detail": i.finding.detail,
                "index": i.index,
                "source": i.source_key,
                "snapshot_id": i.snapshot_id,
                "base_snapshot_id": i.base_snapshot_id,
            }
            for i in c.items
        ],
    }


def _headline(lines: Sequence[ScoreLine]) -> list[dict[str, Any]]:
    return [
        {"key": s.key, "old": s.old, "new": s.new, "change": s.change, "direction": s.direction}
        for s in lines
    ]
