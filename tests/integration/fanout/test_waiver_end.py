"""A waiver's end reaches the sub, its broker and the GC the day after its last day, with no
new certificate needed to notice it: the engagement stops counting the waived check as met
(status recomputed from its latest verdict), each is told once with the check in words and a
link to where they act."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Engagement, Notice, RequirementSetVersion
from backend.projects.waiver_end import end_waivers
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from backend.requirements.versions import requirement_digest
from tests.integration.factories import Org, make_org, sign_in
from tests.integration.fanout.helpers import confirm, endorsements, engage_on_project, terms
from tests.integration.fanout.test_fanout import _accepted_broker, event_of, ready_sub
from workers.fanout import run_fan_out

TODAY = date.today()
CHECK = "GL_EACH_OCCURRENCE_MIN"


async def _short_and_waived(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient, until: date
) -> tuple[Org, Org, Engagement, str, str]:
    """A sub $100K short on GL each occurrence, the GC waiving it until `until`."""
    gc = await make_org(db, "general_contractor", name=f"Birchwood {uuid.uuid4().hex[:4]} LLC")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    version = await db.get(RequirementSetVersion, engagement.requirement_set_version_id)
    assert version is not None
    # The umbrella may not make up the GL shortfall: the failure is the GL line's alone.
    version.body = {**version.body, "combined_limits": False}
    version.body_sha256 = requirement_digest(version.body)
    await db.flush()
    low = RecordChange(
        kind="initial", terms=terms(TODAY, gl_each=900_000), endorsements=endorsements()
    )
    revision = await confirm(db, make_store(settings), sub, low)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    url = f"/api/v1/engagements/{engagement.id}/decisions"
    waived = await client.post(
        url,
        headers={"x-csrf-token": csrf},
        json={
            "kind": "waive",
            "check_code": CHECK,
            "line": "general_liability",
            "reason": "Owner accepted $900K for this scope",
            "expires_on": until.isoformat(),
        },
    )
    assert waived.status_code == 201, waived.text
    await db.refresh(engagement)
    assert engagement.status in ("compliant", "expiring")
    return gc, sub, engagement, url, csrf


async def _told(db: AsyncSession, engagement: Engagement) -> list[Notice]:
    query = select(Notice).where(
        Notice.engagement_id == engagement.id, Notice.kind.like("waiver_ended:%")
    )
    return list((await db.execute(query)).scalars())


async def test_a_waiver_that_ended_is_told_once_and_counts_again(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    until = TODAY + timedelta(days=5)
    gc, sub, engagement, _, _ = await _short_and_waived(
        db, session_factory, settings, client, until
    )
    broker = await _accepted_broker(db, sub)
    assert await end_waivers(db, until) == 0  # its last day: still in force
    assert await _told(db, engagement) == []

    told = await end_waivers(db, until + timedelta(days=1))
    # The sub's two people, its broker's agent, the GC's two admins.
    assert told == 5
    await db.refresh(engagement)
    assert engagement.status == "non_compliant"
    notices = await _told(db, engagement)
    by_org = {n.organisation_id: n for n in notices}
    assert set(by_org) == {sub.id, broker.id, gc.id}
    to_sub = by_org[sub.id]
    assert to_sub.subject.endswith(f"ended {until.isoformat()}")
    assert "General liability: each occurrence limit at least the minimum" in to_sub.body
    assert "non-compliant" in to_sub.body
    assert to_sub.link == f"/my/engagements/{engagement.id}"
    assert by_org[broker.id].link == to_sub.link
    assert by_org[gc.id].link == f"/engagements/{engagement.id}"
    assert await end_waivers(db, until + timedelta(days=2)) == 0  # once
