"""Apprise: one channel kind for the many chat and push services it speaks to (Teams,
Telegram, ntfy, Matrix, Discord, Pushover, …), each named by an Apprise URL.

Apprise is optional (`pip install '.[apprise]'`), so it is imported when a channel of
this kind is checked or used, never by the registry. A channel sends to one URL: a
retried notification then reaches no service twice, which several URLs, some failing,
could not promise. The outbox gives it what every kind has: stored before it is sent,
retried, delivered once per notification key.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from monitor.errors import DeliveryError
from monitor.notify.channels import ChannelKind, register, secret
from monitor.redact import redact_text
from monitor.store.outbox import Notification

if TYPE_CHECKING:  # types only: loading the registry must not load digests and templates
    from monitor.notify.digest import Digest


INSTALL = "Apprise is not installed: pip install 'profile-monitor[apprise]'"


@register
class Apprise(ChannelKind):
    """A digest (subject and plain text) through Apprise to one of the services it
    knows — Microsoft Teams, Telegram, ntfy, Matrix, Discord, Pushover, Gotify, a JSON
    or form POST, and many more — named by an Apprise URL (`ntfy://ntfy.sh/topic`,
    `tgram://bot_token/chat_id`; see Apprise's documentation). Needs the `apprise`
    extra: `pip install '.[apprise]'`."""

    name = "apprise"
    options: ClassVar[dict[str, str]] = {
        "apprise_url": "the service's Apprise URL",
        "apprise_url_env": "environment variable holding the Apprise URL, instead of"
        " apprise_url (most hold a token: keep them out of the file)",
    }

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[tuple[str, str]]:
        url, variable = options.get("apprise_url"), options.get("apprise_url_env")
        if (url is None) == (variable is None):
            return [("apprise_url", "give apprise_url or apprise_url_env (one of them)")]
        if variable is not None:
            if not isinstance(variable, str) or not variable:
                return [("apprise_url_env", "must name an environment variable")]
            return []  # read when sending, like every secret
        try:
            apprise = _apprise()
        except DeliveryError as exc:
            return [("kind", str(exc))]
        if not isinstance(url, str) or apprise.Apprise.instantiate(url) is None:
            return [("apprise_url", "is not a URL Apprise knows (see its list of services)")]
        return []

    def compose(self, digest: Digest, idempotency_key: str) -> dict[str, Any]:
        return {"title": digest.subject, "body": self.templates.text(digest)}

    def send(self, notification: Notification) -> str:
        return send_once(
            _url(self.spec.options, self.spec.name),
            notification.message["title"],
            notification.message["body"],
        )


def send_once(url: str, title: str, body: str) -> str:
    """Send through Apprise; where it went (the URL with its secrets masked). Raises
    `DeliveryError` with what Apprise said when the service did not take it."""
    apprise = _apprise()
    service = apprise.Apprise.instantiate(url)
    if service is None:
        raise DeliveryError("the Apprise URL is not one Apprise knows")
    shown = redact_text(service.url(privacy=True))  # tokens masked by the plug-in itself
    sender = apprise.Apprise()
    sender.add(service)
    # Apprise logs why a service refused rather than raising: caught to say so.
    with apprise.LogCapture(level=logging.WARNING) as said:
        sent = sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if not sent:
        reason = [line.split(" - ", 2)[-1] for line in said.getvalue().splitlines() if line]
        raise DeliveryError(redact_text(f"{shown}: {'; '.join(reason) or 'not delivered'}"))
    return shown


def _url(options: dict[str, Any], channel: str) -> str:
    if options.get("apprise_url"):
        return str(options["apprise_url"])
    return secret(options["apprise_url_env"], f"apprise {channel}")


def _apprise() -> Any:
    try:
        import apprise
    except ImportError:
        raise DeliveryError(INSTALL) from None
    return apprise
