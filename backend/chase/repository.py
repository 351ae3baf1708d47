"""Every SQL statement of the chase loop."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.arrays import one_of
from backend.db.models import (
    Document,
    Engagement,
    Invitation,
    Organisation,
    Project,
    RecordRevision,
    Verdict,
)
from backend.db.models.chase_reminder import ChaseReminder
from backend.db.models.holder_request import HolderRequest
from backend.db.models.upload_link import UploadLink
from backend.network.access import engagement_scope
from backend.network.actor import Actor
from backend.projects.repository import engagement_parties


async def active_engagements_of_sub(
    session: AsyncSession, sub_org_id: uuid.UUID
) -> list[tuple[Engagement, Project, Organisation]]:
    """The sub's active engagements with their project and GC, by GC name and project."""
    query = (
        select(Engagement, Project, Organisation)
        .join(Project, Project.id == Engagement.project_id)
        .join(Organisation, Organisation.id == Engagement.gc_org_id)
        .where(Engagement.sub_org_id == sub_org_id, Engagement.active.is_(True))
        .order_by(Organisation.legal_name, Project.number)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(query)).all()]


async def open_holder_requests(
    session: AsyncSession, sub_org_id: uuid.UUID
) -> list[tuple[HolderRequest, Project, Organisation]]:
    """The sub's unfulfilled per-holder requests of active engagements, with project and GC."""
    query = (
        select(HolderRequest, Project, Organisation)
        .join(Engagement, Engagement.id == HolderRequest.engagement_id)
        .join(Project, Project.id == Engagement.project_id)
        .join(Organisation, Organisation.id == HolderRequest.gc_org_id)
        .where(
            HolderRequest.sub_org_id == sub_org_id,
            HolderRequest.fulfilled_at.is_(None),
            Engagement.active.is_(True),
        )
        .order_by(Organisation.legal_name, Project.number)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(query)).all()]


# The reminder run.

# Rows per multi-row INSERT: each row binds under ten parameters, and PostgreSQL takes at most
# 32,767 in one statement, so a thousand rows stay well inside it for any of these tables.
ROWS_PER_INSERT: Final = 1_000


async def engagements_to_chase(
    session: AsyncSession, deficient: frozenset[str], ending_by: date
) -> list[tuple[Engagement, Project, Organisation, Organisation]]:
    """Active engagements deficient now, ending by the given day or owed a certificate per
    holder, with project, GC and sub (the one join of backend/projects), every GC's: the run
    works for the product itself."""
    owed = select(HolderRequest.engagement_id).where(HolderRequest.fulfilled_at.is_(None))
    query = engagement_parties(
        Engagement.active.is_(True),
        or_(
            Engagement.status.in_(deficient),
            Engagement.expires_on <= ending_by,
            Engagement.id.in_(owed),
        ),
    ).order_by(Engagement.gc_org_id, Engagement.id)
    # Statuses are often changed by bulk UPDATEs earlier in the same session (a fan-out, the
    # sweep): read the rows as they are, not as the session first saw them.
    query = query.execution_options(populate_existing=True)
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(query)).all()]


async def latest_checks(
    session: AsyncSession, engagement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each engagement's newest verdict's checks."""
    if not engagement_ids:
        return {}
    query = (
        select(Verdict.engagement_id, Verdict.checks)
        .where(one_of(Verdict.engagement_id, engagement_ids))
        .ext(distinct_on(Verdict.engagement_id))
        .order_by(Verdict.engagement_id, Verdict.created_at.desc(), Verdict.id)
    )
    return {row[0]: list(row[1] or []) for row in (await session.execute(query)).all()}


async def owed_certificates(
    session: AsyncSession, engagement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[date, str]]]:
    """Per engagement, the open per-holder requests: when asked for and what they must say."""
    owed: dict[uuid.UUID, list[tuple[date, str]]] = defaultdict(list)
    if not engagement_ids:
        return owed
    query = (
        select(HolderRequest.engagement_id, HolderRequest.created_at, HolderRequest.wording)
        .where(
            one_of(HolderRequest.engagement_id, engagement_ids),
            HolderRequest.fulfilled_at.is_(None),
        )
        .order_by(HolderRequest.created_at)
    )
    for engagement_id, created_at, wording in (await session.execute(query)).all():
        owed[engagement_id].append((created_at.date(), wording))
    return owed


async def sent_stages(
    session: AsyncSession, engagement_ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], set[str]]:
    """The reminder stages already recorded, per (engagement, episode)."""
    sent: dict[tuple[uuid.UUID, str], set[str]] = defaultdict(set)
    if not engagement_ids:
        return sent
    query = select(ChaseReminder.engagement_id, ChaseReminder.episode, ChaseReminder.stage).where(
        one_of(ChaseReminder.engagement_id, engagement_ids)
    )
    for engagement_id, episode, stage in (await session.execute(query)).all():
        sent[(engagement_id, episode)].add(stage)
    return sent


async def record_stages(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> set[tuple[uuid.UUID, str, str]]:
    """Insert the stages; the (engagement, episode, stage) this statement inserted (one another
    transaction recorded first is not among them)."""
    inserted: set[tuple[uuid.UUID, str, str]] = set()
    for start in range(0, len(rows), ROWS_PER_INSERT):
        statement = (
            insert(ChaseReminder)
            .values(rows[start : start + ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["engagement_id", "episode", "stage"])
            .returning(ChaseReminder.engagement_id, ChaseReminder.episode, ChaseReminder.stage)
        )
        inserted |= {(r[0], r[1], r[2]) for r in (await session.execute(statement)).all()}
    return inserted


# Upload links.


def _within_granted_period(now: datetime) -> ColumnElement[bool]:
    """The access period the sub gave the broker is still running: a link stands
    in for that grant and lasts no longer than it would."""
    return or_(Invitation.access_until.is_(None), Invitation.access_until > now)


async def unaccepted_broker_invitations(
    session: AsyncSession, sub_org_ids: set[uuid.UUID], now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(invitation, sub, e-mail) of the subs' broker invitations nobody accepted, the sub did
    not withdraw and whose access period runs, newest first per sub and address."""
    query = (
        select(Invitation.id, Invitation.issuer_org_id, Invitation.email)
        .where(
            one_of(Invitation.issuer_org_id, sub_org_ids),
            Invitation.kind == "broker_access",
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            _within_granted_period(now),
        )
        .order_by(Invitation.issuer_org_id, Invitation.email, Invitation.created_at.desc())
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(query)).all()]


async def broker_registered(
    session: AsyncSession, sub_org_id: uuid.UUID, email: str, now: datetime
) -> bool:
    """Whether this address accepted a broker invitation of the sub that the sub did not
    withdraw and whose access period runs: its holder signs in and acts on the sub's pages."""
    query = (
        select(Invitation.id)
        .where(
            Invitation.issuer_org_id == sub_org_id,
            Invitation.kind == "broker_access",
            func.lower(Invitation.email) == email.strip().lower(),
            Invitation.accepted_at.is_not(None),
            Invitation.revoked_at.is_(None),
            _within_granted_period(now),
        )
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none() is not None


async def live_upload_link(
    session: AsyncSession, token_hash: bytes, now: datetime, lock: bool
) -> UploadLink | None:
    """The unused, unexpired link of this hash whose broker invitation the sub still holds."""
    query = (
        select(UploadLink)
        .join(Invitation, Invitation.id == UploadLink.invitation_id)
        .where(
            UploadLink.token_hash == token_hash,
            UploadLink.used_at.is_(None),
            UploadLink.expires_at > now,
            Invitation.revoked_at.is_(None),
            _within_granted_period(now),
            Invitation.issuer_org_id == UploadLink.sub_org_id,
        )
    )
    if lock:
        query = query.with_for_update(of=UploadLink)
    return (await session.execute(query)).scalar_one_or_none()


async def use_upload_link(session: AsyncSession, link_id: uuid.UUID, now: datetime) -> bool:
    """Mark the link used; False when another request used it first."""
    claimed = await session.execute(
        update(UploadLink)
        .where(UploadLink.id == link_id, UploadLink.used_at.is_(None))
        .values(used_at=now)
        .returning(UploadLink.id)
    )
    return claimed.scalar_one_or_none() is not None


async def set_link_document(
    session: AsyncSession, link_id: uuid.UUID, document_id: uuid.UUID
) -> None:
    await session.execute(
        update(UploadLink).where(UploadLink.id == link_id).values(document_id=document_id)
    )


# Per-holder certificate requests.


async def unplanned_renewals(session: AsyncSession, since: datetime) -> list[RecordRevision]:
    planned = select(HolderRequest.revision_id).where(
        HolderRequest.revision_id == RecordRevision.id
    )
    query = select(RecordRevision).where(
        RecordRevision.kind == "renewal", RecordRevision.created_at >= since, ~planned.exists()
    )
    return list((await session.execute(query)).scalars())


async def add_holder_requests(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert the requests (one per engagement and renewal); how many were new."""
    added = 0
    for start in range(0, len(rows), ROWS_PER_INSERT):
        result = await session.execute(
            insert(HolderRequest)
            .values(rows[start : start + ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["engagement_id", "revision_id"])
            .returning(HolderRequest.id)
        )
        added += len(result.all())
    return added


async def open_requests_locked(
    session: AsyncSession,
) -> list[tuple[HolderRequest, datetime]]:
    """Every unfulfilled request with its renewal's time, locked (others' locks skipped)."""
    query = (
        select(HolderRequest, RecordRevision.created_at)
        .join(RecordRevision, RecordRevision.id == HolderRequest.revision_id)
        .where(HolderRequest.fulfilled_at.is_(None))
        .with_for_update(of=HolderRequest, skip_locked=True)
    )
    return [(r[0], r[1]) for r in (await session.execute(query)).all()]


async def read_documents_since(
    session: AsyncSession, sub_org_ids: list[uuid.UUID], since: datetime
) -> list[Document]:
    """The subs' documents read since then, newest first."""
    query = (
        select(Document)
        .where(
            one_of(Document.sub_org_id, sub_org_ids),
            Document.read_state == "read",
            Document.created_at >= since,
        )
        .order_by(Document.created_at.desc())
    )
    return list((await session.execute(query)).scalars())


async def fulfil_requests(
    session: AsyncSession, request_ids: list[uuid.UUID], document_id: uuid.UUID, now: datetime
) -> None:
    """The requests one document fulfils, in one statement (an array parameter, so any
    number of them)."""
    await session.execute(
        update(HolderRequest)
        .where(one_of(HolderRequest.id, request_ids), HolderRequest.fulfilled_at.is_(None))
        .values(document_id=document_id, fulfilled_at=now)
    )


async def reminders_of_engagement(
    session: AsyncSession, actor: Actor, engagement_id: uuid.UUID
) -> list[ChaseReminder] | None:
    """The reminders sent for an engagement the actor may see (None when it may not), newest
    first."""
    visible = await session.scalar(
        select(Engagement.id).where(Engagement.id == engagement_id, engagement_scope(actor))
    )
    if visible is None:
        return None
    query = (
        select(ChaseReminder)
        .where(ChaseReminder.engagement_id == engagement_id)
        .order_by(ChaseReminder.sent_on.desc(), ChaseReminder.created_at.desc())
    )
    return list((await session.execute(query)).scalars())
