"""Faults of the SMTP server of tests/helpers/mailserver.py."""

from __future__ import annotations

from typing import Any

from tests.helpers.mailserver import Mailbox


def drop_after_data(mailbox: Mailbox, times: int = 1) -> None:
    """The next `times` messages are received whole, then the connection drops before
    the server's reply: the client cannot know the message arrived."""
    receive = mailbox.handle_DATA
    left = [times]

    async def handle_DATA(server: Any, session: Any, envelope: Any) -> str:
        reply = await receive(server, session, envelope)
        if left[0] > 0:
            left[0] -= 1
            server.transport.close()
        return reply

    # aiosmtpd looks the hooks up on the handler object for each new connection.
    mailbox.handle_DATA = handle_DATA  # type: ignore[method-assign]
