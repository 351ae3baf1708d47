"""Links that carry a secret (invitations, password resets) go by e-mail only: the secret is
stored hashed, handed to the queue once, after the transaction that made it committed, and
sent to the address by a worker with retries. No page or API answer shows it, so the inviter
never holds the invitee's key; if the queue was down, the inviter sends the invitation again
(a fresh link) from its list."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

from backend.config import Settings

log = logging.getLogger("coinet.mail")

INVITATION_JOB: Final = "send_invitation_mail"
ACCOUNT_MAIL_JOB: Final = "send_account_mail"


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
                "Open this link to accept (it works once):",
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
    except Exception as exc:  # a queue outage must not fail the request: the inviter resends
        log.warning("invitation mail to %s not queued: %s", to, type(exc).__name__)
        return False
    return True


def compose_account_mail(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="coinet.local")
    message["Subject"] = subject
    message.set_content(body)
    return message


def password_reset_body(link: str, minutes: int) -> str:
    return "\n".join(
        [
            "Hello,",
            "",
            "Someone asked to set a new password for your account on the COI network.",
            f"Open this link to choose one (it works once and expires in {minutes} minutes):",
            "",
            link,
            "",
            "If it was not you, ignore this message: your password stays as it is.",
        ]
    )


async def queue_account_mail(redis: Any, to: str, subject: str, body: str) -> bool:
    try:
        await redis.enqueue_job(ACCOUNT_MAIL_JOB, to, subject, body)
    except Exception as exc:  # the person asks again; a queue outage must not fail the page
        log.warning("account mail to %s not queued: %s", to, type(exc).__name__)
        return False
    return True
