"""The holder-certificate planner runs as soon as something may need it: after a record
change's fan-out (a renewal may need a certificate per holder) and after a certificate is read
(it may answer such a request), not only at the minute's cron run."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from arq import ArqRedis
from arq.constants import default_queue_name, job_key_prefix
from arq.jobs import Job, JobStatus
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.records.store import make_store
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change
from tests.integration.fanout.test_fanout import TODAY, event_of, ready_sub
from workers.chase import HOLDER_PLANNING_JOB_ID
from workers.fanout import fan_out_record_change
from workers.read_job import read_document_job


async def _forget_planner(redis: ArqRedis) -> None:
    """Take the planner's run out of the shared test queue, as a worker running it would."""
    await redis.zrem(default_queue_name, HOLDER_PLANNING_JOB_ID)
    await redis.delete(job_key_prefix + HOLDER_PLANNING_JOB_ID)


async def _planner_queued(redis: ArqRedis) -> bool:
    return await Job(HOLDER_PLANNING_JOB_ID, redis).status() == JobStatus.queued


async def test_a_fan_out_queues_one_planner_run(
    db: AsyncSession, session_factory: object, settings: Settings, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    await engage_on_project(db, gc, sub)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    event = await event_of(db, revision.id)
    ctx: dict[str, Any] = {"session_factory": session_factory, "redis": redis, "job_try": 1}
    await _forget_planner(redis)
    try:
        await fan_out_record_change({**ctx, "job_id": f"event:{event.id}"}, str(event.id))
        assert await _planner_queued(redis)
        # A second trigger before the run starts adds no second run.
        await fan_out_record_change({**ctx, "job_id": f"event:{event.id}:again"}, str(event.id))
        members = await redis.zrange(default_queue_name, 0, -1)
        planner = [m for m in members if HOLDER_PLANNING_JOB_ID in str(m)]
        assert len(planner) == 1
    finally:
        await _forget_planner(redis)


async def test_a_read_certificate_queues_the_planner_and_an_unread_file_does_not(
    client: AsyncClient,
    db: AsyncSession,
    session_factory: Any,
    settings: Settings,
    redis: ArqRedis,
) -> None:
    gc = await make_org(db, "general_contractor", name="Harbor Point Builders LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    await engage(db, gc, sub)
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    readable = certificate_pdf(
        "Keystone Framing LLC",
        "Harbor Point Builders LLC",
        Policy("GL-1", "AU-2", today, today + timedelta(days=365)),
        "30 days notice of cancellation.",
    )
    # A PDF by its magic bytes whose body is broken: accepted, then left for manual entry.
    broken = b"%PDF-1.7\n" + b"\x00" * 2048
    ctx = {"session_factory": session_factory, "settings": settings, "redis": redis}
    await _forget_planner(redis)
    try:
        for pdf, name, state, queued in (
            (broken, "broken.pdf", "needs_manual_entry", False),
            (readable, "renewal.pdf", "read", True),
        ):
            uploaded = await client.post(
                f"/subs/{sub.id}/upload",
                files={"file": (name, pdf, "application/pdf")},
                data={"_csrf": csrf},
                headers={"accept": "application/json"},
            )
            assert uploaded.status_code == 201, uploaded.text
            assert await read_document_job(ctx, uploaded.json()["id"]) == state
            assert await _planner_queued(redis) is queued
    finally:
        await _forget_planner(redis)
