"""The outbox relay: turns committed outbox events into queued jobs.

Events are claimed with SKIP LOCKED so several relays can run; an event is marked published
only after Redis accepted the job, so a Redis outage leaves it waiting in PostgreSQL. The
job id is derived from the event id, so publishing the same event twice queues one job."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from backend.db.models import OutboxEvent

log = logging.getLogger("coinet.relay")

# Which job handles which event kind. Filled in as consumers land.
HANDLERS: dict[str, str] = {"record.changed": "fan_out_record_change"}


async def relay_outbox(ctx: dict[str, Any], batch_size: int = 200) -> int:
    factory = ctx["session_factory"]
    redis = ctx["redis"]
    published = 0
    async with factory() as session, session.begin():
        events = (
            await session.execute(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.created_at)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
        for event in events:
            job_name = HANDLERS.get(event.kind)
            event.attempts += 1
            if job_name is not None:
                await redis.enqueue_job(job_name, str(event.id), _job_id=f"event:{event.id}")
            event.published_at = datetime.now(UTC)
            published += 1
    if published:
        log.info("relayed %d outbox events", published)
    return published
