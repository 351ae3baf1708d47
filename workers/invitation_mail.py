"""Sends one invitation e-mail, retrying with back-off while the SMTP server refuses."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from arq import Retry

from backend.config import Settings, get_settings
from backend.network.invitation_mail import compose_account_mail, compose_invitation
from backend.notify.mail import backoff_seconds, send_message

log = logging.getLogger("coinet.mail")
INVITATION_TRIES = 8


async def send_invitation_mail(
    ctx: dict[str, Any], to: str, inviter: str, purpose: str, link: str
) -> str:
    settings: Settings = ctx.get("settings") or get_settings()
    await _send_with_retries(ctx, to, compose_invitation(settings, to, inviter, purpose, link))
    return f"sent to {to}"


async def send_account_mail(ctx: dict[str, Any], to: str, subject: str, body: str) -> str:
    """A message about the person's own account (a password-reset link)."""
    settings: Settings = ctx.get("settings") or get_settings()
    await _send_with_retries(ctx, to, compose_account_mail(settings, to, subject, body))
    return f"sent to {to}"


async def _send_with_retries(ctx: dict[str, Any], to: str, message: EmailMessage) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    try:
        await send_message(settings, message)
    except (aiosmtplib.SMTPException, OSError) as exc:
        attempt = int(ctx.get("job_try", 1))
        if attempt >= INVITATION_TRIES:
            log.error("invitation mail to %s given up after %d tries: %s", to, attempt, exc)
            raise
        raise Retry(defer=backoff_seconds(attempt)) from exc
