"""Time and people: the expiry sweep, pay holds, work-stop orders, waivers, approvals."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Decision, Engagement, Notice, RequirementSetVersion
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.projects.sweep import run_sweep
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from backend.requirements.versions import requirement_digest
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import (
    confirm,
    endorsements,
    engage_on_project,
    person_of,
    terms,
)
from tests.integration.fanout.test_fanout import event_of, ready_sub, verdicts_of
from workers.fanout import run_fan_out

TODAY = date.today()


async def kinds_of(db: AsyncSession, engagement_id: uuid.UUID) -> list[str]:
    query = select(AuditLogEntry.kind).where(AuditLogEntry.engagement_id == engagement_id)
    return list((await db.execute(query.order_by(AuditLogEntry.seq))).scalars())


async def test_sweep_thresholds_pay_hold_and_release_by_a_compliant_renewal(
    db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    gc.organisation.settings = {"alert_thresholds": [45, 30, 7, 0]}
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    store = make_store(settings)
    ends = TODAY + timedelta(days=40)
    short = RecordChange(
        kind="initial",
        terms=terms(ends - timedelta(days=365)),
        endorsements=endorsements(),
    )
    revision = await confirm(db, store, sub, short)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    await db.refresh(engagement)
    assert engagement.expires_on == ends

    early = await run_sweep(db, TODAY)  # 40 days left: the 45-day notice, sub only
    assert early.notices == 2  # sub_admin and sub_bookkeeper
    assert early.expiring == (0 if engagement.status == "expiring" else 1)
    assert (await run_sweep(db, TODAY)).notices == 0  # once per threshold
    thirty = await run_sweep(db, ends - timedelta(days=25))
    assert thirty.notices == 4  # the sub's two people and the GC's two admins
    gc_notices = await db.execute(
        select(Notice.kind).where(
            Notice.recipient_id == (await person_of(db, gc.emails["gc_admin"])).id
        )
    )
    assert f"expiry:30d:{ends.isoformat()}" in gc_notices.scalars().all()
    # Each expiry notice leads to where its reader acts: the sub to its page of the
    # engagement (the GC's requirements and the upload), the GC to its own.
    links = await db.execute(
        select(Notice.recipient_id, Notice.link).where(
            Notice.engagement_id == engagement.id, Notice.kind.like("expiry:%")
        )
    )
    by_person = dict(links.all())
    sub_person = (await person_of(db, sub.emails["sub_bookkeeper"])).id
    gc_person = (await person_of(db, gc.emails["gc_admin"])).id
    assert by_person[sub_person] == f"/my/engagements/{engagement.id}"
    assert by_person[gc_person] == f"/engagements/{engagement.id}"

    lapsed = await run_sweep(db, ends)
    await db.refresh(engagement)
    assert (lapsed.expired, lapsed.pay_holds) == (1, 1)
    assert (engagement.status, engagement.pay_hold) == ("expired", True)
    hold = (
        await db.execute(select(Decision).where(Decision.engagement_id == engagement.id))
    ).scalar_one()
    assert hold.kind == "pay_hold" and hold.details["automatic"] is True
    assert hold.details["lapse_began"] == ends.isoformat()
    assert hold.details["discovered_on"] == ends.isoformat()
    assert (await run_sweep(db, ends)).pay_holds == 0

    renewal = RecordChange(kind="renewal", terms=terms(ends, number_suffix="2"))
    renewed = await confirm(db, store, sub, renewal)
    await run_fan_out(session_factory, (await event_of(db, renewed.id)).id, ends)
    await db.refresh(engagement)
    assert (engagement.status, engagement.pay_hold) == ("compliant", False)
    decisions = (
        await db.execute(
            select(Decision.kind, Decision.details)
            .where(Decision.engagement_id == engagement.id)
            .order_by(Decision.created_at)
        )
    ).all()
    assert [kind for kind, _ in decisions] == ["pay_hold", "release"]
    assert decisions[1][1]["revision_number"] == renewed.number
    assert await kinds_of(db, engagement.id) == ["verdict", "pay_hold", "verdict", "release"]


async def test_a_hold_placed_by_a_person_is_not_lifted_by_a_renewal(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    store = make_store(settings)
    revision = await confirm(
        db,
        store,
        sub,
        RecordChange(kind="initial", terms=terms(TODAY), endorsements=endorsements()),
    )
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    url = f"/api/v1/engagements/{engagement.id}/decisions"
    held = await client.post(
        url,
        json={"kind": "pay_hold", "reason": "Lien waiver missing"},
        headers={"x-csrf-token": csrf},
    )
    assert held.status_code == 201, held.text
    renewal = RecordChange(
        kind="renewal", terms=terms(TODAY + timedelta(days=365), number_suffix="2")
    )
    renewed = await confirm(db, store, sub, renewal)
    await run_fan_out(session_factory, (await event_of(db, renewed.id)).id, TODAY)
    await db.refresh(engagement)
    assert engagement.pay_hold is True


async def test_work_stop_and_resume_record_who_when_and_on_what_evidence(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    revision = await confirm(
        db,
        make_store(settings),
        sub,
        RecordChange(kind="initial", terms=terms(TODAY), endorsements=endorsements()),
    )
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    csrf = await sign_in(client, gc.emails["gc_admin"])
    headers = {"x-csrf-token": csrf}
    url = f"/api/v1/engagements/{engagement.id}/decisions"
    lapse = (TODAY - timedelta(days=3)).isoformat()
    stop = await client.post(
        url,
        headers=headers,
        json={"kind": "work_stop", "reason": "Auto liability lapsed", "lapse_began": lapse},
    )
    assert stop.status_code == 201, stop.text
    body = stop.json()
    assert body["work_stopped"] is True
    details = body["decision"]["details"]
    assert details["lapse_began"] == lapse and details["discovered_at"]
    assert details["issued_by"]["name"] == "gc_admin"
    twice = await client.post(url, headers=headers, json={"kind": "work_stop", "reason": "x"})
    assert twice.status_code == 409
    no_evidence = await client.post(url, headers=headers, json={"kind": "resume"})
    assert no_evidence.status_code == 422 and no_evidence.json()["error"]["field"] == "evidence"
    resume = await client.post(
        url,
        headers=headers,
        json={"kind": "resume", "evidence": "Renewal certificate and CA 04 44 on file"},
    )
    assert resume.status_code == 201, resume.text
    resumed = resume.json()["decision"]["details"]
    assert resumed["evidence"] == "Renewal certificate and CA 04 44 on file"
    assert resumed["evidence_revision"]["number"] == revision.number
    assert resumed["lapse_began"] == lapse and resumed["work_resumed_at"]
    assert await kinds_of(db, engagement.id) == ["verdict", "work_stop", "resume"]
    listed = await client.get(url)
    assert [d["kind"] for d in listed.json()] == ["work_stop", "resume"]


async def test_waiver_shows_in_later_verdicts_until_it_expires(
    db: AsyncSession, session_factory: Any, settings: Settings, client: AsyncClient
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    # The GC's set does not let the umbrella make up a primary shortfall, so $900K stays a
    # failure of the GL line alone, the one the GC waives.
    version = await db.get(RequirementSetVersion, engagement.requirement_set_version_id)
    assert version is not None
    version.body = {**version.body, "combined_limits": False}
    version.body_sha256 = requirement_digest(version.body)
    await db.flush()
    store = make_store(settings)
    low = RecordChange(
        kind="initial", terms=terms(TODAY, gl_each=900_000), endorsements=endorsements()
    )
    revision = await confirm(db, store, sub, low)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    await db.refresh(engagement)
    assert engagement.status == "non_compliant"
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    headers = {"x-csrf-token": csrf}
    url = f"/api/v1/engagements/{engagement.id}/decisions"
    refused = await client.post(url, headers=headers, json={"kind": "approve"})
    assert refused.status_code == 422 and "blocking checks are open" in refused.text
    until = TODAY + timedelta(days=20)
    waived = await client.post(
        url,
        headers=headers,
        json={
            "kind": "waive",
            "check_code": "GL_EACH_OCCURRENCE_MIN",
            "line": "general_liability",
            "reason": "Owner accepted $900K for this scope",
            "expires_on": until.isoformat(),
        },
    )
    if waived.status_code == 422:  # the code name differs: take it from the verdict
        codes = [
            c
            for c in (await verdicts_of(db, revision.id))[engagement.id].checks
            if c["outcome"] == "fail"
        ]
        raise AssertionError(codes)
    assert waived.status_code == 201, waived.text
    assert waived.json()["status"] in ("compliant", "expiring")
    approved = await client.post(url, headers=headers, json={"kind": "approve", "reason": "ok"})
    assert approved.status_code == 201, approved.text

    endorsement_only = RecordChange(kind="endorsement", endorsements=endorsements()[:1])
    later = await confirm(db, store, sub, endorsement_only)
    await run_fan_out(session_factory, (await event_of(db, later.id)).id, TODAY)
    verdict = (await verdicts_of(db, later.id))[engagement.id]
    limit = next(c for c in verdict.checks if c["code"] == "GL_EACH_OCCURRENCE_MIN")
    assert limit["outcome"] == "waived" and limit["waiver"]["expires_on"] == until.isoformat()
    assert verdict.status in ("compliant", "expiring")

    after_expiry = await confirm(db, store, sub, endorsement_only)
    await run_fan_out(
        session_factory, (await event_of(db, after_expiry.id)).id, until + timedelta(days=1)
    )
    expired = (await verdicts_of(db, after_expiry.id))[engagement.id]
    limit = next(c for c in expired.checks if c["code"] == "GL_EACH_OCCURRENCE_MIN")
    assert limit["outcome"] == "fail" and expired.status == "non_compliant"
    assert await kinds_of(db, engagement.id) == [
        "verdict",
        "waive",
        "approve",
        "verdict",
        "verdict",
    ]


async def test_only_the_engagements_gc_may_decide(db: AsyncSession, client: AsyncClient) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    url = f"/api/v1/engagements/{engagement.id}/decisions"
    csrf = await sign_in(client, other_gc.emails["gc_admin"])
    foreign = await client.post(
        url, headers={"x-csrf-token": csrf}, json={"kind": "pay_hold", "reason": "x"}
    )
    assert foreign.status_code == 404
    await client.post("/logout", headers={"x-csrf-token": csrf})
    csrf = await sign_in(client, gc.emails["gc_viewer"])
    viewer = await client.post(
        url, headers={"x-csrf-token": csrf}, json={"kind": "pay_hold", "reason": "x"}
    )
    assert viewer.status_code == 403
    await db.refresh(engagement)
    assert isinstance(engagement, Engagement) and engagement.pay_hold is False
