"""Each engagement's newest decision, as the dashboard's "last decision" column reads it
(ProjectService.latest_decisions): the newest by time, one row per engagement, and only the
acting GC's engagements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Decision, Person
from backend.network.actor import Actor
from backend.projects.service import ProjectService
from tests.integration.factories import Org, engage, make_org


async def _person(db: AsyncSession, org: Org) -> uuid.UUID:
    email = org.emails["gc_admin"]
    return (await db.execute(select(Person.id).where(Person.email == email))).scalar_one()


async def test_each_engagement_shows_its_newest_decision_and_no_other_gcs(
    db: AsyncSession,
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    first = await engage(db, gc, sub)
    second = await engage(db, gc, sub)
    foreign = await engage(db, other_gc, sub)
    person = await _person(db, gc)
    other_person = await _person(db, other_gc)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for engagement_id, kind, reason, hours, by in (
        (first.id, "pay_hold", "no certificate", 0, person),
        (first.id, "release", "certificate on file", 5, person),
        (first.id, "approve", "", 2, person),  # written later, but dated earlier
        (second.id, "reject", "limits too low", 1, person),
        (foreign.id, "approve", "", 9, other_person),
    ):
        db.add(
            Decision(
                id=uuid.uuid4(),
                engagement_id=engagement_id,
                kind=kind,
                reason=reason,
                decided_by_id=by,
                created_at=start + timedelta(hours=hours),
            )
        )
    await db.flush()
    actor = Actor(person, gc.id, "general_contractor", "gc_admin")

    rows = await ProjectService(db).latest_decisions(actor, [first.id, second.id, foreign.id])

    newest = {row.engagement_id: (row.kind, row.reason, row.created_at) for row in rows}
    assert newest == {
        first.id: ("release", "certificate on file", start + timedelta(hours=5)),
        second.id: ("reject", "limits too low", start + timedelta(hours=1)),
    }
