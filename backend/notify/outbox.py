"""The outbox relay's side of the outbox (workers/relay.py): claiming committed events to hand
them to the job queue. The SQL is `OutboxRepository`'s."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import OutboxEvent
from backend.notify.repository import OutboxRepository


async def claim_unpublished(session: AsyncSession, limit: int) -> list[OutboxEvent]:
    """Up to `limit` events not yet published, oldest first, locked until the caller's
    transaction ends; a concurrent relay skips them. The caller marks each published once the
    queue accepted its job, in the same transaction."""
    return await OutboxRepository(session).unpublished_locked(limit)
