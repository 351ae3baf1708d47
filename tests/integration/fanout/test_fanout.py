"""Fan-out of one record change across GCs, tier 1 and tier 2, exactly once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import OutboxEvent, Verdict
from backend.records.store import make_store
from tests.integration.factories import make_org, make_project
from tests.integration.fanout.helpers import (
    certificate,
    confirm,
    engage_on_project,
    initial_change,
    person_of,
    rate_insurers,
)
from workers.fanout import run_fan_out


async def _event_of(db: AsyncSession, revision_id: object) -> OutboxEvent:
    return (
        await db.execute(select(OutboxEvent).where(OutboxEvent.revision_id == revision_id))
    ).scalar_one()


async def test_one_renewal_reaches_every_gc_tier_one_and_two(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    today = date.today()
    sub = await make_org(db, "subcontractor")
    tier1 = await make_org(db, "subcontractor")
    gc_a = await make_org(db, "general_contractor")
    gc_b = await make_org(db, "general_contractor")
    for gc in (gc_a, gc_b):
        await rate_insurers(db, gc)
    uploader = (await person_of(db, sub.emails["sub_bookkeeper"])).id
    for gc in (gc_a, gc_b):
        await certificate(db, sub, gc.organisation.legal_name, uploader)
    direct_a = await engage_on_project(db, gc_a, sub)
    direct_b = await engage_on_project(db, gc_b, sub)
    project_b = await make_project(db, gc_b)
    parent = await engage_on_project(db, gc_b, tier1, project=project_b)
    tier2 = await engage_on_project(db, gc_b, sub, project=project_b, parent=parent)
    store = make_store(settings)
    revision = await confirm(db, store, sub, initial_change(today - timedelta(days=10)))
    event = await _event_of(db, revision.id)

    report = await run_fan_out(session_factory, event.id, today)  # type: ignore[arg-type]

    assert report.verified == 3
    verdicts = {
        v.engagement_id: v
        for v in (
            await db.execute(select(Verdict).where(Verdict.revision_id == revision.id))
        ).scalars()
    }
    assert set(verdicts) == {direct_a.id, direct_b.id, tier2.id}
    for v in verdicts.values():
        failing = [c["code"] for c in v.checks if c["outcome"] != "pass"]
        print(v.status, failing)
    assert verdicts[direct_a.id].status == "compliant"
