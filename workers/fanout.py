"""The fan-out: one confirmed record change reaches every active engagement of that sub.

`fan_out_record_change` (an arq job queued by the relay for each "record.changed" event) loads
the record once, then verifies the sub's engagements, tier 1 and tier 2, across all GCs, in
batches: each batch is one transaction holding its verdicts, engagement updates, snapshots and
notices, so a worker killed mid-way leaves only whole engagements behind, and a rerun skips the
(engagement, revision) pairs already verified. When every batch is done the digest sender is
queued, so a renewal touching 40 projects of one GC gives its admin one e-mail.

A PostgreSQL outage fails the job with arq's Retry (back-off), and the rerun resumes where the
committed batches stop. A running fan-out job holds a short lease in Redis, renewed while it
runs, so a job whose worker died (SIGKILL, a lost machine) is told from one that is merely slow
long before arq's own in-progress key (the job timeout) lets the job run again.
`resume_fan_outs` (every few minutes, at worker start-up and once more a lease later) looks at
each recent latest revision with engagements still unverified and re-queues work only when
some of those engagements are covered by no live job: a job still queued, or running under its
lease, is left alone. The planner it queues re-plans only the engagements no live chunk job
covers, so chunks still waiting in the queue are never planned twice.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from arq import ArqRedis, Retry
from arq.constants import default_queue_name, in_progress_key_prefix
from arq.jobs import Job
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.audit import tail
from backend.audit.context import AuditContext
from backend.config import get_settings
from backend.notify.service import fan_out_notices
from backend.projects.engine_input import RecordRows, load_record_rows
from backend.projects.verify_service import (
    FanOutCache,
    has_pending_engagements,
    latest_revision_number,
    pending_engagement_ids,
    recent_latest_changes,
    record_change,
    verify_batch,
)
from workers.chase import queue_holder_planning
from workers.dead_letter import is_outage, record_failure, without_dead_letters

log = logging.getLogger("coinet.fanout")

RECORD_CHANGED: Final = "record.changed"
DEFAULT_BATCH: Final = 500
# Engagements per chunk job when one fan-out is split across workers: about two seconds of a
# worker's time at ~1 ms per engagement, so 100,000 engagements make 50 jobs that several
# workers share, while each job's fixed cost (loading the record and requirement sets) stays
# a few percent of it. A fan-out this size or smaller runs in the job that planned it.
DEFAULT_CHUNK: Final = 2000
CHUNK_JOB: Final = "fan_out_chunk"
# Every chunk job's id starts so (see fan_out_record_change): workers/settings.py tells chunk
# jobs from the others by it before taking one.
CHUNK_JOB_PREFIX: Final = "chunk:"
RESUME_WINDOW: Final = timedelta(days=3)
MAIL_JOB: Final = "send_notice_mail"
PLAN_JOB: Final = "fan_out_record_change"
RESUME_JOB: Final = "resume_fan_outs"
# A running fan-out job's lease: renewed every LEASE_RENEW_SECONDS, so it lapses within
# LEASE_SECONDS of the worker's death. The renewal runs on the job's event loop, which a batch
# of verifications holds for about a second (several under heavy load): LEASE_SECONDS leaves
# room for that, and a lease that lapses on a live job costs only a duplicate chunk, which the
# verdicts' unique key turns into a no-op.
LEASE_PREFIX: Final = "coinet:fanout:lease:"
LEASE_SECONDS: Final = 15
LEASE_RENEW_SECONDS: Final = 5
# A plan's count of chunk jobs not yet finished: the chunk that takes it to zero looks whether
# anything is left (one pending query per plan instead of one per chunk, each a full anti-join
# over the sub's engagements: about half a second at 100,000). It outlives any fan-out; a
# lost count only means the pending query runs on every chunk again.
CHUNKS_LEFT_PREFIX: Final = "coinet:fanout:chunks-left:"
CHUNKS_LEFT_SECONDS: Final = 24 * 3600
# How long a worker process reuses what it loaded for a fan-out (the record, requirement sets,
# ratings, rendered checks) across that fan-out's chunk jobs; a GC's change to its ratings
# reaches the later chunks of a running fan-out after at most this long.
SHARE_SECONDS: Final = 300.0
# Fan-outs a process keeps loaded at once (each holds its record and rendered checks).
SHARE_ENTRIES: Final = 4


# Python's cyclic collector, as a worker process runs it (see `settle_collector`). A fan-out
# allocates about 85 tracked containers (rows, facts, dicts) per engagement, most of them alive
# until their batch commits: with CPython's young generation of 700 a collection ran every ~8
# engagements and promoted the batch's live objects into the older generations, whose full
# collection then walked them, and the whole application's start-up heap, once per 1,000
# engagements (0.16 ms per engagement of the fan-out's CPU, a quarter of it). Ten times the
# default collects every ~80 engagements.
YOUNG_GENERATION: Final = 7000
OLDER_GENERATIONS: Final = (10, 10)  # CPython's defaults


def settle_collector() -> None:
    """Once the process has imported and set up what it keeps for its life (a worker's
    start-up): move those objects out of the collector's sight (gc.freeze: they live as long
    as the process, so no collection would free them), and collect the young generation less
    often (YOUNG_GENERATION)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *OLDER_GENERATIONS)


def positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def batch_size() -> int:
    return positive_env("COINET_FANOUT_BATCH", DEFAULT_BATCH)


def chunk_size() -> int:
    return positive_env("COINET_FANOUT_CHUNK", DEFAULT_CHUNK)


@dataclass
class FanOutReport:
    event_id: uuid.UUID
    engagements: int = 0
    verified: int = 0
    notices: int = 0
    batches: int = 0
    chunks: int = 0  # chunk jobs queued instead of verifying here

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "engagements": self.engagements,
            "verified": self.verified,
            "notices": self.notices,
            "batches": self.batches,
            "chunks": self.chunks,
        }


@dataclass
class FanOutShare:
    """What one worker process shares between the fan-out jobs it runs at once.

    `gate`: one batch transaction at a time per process. arq runs up to max_jobs jobs per
    process on one event loop; a batch's transaction holds the audit log's append lock from its
    snapshots to its commit, and with ten chunk jobs interleaved it kept that lock while the
    loop verified other chunks' batches, stalling every other process's appends.
    `loaded`: a fan-out's record and FanOutCache, loaded by its first chunk job in this process
    and reused by the next ones (each chunk reloaded the record, ~500 requirement sets and the
    GCs' ratings, and rendered every check again), keyed by revision, latest revision number and
    day, so a newer revision or a new day loads afresh."""

    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    loaded: dict[tuple[Any, ...], tuple[float, RecordRows, FanOutCache]] = field(
        default_factory=dict
    )

    def get(self, key: tuple[Any, ...]) -> tuple[RecordRows, FanOutCache] | None:
        found = self.loaded.get(key)
        if found is None or time.monotonic() - found[0] > SHARE_SECONDS:
            self.loaded.pop(key, None)
            return None
        return found[1], found[2]

    def put(self, key: tuple[Any, ...], rows: RecordRows, cache: FanOutCache) -> None:
        self.loaded[key] = (time.monotonic(), rows, cache)
        while len(self.loaded) > SHARE_ENTRIES:
            oldest = min(self.loaded, key=lambda known: self.loaded[known][0])
            del self.loaded[oldest]


def fan_out_share(ctx: dict[str, Any]) -> FanOutShare:
    """The worker process's share. arq hands each job a copy of the worker's context, so the
    share is made at start-up (workers/settings.py); a context without one (a job called
    directly) gets its own."""
    share: FanOutShare | None = ctx.get("fan_out_share")
    if share is None:
        share = ctx["fan_out_share"] = FanOutShare()
    return share


async def run_fan_out(
    factory: async_sessionmaker[AsyncSession],
    event_id: uuid.UUID,
    today: date,
    *,
    size: int | None = None,
    after_batch: Callable[[int], Awaitable[None]] | None = None,
    seal: Callable[[], Awaitable[object]] | None = None,
    within: tuple[uuid.UUID, uuid.UUID] | None = None,
    split: Callable[[list[uuid.UUID]], Awaitable[tuple[int, list[uuid.UUID]]]] | None = None,
    share: FanOutShare | None = None,
) -> FanOutReport:
    """Verify the pending engagements of one record change, batch by batch, each batch one
    transaction. `within` limits it to engagement ids in that closed range (a chunk job).
    `split`, given the pending ids, may hand them to chunk jobs instead: it returns how many
    chunk jobs it queued and the ids left for this call to verify (none when it queued any).
    `share`: the worker process's (see FanOutShare)."""
    report = FanOutReport(event_id)
    async with factory() as session:
        found = await record_change(session, event_id, RECORD_CHANGED)
        if found is None:
            return report
        revision = found[1]
        latest = await latest_revision_number(session, revision.sub_org_id)
        # The latest revision is read as the record stands now; an older one as it stood then.
        known_at = None if latest == revision.number else revision.created_at
        key = (revision.id, latest, today)
        loaded = share.get(key) if share is not None else None
        if loaded is None:
            loaded = (await load_record_rows(session, revision.sub_org_id, known_at), FanOutCache())
            if share is not None:
                share.put(key, *loaded)
        rows, cache = loaded
        engagement_ids = await pending_engagement_ids(session, revision, within=within)
    report.engagements = len(engagement_ids)
    if split is not None:
        report.chunks, engagement_ids = await split(engagement_ids)
        if report.chunks:
            return report
    step = size or batch_size()
    gate = share.gate if share is not None else contextlib.nullcontext()
    for start in range(0, len(engagement_ids), step):
        chunk = engagement_ids[start : start + step]
        async with gate:
            async with factory() as session, session.begin():
                changes = await verify_batch(session, chunk, rows, revision, today, cache)
                report.notices += await fan_out_notices(session, changes, revision.number)
            cache.committed()  # the checks arrays this batch stored are there for the next
            if seal is not None and changes:
                await seal()  # the batch's snapshots are signed before the next batch starts
        report.verified += len(changes)
        report.batches += 1
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


def chunk_bounds(engagement_ids: list[uuid.UUID], size: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Closed id ranges of at most `size` of these (sorted) ids each."""
    return [
        (engagement_ids[start], engagement_ids[min(start + size, len(engagement_ids)) - 1])
        for start in range(0, len(engagement_ids), size)
    ]


@contextlib.asynccontextmanager
async def _lease(redis: ArqRedis | None, job_id: str | None) -> AsyncIterator[None]:
    """Hold this job's lease while the block runs (see LEASE_SECONDS)."""
    if redis is None or job_id is None:
        yield
        return
    key = LEASE_PREFIX + job_id

    async def renew() -> None:
        while True:
            try:
                await redis.set(key, b"1", ex=LEASE_SECONDS)
                # Every poll of an arq worker with a free slot reads the queue's due jobs and
                # checks each one's in-progress key in a WATCH transaction, running jobs
                # included, so a busy loop polling back to back spent more on the running
                # chunks' checks than on verifying (about a fifth of a worker's CPU at 20,000
                # engagements). Scored a lease ahead, a running job is not due: no poll reads
                # it. Should the worker die, it is due again within a lease, as before.
                await redis.zadd(
                    default_queue_name,
                    {job_id: int((time.time() + LEASE_SECONDS) * 1000)},
                    xx=True,
                )
            except Exception as exc:  # Redis away: arq's own key still guards the job
                log.warning("could not renew the lease of %s: %s", job_id, exc)
            await asyncio.sleep(LEASE_RENEW_SECONDS)

    renewing = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        with contextlib.suppress(Exception):  # it lapses by itself
            await redis.delete(key)


async def _run_guarded(
    ctx: dict[str, Any], event_id: str, work: Callable[[], Awaitable[FanOutReport]]
) -> FanOutReport:
    """Run one fan-out job under its lease: an outage is retried with back-off; any other
    failure is counted towards the event's dead letter (workers/dead_letter.py) and raised."""
    try:
        async with _lease(ctx.get("redis"), ctx.get("job_id")):
            return await work()
    except Exception as exc:
        if is_outage(exc, _TRANSIENT):
            attempt = int(ctx.get("job_try", 1))
            log.warning("fan-out of %s failed (try %d), retrying: %s", event_id, attempt, exc)
            raise Retry(defer=min(60, 2**attempt)) from exc
        await record_failure(ctx["session_factory"], uuid.UUID(event_id), exc)
        raise


async def fan_out_record_change(ctx: dict[str, Any], event_id: str) -> dict[str, Any]:
    """Plan one record change's fan-out: up to one chunk of engagements is verified here; a
    larger one is split into chunk jobs that every worker can take (each idempotent: it skips
    engagements already verified against the revision, and the verdicts' unique key stops a
    second writer). Chunk job ids carry this job's id, so a retry of this job queues the same
    chunks again (a no-op) while a later resume plans the remainder afresh."""
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    context = audit_context(ctx)
    plan = str(ctx.get("job_id") or uuid.uuid4())
    # Read before the pending engagements are: a chunk finishing in between then only leaves
    # its range covered by a job that has verified it, never the other way round.
    live = (await live_jobs(ctx["redis"], event_id)).chunk_ranges

    async def split(engagement_ids: list[uuid.UUID]) -> tuple[int, list[uuid.UUID]]:
        engagement_ids = uncovered(engagement_ids, live)
        size = chunk_size()
        if len(engagement_ids) <= size:
            return 0, engagement_ids
        bounds = chunk_bounds(engagement_ids, size)
        # Set before any chunk can finish. A retry of this plan keeps the first count (its
        # chunks' job ids repeat): a count too low only makes more chunks look; one too high
        # leaves the digest to the mail cron (workers/settings.py, every ten minutes).
        await ctx["redis"].set(
            CHUNKS_LEFT_PREFIX + plan, len(bounds), ex=CHUNKS_LEFT_SECONDS, nx=True
        )
        for first, last in bounds:
            await ctx["redis"].enqueue_job(
                CHUNK_JOB,
                event_id,
                str(first),
                str(last),
                _job_id=f"{CHUNK_JOB_PREFIX}{plan}:{first}",
            )
        return len(bounds), []

    report = await _run_guarded(
        ctx,
        event_id,
        lambda: run_fan_out(
            factory,
            uuid.UUID(event_id),
            datetime.now(UTC).date(),
            seal=lambda: tail.seal(factory, context),
            split=split,
            share=fan_out_share(ctx),
        ),
    )
    if report.notices:
        await ctx["redis"].enqueue_job(MAIL_JOB, _job_id=f"mail:{event_id}:{report.batches}")
    await queue_holder_planning(ctx)
    log.info("fan-out %s: %s", event_id, report.as_dict())
    return report.as_dict()


async def fan_out_chunk(
    ctx: dict[str, Any], event_id: str, first: str, last: str
) -> dict[str, Any]:
    """Verify one chunk of a split fan-out; the chunk that finds none left queues the digest."""
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    context = audit_context(ctx)
    within = (uuid.UUID(first), uuid.UUID(last))
    report = await _run_guarded(
        ctx,
        event_id,
        lambda: run_fan_out(
            factory,
            uuid.UUID(event_id),
            datetime.now(UTC).date(),
            seal=lambda: tail.seal(factory, context),
            within=within,
            share=fan_out_share(ctx),
        ),
    )
    if await _maybe_last_chunk(ctx) and not await _has_pending(factory, uuid.UUID(event_id)):
        # Every chunk is done: one digest for the whole fan-out (its id makes it once).
        await ctx["redis"].enqueue_job(MAIL_JOB, _job_id=f"mail:{event_id}:chunks")
    log.info("fan-out chunk %s %s..%s: %s", event_id, first, last, report.as_dict())
    return report.as_dict()


async def _maybe_last_chunk(ctx: dict[str, Any]) -> bool:
    """Count this chunk job off its plan's CHUNKS_LEFT; whether it may be the last one (the
    count reached zero, or is unknown: a plan queued before the count existed, Redis lost it)."""
    job_id = str(ctx.get("job_id") or "")
    if not job_id.startswith(CHUNK_JOB_PREFIX):
        return True
    plan = job_id[len(CHUNK_JOB_PREFIX) :].rsplit(":", 1)[0]
    key = CHUNKS_LEFT_PREFIX + plan
    try:
        if not await ctx["redis"].exists(key):
            return True
        return int(await ctx["redis"].decr(key)) <= 0
    except Exception as exc:  # Redis away: look at the database instead
        log.warning("could not count off chunk %s: %s", job_id, exc)
        return True


async def _has_pending(factory: async_sessionmaker[AsyncSession], event_id: uuid.UUID) -> bool:
    async with factory() as session:
        found = await record_change(session, event_id, RECORD_CHANGED)
        return found is not None and await has_pending_engagements(session, found[1])


async def unfinished_events(
    session: AsyncSession, now: datetime, window: timedelta = RESUME_WINDOW
) -> list[uuid.UUID]:
    """Recent published record changes whose revision is the sub's latest and still has an
    active engagement, older than the event, without a verdict for it."""
    found: list[uuid.UUID] = []
    for event_id, created_at, revision in await recent_latest_changes(
        session, RECORD_CHANGED, now - window
    ):
        if await has_pending_engagements(session, revision, created_by=created_at):
            found.append(event_id)
    return found


@dataclass
class LiveJobs:
    """An event's fan-out jobs that are queued, or running under a lease."""

    planner: bool = False
    chunk_ranges: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


async def live_jobs(redis: ArqRedis, event_id: str) -> LiveJobs:
    """Which jobs of this event are alive: in arq's queue and either waiting (no in-progress
    key; also a job deferred for a retry) or running with its lease held. A job in progress
    whose lease lapsed belongs to a dead worker; arq would run it again only when its
    in-progress key expires (the job timeout), so it counts as lost. Job ids carry the event
    id: "event:<id>..." for a plan, "chunk:event:<id>...:<first>" for a chunk."""
    found = LiveJobs()
    marker = f"event:{event_id}"
    for raw in await redis.zrange(default_queue_name, 0, -1):
        job_id = raw.decode() if isinstance(raw, bytes) else str(raw)
        if marker not in job_id:
            continue
        running = await redis.exists(in_progress_key_prefix + job_id)
        if running and not await redis.exists(LEASE_PREFIX + job_id):
            continue
        if not job_id.startswith(CHUNK_JOB_PREFIX):
            found.planner = True
            continue
        info = await Job(job_id, redis).info()
        if info is not None and len(info.args) == 3:
            _, first, last = info.args
            found.chunk_ranges.append((uuid.UUID(str(first)), uuid.UUID(str(last))))
    return found


def uncovered(
    engagement_ids: Sequence[uuid.UUID], ranges: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[uuid.UUID]:
    """The ids in none of these closed ranges (the ranges of live chunk jobs)."""
    if not ranges:
        return list(engagement_ids)
    ordered = sorted(ranges)
    firsts = [first for first, _ in ordered]
    # The furthest end of any range starting at or before each range's start: ranges of
    # separate plans may overlap.
    reach: list[uuid.UUID] = []
    for _, last in ordered:
        reach.append(last if not reach or last > reach[-1] else reach[-1])
    left = []
    for engagement_id in engagement_ids:
        place = bisect.bisect_right(firsts, engagement_id) - 1
        if place < 0 or reach[place] < engagement_id:
            left.append(engagement_id)
    return left


async def lost_work(
    session: AsyncSession, redis: ArqRedis, event_id: uuid.UUID, created_at: datetime
) -> bool:
    """Whether some engagement this event still has to verify is covered by no live job."""
    jobs = await live_jobs(redis, str(event_id))
    if jobs.planner:
        return False  # a plan is waiting or running: it covers everything still pending
    found = await record_change(session, event_id, RECORD_CHANGED)
    if found is None:
        return False
    ids = await pending_engagement_ids(session, found[1], created_by=created_at)
    return bool(uncovered(ids, jobs.chunk_ranges))


async def resume_fan_outs(ctx: dict[str, Any]) -> int:
    """Re-queue the plan of each recent record change with work no live job covers; the plan
    then queues (or does) only that work."""
    factory: async_sessionmaker[AsyncSession] = ctx["session_factory"]
    redis: ArqRedis = ctx["redis"]
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    queued = 0
    async with factory() as session:
        events = await without_dead_letters(
            session, await unfinished_events(session, datetime.now(UTC))
        )
        for event_id in events:
            found = await record_change(session, event_id, RECORD_CHANGED)
            if found is None or not await lost_work(session, redis, event_id, found[0].created_at):
                continue
            await redis.enqueue_job(
                PLAN_JOB, str(event_id), _job_id=f"event:{event_id}:resume:{stamp}"
            )
            queued += 1
    return queued


async def resume_after_leases(ctx: dict[str, Any]) -> None:
    """At worker start-up: look again once the leases of jobs whose worker died with the
    previous process have lapsed (at start-up they may still look alive)."""
    await ctx["redis"].enqueue_job(
        RESUME_JOB, _job_id=f"resume-after-start:{uuid.uuid4()}", _defer_by=LEASE_SECONDS + 1
    )
