"""The digest sender job: e-mails queued notices, retrying with exponential back-off."""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings, get_settings
from backend.notify.mail import backoff_seconds, deliver_queued

log = logging.getLogger("coinet.mail")
MAIL_JOB_TRIES = 8


async def send_notice_mail(ctx: dict[str, Any]) -> dict[str, Any]:
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    settings: Settings = ctx.get("settings") or get_settings()
    report = await deliver_queued(factory, settings)
    result = {
        "sent_messages": report.sent_messages,
        "sent_notices": report.sent_notices,
        "failed_messages": report.failed_messages,
        "given_up_notices": report.given_up_notices,
        "errors": report.errors[:5],
    }
    attempt = int(ctx.get("job_try", 1))
    if report.needs_retry and attempt < MAIL_JOB_TRIES:
        delay = backoff_seconds(attempt)
        log.warning("mail not delivered (%s); retrying in %.0fs", report.errors[:1], delay)
        raise Retry(defer=delay)
    return result
