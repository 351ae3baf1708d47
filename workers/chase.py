"""The chase loop's jobs: the daily reminder run and the per-holder certificate planner."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.chase.holders import match_uploads, plan_requests
from backend.chase.reminders import run_reminders
from backend.config import Settings, get_settings
from backend.network.invitation_mail import queue_account_mail

# An hour after the expiry sweep (workers/sweep.py, 10:00 UTC), so reminders see the statuses
# it set; still early morning in the United States, when offices open their mail.
CHASE_HOUR_UTC: Final = 11
# One queued planner run stands for every trigger until it starts; the job keeps no result, so
# its id is free again once it ends and the next trigger queues a fresh run. A trigger that
# lands while a run is underway is caught by the cron's run within the minute.
HOLDER_PLANNING_JOB_ID: Final = "chase-holders"


async def queue_holder_planning(ctx: dict[str, Any]) -> None:
    """Plan and match holder certificates now, not at the minute's cron run: called once a
    record change's fan-out ran (a renewal may need a certificate per holder) and once a
    certificate was read (it may answer such a request), so the sub sees the request, and
    then its answer, within seconds. A job run outside a worker has no queue: nothing to do."""
    redis = ctx.get("redis")
    if redis is not None:
        await redis.enqueue_job("chase_holder_certificates", _job_id=HOLDER_PLANNING_JOB_ID)


async def chase_reminders(ctx: dict[str, Any], today: str = "") -> dict[str, Any]:
    """One reminder run (`today`, an ISO date, replays a given day). Link mails carry secrets,
    so they are queued only once the transaction that stored their hashes committed, on the
    job that keeps no result in Redis."""
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    settings: Settings = ctx.get("settings") or get_settings()
    day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    async with factory() as session, session.begin():
        run = await run_reminders(session, day, settings.base_url)
    if run.notices:
        await ctx["redis"].enqueue_job("send_notice_mail")
    queued = 0
    for mail in run.link_mails:
        queued += await queue_account_mail(ctx["redis"], mail.to, mail.subject, mail.body)
    return {**run.summary(), "link_mails_queued": queued, "day": day.isoformat()}


async def chase_holder_certificates(ctx: dict[str, Any]) -> dict[str, int]:
    """Plan the per-holder requests of new renewals, and attach read certificates to them."""
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    async with factory() as session, session.begin():
        planned = await plan_requests(session)
        matched = await match_uploads(session)
    if planned:
        await ctx["redis"].enqueue_job("send_notice_mail")
    return {"planned": planned, "matched": matched}
