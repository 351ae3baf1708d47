"""Sends one e-mail a person wrote through a page (a sub forwarding its gaps to a broker),
retrying with back-off while the SMTP server refuses. Composed and queued by
`backend/notify/plain_mail.py` after the page's transaction."""

from __future__ import annotations

import logging
from typing import Any, Final

import aiosmtplib
from arq import Retry

from backend.config import Settings, get_settings
from backend.notify.mail import backoff_seconds, send_message
from backend.notify.plain_mail import compose_plain

log = logging.getLogger("coinet.mail")
PLAIN_MAIL_TRIES: Final = 8


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
