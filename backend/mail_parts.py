"""What every e-mail the product sends shares: its headers, and how a page or a service hands
a mail job to the workers. A module of its own at the top of the backend so that `network`
(invitations, password resets) and `notify` (digests, forwarded mail) use the same one, and
neither imports the other for it (import contract acyclic-backend)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

from backend.config import Settings

log = logging.getLogger("coinet.mail")
# The domain of our Message-IDs: ours, not the sender address's (which may be a relay's).
MESSAGE_ID_DOMAIN: Final = "coinet.local"


def message_to(
    settings: Settings, to: str, subject: str, body: str, reply_to: str = ""
) -> EmailMessage:
    """A plain-text message from the product's sender; answers go to `reply_to` when given
    (the person who wrote it), not to the no-reply sender."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=MESSAGE_ID_DOMAIN)
    # One line, whatever a customer typed into what the subject names (a project's name, a
    # disputed check's code): a line break in a header raised here, and the digest run that
    # composed the message stopped for every recipient after it.
    message["Subject"] = " ".join(subject.split())
    message.set_content(body)
    return message


async def enqueue_mail(redis: Any, what: str, job: str, to: str, *arguments: Any) -> bool:
    """Hand a mail job to the workers; False (logged, naming `what` mail) when the queue
    cannot be reached: a queue outage must not fail the request, the person asks again."""
    try:
        await redis.enqueue_job(job, to, *arguments)
    except Exception as exc:
        log.warning("%s to %s not queued: %s", what, to, type(exc).__name__)
        return False
    return True
