"""Messages kept with an engagement (a sub disputing, the GC answering), each told at once to
the other side as a notice with a link back to the thread; and the GC's reminder of what is
still missing. The rules of a message (its length, who hears of it) live here; the pages
read the form and show a refusal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, EngagementMessage
from backend.errors import BadInput, Forbidden
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.network.service import ADDRESS_LIST_CHARS, EMAIL_PATTERN
from backend.notify.service import (
    GC_NOTICE_ROLES,
    SUB_NOTICE_ROLES,
    NoticeDraft,
    add_notices,
    change_noticed,
    members_with_roles,
    notify_sub_and_brokers,
    sub_engagement_link,
)
from backend.projects.repository import ProjectRepository
from backend.projects.service import ProjectService

# An address a person typed: enough to refuse a slip, the mail server judges the rest.
MAX_EMAIL_CHARS: Final = 254
# Longest message with a dispute, an answer or a forward: a few paragraphs, not a file.
MAX_MESSAGE_CHARS: Final = 4000
# A check code names one check of the engine (CHECKS.md): short; more is not a code.
MAX_CHECK_CODE_CHARS: Final = 80
DISPUTE: Final = "dispute"
REPLY: Final = "reply"


@dataclass(frozen=True)
class Forward:
    """A sub's forward of its gaps on an engagement to a broker: the address and its note."""

    to: str
    note: str


def forward_to_broker(actor: Actor, address: str, note: str) -> Forward:
    """Only the sub forwards its gaps (a broker it invited does not pass them on), to one
    plain address; the note is cut to MAX_MESSAGE_CHARS."""
    if not actor.is_sub:
        raise Forbidden("Only the subcontractor forwards its gaps to a broker.")
    # One address only: a list ("a@x.test,b@y.test"), a display name or a line break would
    # make the product's mail server carry the sub's note to many people, or add headers.
    address = address.strip()
    if (
        not EMAIL_PATTERN.match(address)
        or len(address) > MAX_EMAIL_CHARS
        or any(c in ADDRESS_LIST_CHARS for c in address)
    ):
        raise BadInput("Give the broker's e-mail address.", field="email")
    return Forward(address, note[:MAX_MESSAGE_CHARS])


def _checked_body(kind: str, body: str) -> str:
    """The message as kept, or a refusal saying what a message of this kind needs."""
    if kind == DISPUTE:
        if not body:
            raise BadInput("Write what you dispute and why.", field="message")
        if len(body) > MAX_MESSAGE_CHARS:
            raise BadInput(
                f"Keep the message under {MAX_MESSAGE_CHARS} characters.", field="message"
            )
    elif not body or len(body) > MAX_MESSAGE_CHARS:
        raise BadInput(
            f"Write an answer of at most {MAX_MESSAGE_CHARS} characters.", field="message"
        )
    return body


def speaks_for(actor: Actor, engagement: Engagement) -> uuid.UUID:
    """The company a message is written in the name of. A broker acting through a grant (not
    a member of the firm its invitation names) writes in the name of the sub whose grant it
    is: the firm was the sub's word, never checked, and the GC would read the message as the
    firm's (a sub inviting its own second address "as an agent of" a trusted brokerage spoke
    to its GC in the brokerage's name)."""
    if actor.is_broker and actor.invitation_id is not None:
        return engagement.sub_org_id
    return actor.organisation_id


async def post_message(
    db: AsyncSession,
    actor: Actor,
    engagement: Engagement,
    kind: str,
    check_code: str,
    body: str,
) -> EngagementMessage:
    """Keep the message with the engagement (one the caller found the actor may see) and
    tell the other side at once. A refusal (empty or too long) writes nothing."""
    sides = await ProjectService(db).engagement_sides(actor, engagement.id)
    message = EngagementMessage(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        author_id=actor.person_id,
        author_org_id=speaks_for(actor, engagement),
        kind=kind,
        # One line: it names a check, and notices' subjects (e-mail subjects) carry it.
        check_code=" ".join(check_code.split())[:MAX_CHECK_CODE_CHARS],
        body=_checked_body(kind, body),
        created_at=datetime.now(UTC),
    )
    repo = ProjectRepository(db)
    repo.add(message)
    await repo.flush()
    project = sides.project
    author = (
        sides.sub if message.author_org_id == sides.sub.id else await CompanyService(db).own(actor)
    )
    where = f"{project.number} {project.name}"
    about = f" ({message.check_code})" if message.check_code else ""
    if kind == DISPUTE:
        recipients = await members_with_roles(db, {engagement.gc_org_id}, GC_NOTICE_ROLES)
        org, link = engagement.gc_org_id, f"/engagements/{engagement.id}#messages"
        subject = f"{author.legal_name} disputes{about} on {where}"
    else:
        recipients = await members_with_roles(db, {engagement.sub_org_id}, SUB_NOTICE_ROLES)
        org, link = engagement.sub_org_id, f"/my/engagements/{engagement.id}#messages"
        subject = f"{author.legal_name} answered{about} on {where}"
    await add_notices(
        db,
        [
            NoticeDraft(
                person,
                org,
                engagement.id,
                f"message_{kind}",
                subject,
                message.body,
                link=link,
                change_key=f"message:{message.id}",
            )
            for person in recipients.get(org, [])
        ],
    )
    return message


async def remind_sub(
    db: AsyncSession, actor: Actor, engagement: Engagement, gaps: list[str]
) -> int:
    """A GC's reminder (the actor's, on its own engagement) to the sub's people and active
    brokers, listing what is missing; one per person per engagement per day."""
    sides = await ProjectService(db).engagement_sides(actor, engagement.id)
    where = f"{sides.project.number} {sides.project.name}"
    subject = f"Reminder from {sides.gc.legal_name}: insurance still needed for {where}"
    body = "Still missing:\n" + (
        "\n".join(f"- {gap}" for gap in gaps) or "- nothing failing; keep the record current"
    )
    link = sub_engagement_link(engagement.id)
    key = f"remind:{engagement.id}:{date.today().isoformat()}"
    if await change_noticed(db, key):
        return 0  # reminded today already: pressing again adds nothing
    return await notify_sub_and_brokers(
        db,
        engagement.sub_org_id,
        sides.sub.legal_name,
        engagement.id,
        "reminder",
        subject,
        body,
        link=link,
        change_key=key,
    )
