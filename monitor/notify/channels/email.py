"""Digest emails: multipart plain text + HTML, by SMTP or into the outbox folder."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from monitor.config.notify import SmtpSettings, check_addresses
from monitor.errors import DeliveryError
from monitor.files import private_dir, private_opener
from monitor.notify.channels import ChannelKind, register, secret
from monitor.store.outbox import Notification

if TYPE_CHECKING:  # types only: loading the registry must not load digests and templates
    from monitor.notify.digest import Digest


OUTBOX_DIR = "outbox"
FULL_DIGESTS_DIR = "digests"
# Bytes of HTML a digest email may hold: Gmail clips messages past 102 KB.
HTML_BUDGET = 95_000
log = logging.getLogger(__name__)
MESSAGE_ID_DOMAIN = "profile-monitor"
# What a msg-id's left part may not hold (RFC 5322 atext, dots left out for simplicity).
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


@register
class Email(ChannelKind):
    """A digest email (plain text and HTML) to a list of recipients.

    Sent through `[notify.smtp]` (STARTTLS, SSL or plain; the user name and password are
    read from the environment variables it names). Without `[notify.smtp]`, each message
    is written as an `.eml` file to `<data_dir>/outbox/`, which any mail client opens.
    """

    name = "email"
    options: ClassVar[dict[str, str]] = {"to": "recipients, a list of email addresses"}

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[tuple[str, str]]:
        return list(check_addresses(options.get("to")))

    def compose(self, digest: Digest, idempotency_key: str) -> dict[str, Any]:
        html = self.templates.html(digest)
        if len(html.encode()) > HTML_BUDGET:
            # Past the budget mail clients clip the message: the whole digest goes to a
            # file, and the message keeps the overview and says where the rest is.
            digest = digest.cut(self._full_copy(html, idempotency_key).as_uri())
            html = self.templates.html(digest)
        return {
            "subject": digest.subject,
            "text": self.templates.text(digest),
            "html": html,
            "created_at": digest.created_at,
        }

    def _full_copy(self, html: str, idempotency_key: str) -> Path:
        """The whole digest as an HTML file in `<data_dir>/digests/`, beside the outbox;
        written again whole under the same name if composing is repeated after a crash."""
        folder = self.data_dir / FULL_DIGESTS_DIR
        private_dir(folder)
        path = folder / f"{_NOT_ATEXT.sub('-', idempotency_key)}.html"
        partial = path.with_suffix(".html.partial")
        with open(partial, "w", encoding="utf-8", opener=private_opener) as stream:
            stream.write(html)
        os.replace(partial, path)
        return path.resolve()

    def send(self, notification: Notification) -> str:
        message = self.email(notification)
        if self.settings.smtp is None:
            return str(self._write(notification, message))
        refused = _smtp_send(message, self.settings.smtp)
        where = f"smtp://{self.settings.smtp.host}:{self.settings.smtp.port}"
        if refused:
            # Sent to the others, who must not get it twice: delivered, but say who not.
            log.warning("%s: %s", notification.subject, refused)
            return f"{where} ({refused})"
        return where

    def email(self, notification: Notification) -> EmailMessage:
        parts = notification.message
        message = EmailMessage()
        message["Subject"] = parts["subject"]
        message["From"] = self.settings.sender
        message["To"] = ", ".join(self.spec.options["to"])
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id(notification.idempotency_key)
        message["X-Profile-Monitor-Key"] = notification.idempotency_key
        message.set_content(parts["text"])
        message.add_alternative(parts["html"], subtype="html")
        return message

    def _write(self, notification: Notification, message: EmailMessage) -> Path:
        folder = self.data_dir / OUTBOX_DIR
        private_dir(folder)
        stamp = notification.created_at[:19].replace(":", "").replace("-", "")
        path = folder / f"{stamp}-{self.spec.name}-{notification.id}.eml"
        partial = path.with_suffix(".eml.partial")
        # Written whole, then renamed: a reader never sees half a message, and a second
        # write after a crash replaces the first instead of adding a copy.
        with open(partial, "wb", opener=private_opener) as stream:
            stream.write(bytes(message))
        os.replace(partial, path)
        return path


def message_id(idempotency_key: str) -> str:
    """The same for every copy of one notification, so a mail client drops a copy re-sent
    after a crash between sending and recording it. A channel name's spaces and other
    characters a msg-id cannot hold become '-'; the key's hash keeps it unique."""
    return f"<{_NOT_ATEXT.sub('-', idempotency_key)}@{MESSAGE_ID_DOMAIN}>"


def _smtp_send(message: EmailMessage, smtp: SmtpSettings) -> str:
    """Send; what the server refused of the recipients ("" when none), when it took the
    message for the rest (refusing every recipient raises DeliveryError)."""
    user = secret(smtp.username_env, "SMTP user name") if smtp.username_env else ""
    password = secret(smtp.password_env, "SMTP password") if smtp.password_env else ""
    context = ssl.create_default_context(cafile=smtp.ca_file or None)
    try:
        if smtp.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=context
            )
        else:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with server:
            if smtp.security == "starttls":
                server.starttls(context=context)
            if user:
                server.login(user, password)
            refused = server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port}: {type(exc).__name__}: {exc}") from exc
    return "; ".join(
        f"refused {address}: {code} {reply.decode(errors='replace')}"
        for address, (code, reply) in refused.items()
    )
