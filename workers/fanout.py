"""The fan-out: one confirmed record change reaches every active engagement of that sub.

`fan_out_record_change` (an arq job queued by the relay for each "record.changed" event) loads
the record once, then verifies the sub's engagements, tier 1 and tier 2, across all GCs, in
batches: each batch is one transaction holding its verdicts, engagement updates, snapshots and
notices, so a worker killed mid-way leaves only whole engagements behind, and a rerun skips the
(engagement, revision) pairs already verified. When every batch is done the digest sender is
queued, so a renewal touching 40 projects of one GC gives its admin one e-mail.

A PostgreSQL outage fails the job with arq's Retry (back-off), and the rerun resumes where the
committed batches stop. `resume_fan_outs` (at worker start-up and every few minutes) re-queues
the fan-out of any recent latest revision with engagements still unverified, so a SIGKILLed
worker's job completes after a restart without waiting for the queue's lease to expire.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from arq import Retry
from sqlalchemy import and_, exists, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from backend.audit import tail
from backend.audit.context import AuditContext
from backend.config import get_settings
from backend.db.models import Engagement, OutboxEvent, RecordRevision, Verdict
from backend.notify.service import fan_out_notices
from backend.projects.engine_input import load_record_rows
from backend.projects.verify_service import FanOutCache, verify_batch
from workers.dead_letter import is_outage, record_failure, without_dead_letters

log = logging.getLogger("coinet.fanout")

RECORD_CHANGED: Final = "record.changed"
DEFAULT_BATCH: Final = 500
RESUME_WINDOW: Final = timedelta(days=3)
MAIL_JOB: Final = "send_notice_mail"


def batch_size() -> int:
    raw = os.environ.get("COINET_FANOUT_BATCH", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_BATCH


@dataclass
class FanOutReport:
    event_id: uuid.UUID
    engagements: int = 0
    verified: int = 0
    notices: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "engagements": self.engagements,
            "verified": self.verified,
            "notices": self.notices,
            "batches": self.batches,
        }


def pending_engagements_query(revision: RecordRevision) -> Any:
    """Active engagements of the sub not yet verified against this revision, and not already
    verified against a later one (an older revision must not overwrite a newer verdict)."""
    newer = aliased(RecordRevision)
    newer_verdict = aliased(Verdict)
    return (
        select(Engagement.id)
        .where(
            Engagement.sub_org_id == revision.sub_org_id,
            Engagement.active.is_(True),
            ~exists().where(
                Verdict.engagement_id == Engagement.id, Verdict.revision_id == revision.id
            ),
            ~exists().where(
                and_(
                    newer_verdict.engagement_id == Engagement.id,
                    newer.id == newer_verdict.revision_id,
                    newer.sub_org_id == revision.sub_org_id,
                    newer.number > revision.number,
                )
            ),
        )
        .order_by(Engagement.id)
    )


async def run_fan_out(
    factory: async_sessionmaker[AsyncSession],
    event_id: uuid.UUID,
    today: date,
    *,
    size: int | None = None,
    after_batch: Callable[[int], Awaitable[None]] | None = None,
    seal: Callable[[], Awaitable[object]] | None = None,
) -> FanOutReport:
    report = FanOutReport(event_id)
    async with factory() as session:
        event = await session.get(OutboxEvent, event_id)
        if event is None or event.kind != RECORD_CHANGED or event.revision_id is None:
            return report
        revision = await session.get(RecordRevision, event.revision_id)
        if revision is None:
            return report
        latest = await session.scalar(
            select(RecordRevision.number)
            .where(RecordRevision.sub_org_id == revision.sub_org_id)
            .order_by(RecordRevision.number.desc())
            .limit(1)
        )
        # The latest revision is read as the record stands now; an older one as it stood then.
        known_at = None if latest == revision.number else revision.created_at
        rows = await load_record_rows(session, revision.sub_org_id, known_at)
        engagement_ids = list(
            (await session.execute(pending_engagements_query(revision))).scalars()
        )
    report.engagements = len(engagement_ids)
    cache = FanOutCache()
    step = size or batch_size()
    for start in range(0, len(engagement_ids), step):
        chunk = engagement_ids[start : start + step]
        async with factory() as session, session.begin():
            changes = await verify_batch(session, chunk, rows, revision, today, cache)
            report.notices += await fan_out_notices(session, changes, revision.number)
        report.verified += len(changes)
        report.batches += 1
        if seal is not None and changes:
            await seal()  # the batch's snapshots are signed before the next batch starts
        if after_batch is not None:
            await after_batch(report.batches)
    return report


def audit_context(ctx: dict[str, Any]) -> AuditContext:
    """The worker's audit context (keys read once per process)."""
    context: AuditContext | None = ctx.get("audit_context")
    if context is None:
        context = AuditContext.from_settings(ctx.get("settings") or get_settings())
        ctx["audit_context"] = context
    return context


_TRANSIENT: Final = (OperationalError, InterfaceError, DBAPIError, OSError, ConnectionError)


async def fan_out_record_change(ctx: dict[str, Any], event_id: str) -> dict[str, Any]:
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    context = audit_context(ctx)
    try:
        report = await run_fan_out(
            factory,
            uuid.UUID(event_id),
            datetime.now(UTC).date(),
            seal=lambda: tail.seal(factory, context),
        )
    except Exception as exc:
        if is_outage(exc, _TRANSIENT):
            attempt = int(ctx.get("job_try", 1))
            log.warning("fan-out of %s failed (try %d), retrying: %s", event_id, attempt, exc)
            raise Retry(defer=min(60, 2**attempt)) from exc
        await record_failure(factory, uuid.UUID(event_id), exc)  # dead letter after a few
        raise
    if report.notices:
        await ctx["redis"].enqueue_job(MAIL_JOB, _job_id=f"mail:{event_id}:{report.batches}")
    log.info("fan-out %s: %s", event_id, report.as_dict())
    return report.as_dict()


async def unfinished_events(
    session: AsyncSession, now: datetime, window: timedelta = RESUME_WINDOW
) -> list[uuid.UUID]:
    """Recent published record changes whose revision is the sub's latest and still has an
    active engagement, older than the event, without a verdict for it."""
    newest = aliased(RecordRevision)
    query = (
        select(OutboxEvent.id, OutboxEvent.created_at, RecordRevision)
        .join(RecordRevision, RecordRevision.id == OutboxEvent.revision_id)
        .where(
            OutboxEvent.kind == RECORD_CHANGED,
            OutboxEvent.published_at.is_not(None),
            OutboxEvent.created_at >= now - window,
            ~exists().where(
                newest.sub_org_id == RecordRevision.sub_org_id,
                newest.number > RecordRevision.number,
            ),
        )
    )
    found: list[uuid.UUID] = []
    for event_id, created_at, revision in (await session.execute(query)).all():
        pending = pending_engagements_query(revision).where(Engagement.created_at <= created_at)
        if (await session.execute(pending.limit(1))).first() is not None:
            found.append(event_id)
    return found


async def resume_fan_outs(ctx: dict[str, Any]) -> int:
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    async with factory() as session:
        events = await without_dead_letters(
            session, await unfinished_events(session, datetime.now(UTC))
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M")
    for event_id in events:
        await ctx["redis"].enqueue_job(
            "fan_out_record_change", str(event_id), _job_id=f"event:{event_id}:resume:{stamp}"
        )
    return len(events)
