"""Sends one invitation or account e-mail (a password-reset link), retrying with back-off
while the SMTP server refuses (`workers/plain_mail.send_with_retries`)."""

from __future__ import annotations

from typing import Any, Final

from backend.config import Settings, get_settings
from backend.mail_parts import message_to
from backend.network.invitation_mail import compose_invitation
from workers.plain_mail import send_with_retries

INVITATION_TRIES: Final = 8


async def send_invitation_mail(
    ctx: dict[str, Any], to: str, inviter: str, purpose: str, link: str
) -> str:
    settings: Settings = ctx.get("settings") or get_settings()
    message = compose_invitation(settings, to, inviter, purpose, link)
    await send_with_retries(ctx, "invitation mail", to, message, INVITATION_TRIES)
    return f"sent to {to}"


async def send_account_mail(ctx: dict[str, Any], to: str, subject: str, body: str) -> str:
    """A message about the person's own account (a password-reset link)."""
    settings: Settings = ctx.get("settings") or get_settings()
    message = message_to(settings, to, subject, body)
    await send_with_retries(ctx, "invitation mail", to, message, INVITATION_TRIES)
    return f"sent to {to}"
