"""Builders shared by the integrations tests: a GC whose sub's record was verified for real
(fan-out run on a confirmed record), so coverage lines carry real terms and verdicts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Engagement, OutboxEvent
from backend.records.store import make_store
from tests.integration.factories import Org, make_org
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change
from tests.integration.fanout.test_fanout import ready_sub
from workers.fanout import run_fan_out

TODAY = date.today()
# The record starts ten days ago and runs a year: compliant, not expiring.
RECORD_START = TODAY - timedelta(days=10)
RECORD_END = RECORD_START + timedelta(days=365)


async def verified_engagements(
    db: AsyncSession, session_factory: Any, settings: Settings, gc: Org, count: int = 1
) -> tuple[Org, list[Engagement]]:
    sub = await ready_sub(db, gc)
    engagements = [await engage_on_project(db, gc, sub) for _ in range(count)]
    revision = await confirm(db, make_store(settings), sub, initial_change(RECORD_START))
    await db.commit()
    event = await db.scalar(
        OutboxEvent.__table__.select()
        .with_only_columns(OutboxEvent.id)
        .where(OutboxEvent.revision_id == revision.id)
    )
    await run_fan_out(session_factory, event, TODAY)
    for engagement in engagements:
        await db.refresh(engagement)
    return sub, engagements


async def a_gc(db: AsyncSession) -> Org:
    return await make_org(db, "general_contractor")
