"""The outbox relay: turns committed outbox events into queued jobs; and its companion for
uploads, which queues the read of every document still waiting to be read.

Events are claimed with SKIP LOCKED so several relays can run; an event is marked published
only after Redis accepted the job, so a Redis outage leaves it waiting in PostgreSQL. The
job id is derived from the event id, so publishing the same event twice queues one job.

Every upload writes a read request ("document.uploaded") in its own transaction, which this
relay queues; `queue_pending_reads` (a worker cron) also queues the read of every document still
pending (documents stored before uploads carried a request, or a job Redis lost), so an upload
made while Redis was down is read as soon as the workers run again, with nobody opening a page.
Both use the read's own job id ("read:<id>"), so a read already queued is not queued twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from backend.notify.outbox import claim_unpublished
from backend.records.service import pending_reads
from workers.read_job import READ_JOB, read_job_id

log = logging.getLogger("coinet.relay")

# Which job handles which event kind. Filled in as consumers land.
HANDLERS: dict[str, str] = {
    "record.changed": "fan_out_record_change",
    "integration.event": "dispatch_integration_event",
}
# An upload's read request is queued under the read's own job id ("read:<document id>"), as
# `queue_pending_reads` does, so however a read gets queued it runs once.
READ_REQUEST = "document.uploaded"


async def relay_outbox(ctx: dict[str, Any], batch_size: int = 200) -> int:
    factory = ctx["session_factory"]
    redis = ctx["redis"]
    published = 0
    async with factory() as session, session.begin():
        # Claimed with SKIP LOCKED: another relay running now takes the others.
        events = await claim_unpublished(session, batch_size)
        for event in events:
            job_name = HANDLERS.get(event.kind)
            event.attempts += 1
            document_id = (event.payload or {}).get("document_id")
            if event.kind == READ_REQUEST and isinstance(document_id, str):
                await redis.enqueue_job(READ_JOB, document_id, _job_id=read_job_id(document_id))
            elif job_name is not None:
                await redis.enqueue_job(job_name, str(event.id), _job_id=f"event:{event.id}")
            event.published_at = datetime.now(UTC)
            published += 1
    if published:
        log.info("relayed %d outbox events", published)
    return published


# The web app queues a fresh upload's read itself; leave it that long before stepping in.
PENDING_READ_GRACE: Final = timedelta(seconds=20)
# Older pending documents were retried for days already; an operator looks at those.
PENDING_READ_WINDOW: Final = timedelta(days=3)
PENDING_READ_BATCH: Final = 500


async def queue_pending_reads(ctx: dict[str, Any], *, grace: timedelta = PENDING_READ_GRACE) -> int:
    """Queue the read of every recent document still waiting to be read; returns how many."""
    factory = ctx["session_factory"]
    now = datetime.now(UTC)
    async with factory() as session:
        document_ids = await pending_reads(
            session, now - PENDING_READ_WINDOW, now - grace, PENDING_READ_BATCH
        )
    queued = 0
    for document_id in document_ids:
        job = await ctx["redis"].enqueue_job(
            READ_JOB, str(document_id), _job_id=read_job_id(document_id)
        )
        queued += job is not None
    if queued:
        log.info("queued the read of %d pending documents", queued)
    return queued
