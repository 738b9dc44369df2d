"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    # aiosmtpd cannot listen on port 0 (LIBRARY-NOTES): take a free port first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    refuse: frozenset[str] = frozenset()  # recipients answered 550 (no such mailbox)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    *,
    port: int | None = None,
    user: str = "",
    password: str = "",
    tls: Any = None,
    refuse: frozenset[str] = frozenset(),
) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server; with `user`, AUTH is required; with `tls` (an SSLContext),
    STARTTLS is offered and required before AUTH; `refuse` lists recipients it rejects."""
    mailbox = Mailbox(refuse=refuse)

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any):
        ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (
            user.encode(),
            password.encode(),
        )
        if ok:
            mailbox.logins.append(user)
        return AuthResult(success=ok)

    options: dict[str, Any] = {}
    if user:
        options |= {"authenticator": authenticate, "auth_required": True}
        options["auth_require_tls"] = tls is not None
    if tls is not None:
        options |= {"tls_context": tls, "require_starttls": True}
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
