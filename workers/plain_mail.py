"""Sends one e-mail a person wrote through a page (a sub forwarding its gaps to a broker),
retrying with back-off while the SMTP server refuses. Queued after the page's transaction."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

import aiosmtplib
from arq import Retry

from backend.config import Settings, get_settings
from backend.notify.mail import backoff_seconds, send_message

log = logging.getLogger("coinet.mail")
PLAIN_MAIL_JOB: Final = "send_plain_mail"
PLAIN_MAIL_TRIES: Final = 8


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


async def send_plain_mail(
    ctx: dict[str, Any], to: str, subject: str, body: str, reply_to: str = ""
) -> str:
    settings: Settings = ctx.get("settings") or get_settings()
    try:
        await send_message(settings, compose_plain(settings, to, subject, body, reply_to))
    except (aiosmtplib.SMTPException, OSError) as exc:
        attempt = int(ctx.get("job_try", 1))
        if attempt >= PLAIN_MAIL_TRIES:
            log.error("mail to %s given up after %d tries: %s", to, attempt, exc)
            raise
        raise Retry(defer=backoff_seconds(attempt)) from exc
    return f"sent to {to}"


async def queue_plain_mail(redis: Any, to: str, subject: str, body: str, reply_to: str) -> bool:
    """Hand the message to the workers; False (logged) when the queue cannot be reached."""
    try:
        await redis.enqueue_job(PLAIN_MAIL_JOB, to, subject, body, reply_to)
    except Exception as exc:  # a queue outage must not fail the page
        log.warning("mail to %s not queued: %s", to, type(exc).__name__)
        return False
    return True
