"""Messages kept with an engagement (a sub disputing, the GC answering), each told at once to
the other side as a notice with a link back to the thread."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, EngagementMessage, Organisation, Project
from backend.network.actor import Actor
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

# Longest message with a dispute, an answer or a forward: a few paragraphs, not a file.
MAX_MESSAGE_CHARS: Final = 4000


async def post_message(
    db: AsyncSession,
    actor: Actor,
    engagement: Engagement,
    kind: str,
    check_code: str,
    body: str,
) -> EngagementMessage:
    """Keep the message with the engagement and tell the other side at once."""
    message = EngagementMessage(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        author_id=actor.person_id,
        author_org_id=actor.organisation_id,
        kind=kind,
        check_code=check_code,
        body=body,
        created_at=datetime.now(UTC),
    )
    db.add(message)
    await db.flush()
    project = await db.get(Project, engagement.project_id)
    author = await db.get(Organisation, actor.organisation_id)
    where = f"{project.number} {project.name}" if project else "a project"
    about = f" ({check_code})" if check_code else ""
    if kind == "dispute":
        recipients = await members_with_roles(db, {engagement.gc_org_id}, GC_NOTICE_ROLES)
        org, link = engagement.gc_org_id, f"/engagements/{engagement.id}#messages"
        subject = f"{author.legal_name if author else 'A sub'} disputes{about} on {where}"
    else:
        recipients = await members_with_roles(db, {engagement.sub_org_id}, SUB_NOTICE_ROLES)
        org, link = engagement.sub_org_id, f"/my/engagements/{engagement.id}#messages"
        subject = f"{author.legal_name if author else 'The GC'} answered{about} on {where}"
    await add_notices(
        db,
        [
            NoticeDraft(
                person,
                org,
                engagement.id,
                f"message_{kind}",
                subject,
                body,
                link=link,
                change_key=f"message:{message.id}",
            )
            for person in recipients.get(org, [])
        ],
    )
    return message


async def remind_sub(db: AsyncSession, engagement: Engagement, gaps: list[str]) -> int:
    """A GC's reminder to the sub's people and active brokers, listing what is missing; one
    per person per engagement per day."""
    project = await db.get(Project, engagement.project_id)
    gc = await db.get(Organisation, engagement.gc_org_id)
    sub = await db.get(Organisation, engagement.sub_org_id)
    where = f"{project.number} {project.name}" if project else "a project"
    gc_name = gc.legal_name if gc else "The general contractor"
    subject = f"Reminder from {gc_name}: insurance still needed for {where}"
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
        sub.legal_name if sub else "Your client",
        engagement.id,
        "reminder",
        subject,
        body,
        link=link,
        change_key=key,
    )
