"""The resume cron re-queues only lost fan-out work: chunks still waiting in arq's queue, or
running under a live lease, are left alone; a chunk whose worker died (in progress, lease
lapsed) is planned again, and only its engagements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix
from arq.jobs import Job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Verdict
from backend.records.store import make_store
from tests.integration.factories import make_org
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from workers.fanout import (
    LEASE_PREFIX,
    LEASE_SECONDS,
    fan_out_record_change,
    resume_fan_outs,
    uncovered,
)

ENGAGEMENTS = 9
CHUNK = 3  # nine engagements make three chunk jobs


async def _queued(redis: ArqRedis, event_id: uuid.UUID) -> list[str]:
    members = await redis.zrange(default_queue_name, 0, -1)
    names = [m.decode() if isinstance(m, bytes) else str(m) for m in members]
    return sorted(name for name in names if f"event:{event_id}" in name)


async def _forget(redis: ArqRedis, job_ids: list[str]) -> None:
    """Take jobs out of the shared test queue, as a worker finishing them would."""
    for job_id in job_ids:
        await redis.zrem(default_queue_name, job_id)
        await redis.delete(job_key_prefix + job_id, in_progress_key_prefix + job_id)
        await redis.delete(LEASE_PREFIX + job_id)


async def _args(redis: ArqRedis, job_id: str) -> tuple[Any, ...]:
    info = await Job(job_id, redis).info()
    assert info is not None
    return tuple(info.args)


def test_uncovered_skips_ids_inside_any_range() -> None:
    ids = sorted(uuid.uuid4() for _ in range(10))
    # Two overlapping ranges (plans of different runs) and one apart.
    ranges = [(ids[1], ids[4]), (ids[3], ids[5]), (ids[8], ids[8])]
    assert uncovered(ids, ranges) == [ids[0], ids[6], ids[7], ids[9]]
    assert uncovered(ids, []) == ids


async def test_resume_requeues_only_chunks_whose_worker_died(
    db: AsyncSession,
    session_factory: object,
    settings: Settings,
    redis: ArqRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COINET_FANOUT_CHUNK", str(CHUNK))
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagements = [await engage_on_project(db, gc, sub) for _ in range(ENGAGEMENTS)]
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    event = await event_of(db, revision.id)
    event.published_at = datetime.now(UTC) - timedelta(minutes=1)
    await db.flush()
    ctx: dict[str, Any] = {"session_factory": session_factory, "redis": redis, "job_try": 1}
    try:
        # The plan queues three chunk jobs; no worker runs here, so they stay queued.
        plan = await fan_out_record_change({**ctx, "job_id": f"event:{event.id}"}, str(event.id))
        assert (plan["chunks"], plan["verified"]) == (3, 0)
        chunks = await _queued(redis, event.id)
        assert len(chunks) == 3

        # Every chunk waits for a worker: nothing is lost, nothing is queued again.
        assert await resume_fan_outs(ctx) == 0
        assert await _queued(redis, event.id) == chunks

        # One chunk runs under a live lease, another was taken by a worker that died (arq's
        # in-progress key stands until the job timeout, but the lease lapsed).
        running, dead, _waiting = chunks
        await redis.set(in_progress_key_prefix + running, b"1", ex=300)
        await redis.set(LEASE_PREFIX + running, b"1", ex=LEASE_SECONDS)
        await redis.set(in_progress_key_prefix + dead, b"1", ex=300)
        assert await resume_fan_outs(ctx) == 1
        resumed = [name for name in await _queued(redis, event.id) if name not in chunks]
        assert len(resumed) == 1 and resumed[0].startswith(f"event:{event.id}:resume:")

        # The resumed plan verifies just the dead chunk's engagements (one chunk's worth, so
        # it does them itself) and queues no chunk for the live ones.
        _, first, last = await _args(redis, dead)
        lost = {e.id for e in engagements if uuid.UUID(first) <= e.id <= uuid.UUID(last)}
        await _forget(redis, resumed)
        report = await fan_out_record_change({**ctx, "job_id": resumed[0]}, str(event.id))
        assert (report["chunks"], report["verified"]) == (0, len(lost))
        verified = set(
            (
                await db.execute(
                    select(Verdict.engagement_id).where(Verdict.revision_id == revision.id)
                )
            ).scalars()
        )
        assert verified == lost
        assert await _queued(redis, event.id) == chunks

        # The lost work is done; the other two are still covered by live jobs.
        assert await resume_fan_outs(ctx) == 0
    finally:
        await _forget(redis, await _queued(redis, event.id))
