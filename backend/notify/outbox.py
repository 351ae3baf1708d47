"""The outbox as the workers use it: the relay (workers/relay.py) claims committed events to
hand them to the job queue, and each job reads the event it was given. The SQL is
`OutboxRepository`'s."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import OutboxEvent
from backend.notify.repository import OutboxRepository


async def claim_unpublished(session: AsyncSession, limit: int) -> list[OutboxEvent]:
    """Up to `limit` events not yet published, oldest first, locked until the caller's
    transaction ends; a concurrent relay skips them. The caller marks each published once the
    queue accepted its job, in the same transaction."""
    return await OutboxRepository(session).unpublished_locked(limit)


async def queued_event(session: AsyncSession, event_id: uuid.UUID) -> OutboxEvent | None:
    """The event a job was queued for; None if it is gone."""
    return await OutboxRepository(session).event(event_id)
