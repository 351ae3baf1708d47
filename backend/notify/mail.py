"""E-mail delivery of notices: one digest per recipient, sent over SMTP with aiosmtplib.

A run claims each recipient's queued notices (SKIP LOCKED, so several workers can send), sends
them as one message and marks them sent. When the server refuses or cannot be reached, every
notice of that digest stays queued with the error and its attempt count; after
`MAX_ATTEMPTS` it turns "failed", still listed in the app as undelivered. Nothing is dropped.
Delivery is at least once: a worker killed between the server's acceptance and the commit
sends that digest again on the next run.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Final

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.db.models import Notice, Person
from backend.mail_parts import message_to
from backend.notify.repository import NoticeRepository

MAX_ATTEMPTS: Final = 5
SMTP_TIMEOUT_SECONDS: Final = 15.0
log = logging.getLogger("coinet.mail")


@dataclass
class DeliveryReport:
    sent_messages: int = 0
    sent_notices: int = 0
    failed_messages: int = 0
    errors: list[str] = field(default_factory=list)
    given_up_notices: int = 0

    @property
    def needs_retry(self) -> bool:
        return self.failed_messages > self.given_up_messages

    given_up_messages: int = 0


def compose_digest(
    settings: Settings, recipient: Person, notices: Sequence[Notice]
) -> EmailMessage:
    """One message listing every notice, newest last, with a link to the app."""
    if len(notices) == 1:
        subject = notices[0].subject
    else:
        subject = f"COI network: {len(notices)} updates for you"
    greeting = f"Hello {recipient.full_name}," if recipient.full_name else "Hello,"
    parts = [greeting, ""]
    for index, notice in enumerate(notices, start=1):
        parts.append(f"{index}. {notice.subject}")
        if notice.body:
            parts.extend(
                f"   {_absolute_links(settings, line)}" for line in notice.body.splitlines()
            )
        if notice.link:
            parts.append(f"   Open: {settings.base_url.rstrip('/')}{notice.link}")
        parts.append("")
    parts.append(f"See every notice at {settings.base_url.rstrip('/')}/")
    return message_to(settings, recipient.email, subject, "\n".join(parts))


# A path of this site written in a notice's body ("Open: /engagements/<id>").
_SITE_PATH: Final = re.compile(r"(?<=: )(/(?:my|engagements|depends|documents)/?\S*)")


def _absolute_links(settings: Settings, line: str) -> str:
    """Site paths in a notice's body made into full links for the e-mail."""
    return _SITE_PATH.sub(lambda m: settings.base_url.rstrip("/") + m.group(1), line)


async def send_message(settings: Settings, message: EmailMessage) -> None:
    """Send over SMTP_TLS's choice: STARTTLS (refused if the server does not offer it), TLS
    from the first byte, or plain (the development sink); signs in when SMTP_USERNAME is set.
    The server's certificate is checked against the system's trusted roots."""
    security = settings.smtp_security
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        timeout=SMTP_TIMEOUT_SECONDS,
        use_tls=security == "tls",
        start_tls=security == "starttls",
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
    )


async def deliver_queued(
    factory: async_sessionmaker[AsyncSession], settings: Settings, max_recipients: int = 500
) -> DeliveryReport:
    """Send every queued notice, one digest per recipient, each in its own transaction."""
    report = DeliveryReport()
    async with factory() as session:
        recipients = await NoticeRepository(session).recipients_with_queued_mail(max_recipients)
    for recipient_id in recipients:
        async with factory() as session, session.begin():
            notices = await NoticeRepository(session).queued_mail_of(recipient_id)
            person = await NoticeRepository(session).recipient(recipient_id)
            if not notices or person is None:
                continue
            now = datetime.now(UTC)
            try:
                await send_message(settings, compose_digest(settings, person, notices))
            # ValueError: a message that cannot be composed (a header it refuses) fails for
            # its recipient alone, like a refusal, and the run goes on to the others.
            except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:2000]
                report.failed_messages += 1
                report.errors.append(error)
                gave_up = False
                for notice in notices:
                    notice.email_attempts += 1
                    notice.email_last_error = error
                    if notice.email_attempts >= MAX_ATTEMPTS:
                        notice.email_state = "failed"
                        gave_up = True
                        report.given_up_notices += 1
                if gave_up:
                    report.given_up_messages += 1
                log.warning("mail to %s not delivered: %s", person.email, error)
                continue
            for notice in notices:
                notice.email_state = "sent"
                notice.email_attempts += 1
                notice.email_sent_at = now
                notice.email_last_error = ""
            report.sent_messages += 1
            report.sent_notices += len(notices)
    return report


async def requeue_failed(session: AsyncSession, recipient_id: uuid.UUID | None = None) -> int:
    """Put failed mail back in the queue (after the mail server is fixed), attempts reset."""
    count = 0
    for notice in await NoticeRepository(session).failed_mail(recipient_id):
        notice.email_state = "queued"
        notice.email_attempts = 0
        count += 1
    return count


def backoff_seconds(attempt: int, base: float = 5.0, cap: float = 900.0) -> float:
    """Exponential back-off between delivery attempts: 5 s, 10 s, 20 s ... at most 15 min."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))
