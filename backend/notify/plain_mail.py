"""One e-mail a person wrote through a page (a sub forwarding its gaps to a broker): composed
here and queued after the page's transaction; `workers/plain_mail.py` sends it with retries.
Kept in the backend so that pages queue it without importing the workers."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

from backend.config import Settings

log = logging.getLogger("coinet.mail")
PLAIN_MAIL_JOB: Final = "send_plain_mail"


def compose_plain(
    settings: Settings, to: str, subject: str, body: str, reply_to: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    if reply_to:
        # Answers go to the person who sent it, not to the product's no-reply sender.
        message["Reply-To"] = reply_to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="coinet.local")
    message["Subject"] = subject
    message.set_content(body)
    return message


async def queue_plain_mail(redis: Any, to: str, subject: str, body: str, reply_to: str) -> bool:
    """Hand the message to the workers; False (logged) when the queue cannot be reached."""
    try:
        await redis.enqueue_job(PLAIN_MAIL_JOB, to, subject, body, reply_to)
    except Exception as exc:  # a queue outage must not fail the page
        log.warning("mail to %s not queued: %s", to, type(exc).__name__)
        return False
    return True
