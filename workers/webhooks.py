"""Worker jobs for integration events: dispatch an outbox event to its webhook endpoints and
send at once; send one delivery (a replay); and, every few seconds, send what is due again."""

from __future__ import annotations

import uuid
from typing import Any, Final

from backend.notify.webhooks_delivery import attempt_many, dispatch, due_deliveries
from workers.procore import procore_on_event

# Retries are due at most every few seconds' resolution; the first attempt never waits for
# this sweep (the dispatch job sends it).
DUE_SWEEP_SECONDS: Final = set(range(0, 60, 5))
DUE_BATCH: Final = 200


async def dispatch_integration_event(ctx: dict[str, Any], event_id: str) -> dict[str, int]:
    factory, settings = ctx["session_factory"], ctx["settings"]
    pending = await dispatch(factory, settings, uuid.UUID(event_id))
    outcomes = await attempt_many(factory, settings, pending)
    for hook in EVENT_CONSUMERS:
        await hook(ctx, event_id)
    return outcomes


async def deliver_webhook(ctx: dict[str, Any], delivery_id: str) -> dict[str, int]:
    return await attempt_many(ctx["session_factory"], ctx["settings"], [uuid.UUID(delivery_id)])


async def deliver_due_webhooks(ctx: dict[str, Any]) -> dict[str, int]:
    factory = ctx["session_factory"]
    async with factory() as session:
        due = await due_deliveries(session, DUE_BATCH)
    if not due:
        return {}
    return await attempt_many(factory, ctx["settings"], due)


# Other consumers of the same events: the Procore write-back.
EVENT_CONSUMERS: list[Any] = [procore_on_event]
