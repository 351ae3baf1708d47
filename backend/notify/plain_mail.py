"""One e-mail a person wrote through a page (a sub forwarding its gaps to a broker): queued
after the page's transaction; `workers/plain_mail.py` sends it with retries. Kept in the
backend so that pages queue it without importing the workers."""

from __future__ import annotations

from typing import Any, Final

from backend.mail_parts import enqueue_mail

PLAIN_MAIL_JOB: Final = "send_plain_mail"


async def queue_plain_mail(redis: Any, to: str, subject: str, body: str, reply_to: str) -> bool:
    """Hand the message to the workers; False (logged) when the queue cannot be reached."""
    return await enqueue_mail(redis, "mail", PLAIN_MAIL_JOB, to, subject, body, reply_to)
