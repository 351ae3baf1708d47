"""A fan-out that fails for a reason other than an outage is given up after a few tries: the
resume cron stops queuing it, the operator's list shows it with its error, the sub is told,
and an operator's re-queue puts it back. Outages are still retried."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis
from arq.constants import default_queue_name, job_key_prefix
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Notice, OutboxEvent, PolicyTerm, RecordRevision
from backend.db.models.fan_out_failure import FanOutFailure
from backend.records.store import make_store
from tests.integration.factories import make_org
from tests.integration.fanout.helpers import (
    confirm,
    engage_on_project,
    initial_change,
    person_of,
)
from workers.dead_letter import (
    DEAD_AFTER_FAILURES,
    NOTICE_KIND,
    _render,
    dead_letters,
    is_outage,
    requeue,
)
from workers.fanout import _TRANSIENT, fan_out_record_change, resume_fan_outs

TODAY = date.today()


async def _broken_change(db: AsyncSession, settings: Settings) -> tuple[Any, OutboxEvent]:
    """A sub whose record holds a limit no signed snapshot can carry (2^60: what the API
    accepted before its bounds), with an engagement the fan-out must reach."""
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    await engage_on_project(db, gc, sub)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    await db.execute(
        update(PolicyTerm)
        .where(PolicyTerm.sub_org_id == sub.id)
        .values(limits={"each_occurrence": 2**60})
    )
    event = (
        await db.execute(select(OutboxEvent).where(OutboxEvent.revision_id == revision.id))
    ).scalar_one()
    event.published_at = datetime.now(UTC) - timedelta(minutes=1)
    await db.flush()
    return sub, event


async def test_a_repeating_failure_becomes_a_dead_letter_and_the_sub_is_told(
    db: AsyncSession, session_factory: object, settings: Settings, redis: ArqRedis
) -> None:
    sub, event = await _broken_change(db, settings)
    ctx: dict[str, Any] = {"session_factory": session_factory, "redis": redis, "job_try": 1}

    for attempt in range(1, DEAD_AFTER_FAILURES + 1):
        with pytest.raises(Exception) as failed:
            await fan_out_record_change(ctx, str(event.id))
        assert not isinstance(failed.value, Retry)
        if attempt < DEAD_AFTER_FAILURES:
            # Not given up yet: the resume cron still queues it (no live job covers it).
            assert await resume_fan_outs(ctx) >= 1
            assert event.id in await _resumable(db, ctx)
            await _taken_and_failed(redis, event.id)

    failure = (
        await db.execute(select(FanOutFailure).where(FanOutFailure.event_id == event.id))
    ).scalar_one()
    assert failure.failures == DEAD_AFTER_FAILURES and failure.dead_at is not None
    assert failure.last_error  # what went wrong, for the operator
    assert event.id not in await _resumable(db, ctx)

    listed = {letter.event_id: letter for letter in await dead_letters(db)}
    assert event.id in listed and listed[event.id].failures == DEAD_AFTER_FAILURES
    assert str(event.id) in _render(listed.values())

    for role in ("sub_admin", "sub_bookkeeper"):
        person = await person_of(db, sub.emails[role])
        notices = (
            await db.execute(
                select(Notice).where(Notice.recipient_id == person.id, Notice.kind == NOTICE_KIND)
            )
        ).scalars()
        told = list(notices)
        assert len(told) == 1 and "has not reached your contractors" in told[0].subject

    # The operator fixed the data and queues it again: it is resumable again, counted anew.
    revision_number = await db.scalar(
        select(RecordRevision.number).where(RecordRevision.id == event.revision_id)
    )
    assert listed[event.id].revision_number == revision_number
    # The sub's notice names the revision that has not gone through.
    assert f"revision {revision_number} has not reached" in told[0].subject
    assert await requeue(db, redis, event.id)
    assert event.id in await _resumable(db, ctx)
    assert event.id not in {letter.event_id for letter in await dead_letters(db)}
    assert not await requeue(db, redis, uuid.uuid4())


async def _taken_and_failed(redis: ArqRedis, event_id: uuid.UUID) -> None:
    """What arq does with the queued plan when a worker runs it and it fails for good: out of
    the queue, its job key gone (its result kept under another key)."""
    for raw in await redis.zrange(default_queue_name, 0, -1):
        job_id = raw.decode() if isinstance(raw, bytes) else str(raw)
        if f"event:{event_id}" in job_id:
            await redis.zrem(default_queue_name, job_id)
            await redis.delete(job_key_prefix + job_id)


async def _resumable(db: AsyncSession, ctx: dict[str, Any]) -> set[uuid.UUID]:
    from workers.dead_letter import without_dead_letters
    from workers.fanout import unfinished_events

    return set(await without_dead_letters(db, await unfinished_events(db, datetime.now(UTC))))


async def test_outages_are_retried_but_refused_data_is_not(db: AsyncSession) -> None:
    outage = OperationalError("SELECT 1", {}, ConnectionRefusedError("server closed"))
    assert is_outage(outage, _TRANSIENT)
    assert is_outage(ConnectionResetError(), _TRANSIENT)
    try:
        await db.execute(text("SELECT 1 / 0"))
    except DBAPIError as refused:
        assert not is_outage(refused, _TRANSIENT)  # SQLSTATE 22: same data, same refusal
    else:
        raise AssertionError("PostgreSQL divided by zero")
    await db.rollback()
    assert not is_outage(ValueError("a bug"), _TRANSIENT)
