"""Invitation links by e-mail. The link carries a secret that is only stored hashed, so it
is handed to the queue once, after the invitation's transaction committed, and sent by a
worker with retries; the page that created it also shows it, so a Redis outage loses nothing."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

from backend.config import Settings

log = logging.getLogger("coinet.mail")

INVITATION_JOB: Final = "send_invitation_mail"


def compose_invitation(
    settings: Settings, to: str, inviter: str, purpose: str, link: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="coinet.local")
    message["Subject"] = f"{inviter} invited you on the COI network"
    message.set_content(
        "\n".join(
            [
                "Hello,",
                "",
                f"{inviter} invited you {purpose}.",
                "Open this link to accept (it works once and expires in 7 days):",
                "",
                link,
                "",
                "If you did not expect this, ignore this message.",
            ]
        )
    )
    return message


async def queue_invitation_mail(redis: Any, to: str, inviter: str, purpose: str, link: str) -> bool:
    """Hand the message to the workers; False (logged) when the queue cannot be reached."""
    try:
        await redis.enqueue_job(INVITATION_JOB, to, inviter, purpose, link)
    except Exception as exc:  # the link is on the page already; a queue outage must not fail
        log.warning("invitation mail to %s not queued: %s", to, type(exc).__name__)
        return False
    return True
