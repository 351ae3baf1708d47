"""Sends the mail pages queue (a sub forwarding its gaps to a broker: `send_plain_mail`), and
the one retry rule every mail job shares (`send_with_retries`): back off while the SMTP
server refuses, give up after the job's tries."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any, Final

import aiosmtplib
from arq import Retry

from backend.config import Settings, get_settings
from backend.mail_parts import message_to
from backend.notify.mail import backoff_seconds, send_message

log = logging.getLogger("coinet.mail")
PLAIN_MAIL_TRIES: Final = 8


async def send_with_retries(
    ctx: dict[str, Any], what: str, to: str, message: EmailMessage, tries: int
) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    try:
        await send_message(settings, message)
    except (aiosmtplib.SMTPException, OSError) as exc:
        attempt = int(ctx.get("job_try", 1))
        if attempt >= tries:
            log.error("%s to %s given up after %d tries: %s", what, to, attempt, exc)
            raise
        raise Retry(defer=backoff_seconds(attempt)) from exc


async def send_plain_mail(
    ctx: dict[str, Any], to: str, subject: str, body: str, reply_to: str = ""
) -> str:
    settings: Settings = ctx.get("settings") or get_settings()
    message = message_to(settings, to, subject, body, reply_to)
    await send_with_retries(ctx, "mail", to, message, PLAIN_MAIL_TRIES)
    return f"sent to {to}"
