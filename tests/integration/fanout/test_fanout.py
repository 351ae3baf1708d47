"""Fan-out of one record change across GCs, tier 1 and tier 2, exactly once, with notices."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.context import AuditContext
from backend.audit.service import check_log
from backend.config import Settings
from backend.db.models import (
    Engagement,
    Invitation,
    Notice,
    OutboxEvent,
    Project,
    RecordRevision,
    Verdict,
)
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.errors import BadInput
from backend.projects.engine_input import load_record_rows
from backend.projects.verify_service import verify_batch
from backend.records.schemas import EndorsementInput, RecordChange
from backend.records.store import make_store
from tests.integration.factories import Org, make_org, make_project
from tests.integration.fanout.helpers import (
    certificate,
    confirm,
    endorsements,
    engage_on_project,
    initial_change,
    person_of,
    rate_insurers,
    terms,
)
from workers.fanout import run_fan_out

TODAY = date.today()


async def event_of(db: AsyncSession, revision_id: uuid.UUID) -> OutboxEvent:
    query = select(OutboxEvent).where(OutboxEvent.revision_id == revision_id)
    return (await db.execute(query)).scalar_one()


async def verdicts_of(db: AsyncSession, revision_id: uuid.UUID) -> dict[uuid.UUID, Verdict]:
    query = select(Verdict).where(Verdict.revision_id == revision_id)
    return {v.engagement_id: v for v in (await db.execute(query)).scalars()}


async def notices_to(db: AsyncSession, email: str, kind: str | None = None) -> list[Notice]:
    person = await person_of(db, email)
    query = select(Notice).where(Notice.recipient_id == person.id)
    if kind is not None:
        query = query.where(Notice.kind == kind)
    return list((await db.execute(query)).scalars())


async def ready_sub(db: AsyncSession, *gcs: Org) -> Org:
    """A sub holding a certificate for each GC, whose GCs rate its insurers."""
    sub = await make_org(db, "subcontractor")
    uploader = (await person_of(db, sub.emails["sub_bookkeeper"])).id
    for gc in gcs:
        await rate_insurers(db, gc)
        await certificate(db, sub, gc.organisation.legal_name, uploader)
    return sub


async def test_a_confirmed_change_writes_revision_and_outbox_event_in_one_transaction(
    db: AsyncSession, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor")
    store = make_store(settings)
    with pytest.raises(RuntimeError):
        async with db.begin_nested():
            revision = await confirm(db, store, sub, initial_change(TODAY))
            assert (await event_of(db, revision.id)).sub_org_id == sub.id
            raise RuntimeError("the request fails after the change")
    assert (
        await db.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sub_org_id == sub.id)
        )
        == 0
    )
    assert (
        await db.scalar(
            select(func.count())
            .select_from(RecordRevision)
            .where(RecordRevision.sub_org_id == sub.id)
        )
        == 0
    )
    revision = await confirm(db, store, sub, initial_change(TODAY))
    event = await event_of(db, revision.id)
    assert (event.kind, event.published_at, event.payload["revision_number"]) == (
        "record.changed",
        None,
        1,
    )


async def test_backwards_renewal_and_foreign_policy_are_refused_with_a_message(
    db: AsyncSession, settings: Settings
) -> None:
    store = make_store(settings)
    sub = await make_org(db, "subcontractor")
    other = await make_org(db, "subcontractor")
    await confirm(db, store, sub, initial_change(TODAY))
    backwards = RecordChange(kind="renewal", terms=terms(TODAY - timedelta(days=30)))
    with pytest.raises(BadInput, match="dates cannot go backwards"):
        await confirm(db, store, sub, backwards)
    other_revision = await confirm(db, store, other, initial_change(TODAY))
    other_policy = (await load_record_rows(db, other.id)).terms[0][0].id
    foreign = RecordChange(
        kind="endorsement",
        endorsements=[
            EndorsementInput(
                form_number="CG 20 10",
                kind="additional_insured_ongoing",
                blanket=True,
                policy_id=other_policy,
            )
        ],
    )
    with pytest.raises(BadInput, match="belongs to another record"):
        await confirm(db, store, sub, foreign)
    assert other_revision.number == 1


async def test_one_renewal_reaches_every_gc_tier_one_and_two(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc_a = await make_org(db, "general_contractor")
    gc_b = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc_a, gc_b)
    tier1 = await make_org(db, "subcontractor")
    direct_a = await engage_on_project(db, gc_a, sub)
    direct_b = await engage_on_project(db, gc_b, sub)
    project_b = await make_project(db, gc_b)
    parent = await engage_on_project(db, gc_b, tier1, project=project_b)
    tier2 = await engage_on_project(db, gc_b, sub, project=project_b, parent=parent)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY - timedelta(10)))
    event = await event_of(db, revision.id)

    report = await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]

    assert (report.engagements, report.verified) == (3, 3)
    verdicts = await verdicts_of(db, revision.id)
    assert set(verdicts) == {direct_a.id, direct_b.id, tier2.id}
    assert {v.status for v in verdicts.values()} == {"compliant"}
    # Every verdict carries the evidence the GC needs: the holder came from its certificate.
    holder = next(c for c in verdicts[direct_a.id].checks if c["code"] == "CERTIFICATE_HOLDER_NAME")
    assert holder["found"] == gc_a.organisation.legal_name
    assert holder["evidence"]["bbox"] == [30.0, 600.0, 250.0, 612.0]
    snapshots = (
        (
            await db.execute(
                select(AuditLogEntry).where(AuditLogEntry.engagement_id.in_(list(verdicts)))
            )
        )
        .scalars()
        .all()
    )
    assert sorted(s.engagement_id for s in snapshots) == sorted(verdicts)
    assert {s.kind for s in snapshots} == {"verdict"}
    for engagement in (direct_a, direct_b, tier2):
        await db.refresh(engagement)
        assert engagement.status == "compliant"
        assert engagement.expires_on == TODAY - timedelta(10) + timedelta(365)
    # GC admins hear of the change of status; nobody is asked to fix anything.
    for gc in (gc_a, gc_b):
        for role in ("gc_admin", "gc_contract_admin"):
            assert await notices_to(db, gc.emails[role], "status_changed")
        assert not await notices_to(db, gc.emails["gc_viewer"])
    assert not await notices_to(db, sub.emails["sub_bookkeeper"], "deficiency")


async def test_retried_and_duplicated_jobs_change_nothing(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagements = [await engage_on_project(db, gc, sub) for _ in range(3)]
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    event = await event_of(db, revision.id)
    first = await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]
    notices = await db.scalar(select(func.count()).select_from(Notice))
    entries = await db.scalar(select(func.count()).select_from(AuditLogEntry))

    again = await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]
    rows = await load_record_rows(db, sub.id)
    duplicate = await verify_batch(db, [e.id for e in engagements], rows, revision, TODAY)

    assert first.verified == 3
    assert (again.engagements, again.verified, duplicate) == (0, 0, [])
    assert await db.scalar(select(func.count()).select_from(Notice)) == notices
    assert await db.scalar(select(func.count()).select_from(AuditLogEntry)) == entries
    assert len(await verdicts_of(db, revision.id)) == 3


async def test_a_record_judges_only_the_engagements_resting_on_it(
    db: AsyncSession, settings: Settings
) -> None:
    """The fan-out acts for one sub's record (record_reach_scope): an engagement of another
    sub handed to it is not judged against that record, and nothing is written for it."""
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    other = await ready_sub(db, gc)
    own = await engage_on_project(db, gc, sub)
    foreign = await engage_on_project(db, gc, other)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    rows = await load_record_rows(db, sub.id)

    changes = await verify_batch(db, [own.id, foreign.id], rows, revision, TODAY)

    assert [change.engagement_id for change in changes] == [own.id]
    assert set(await verdicts_of(db, revision.id)) == {own.id}


async def _accepted_broker(db: AsyncSession, sub: Org) -> Org:
    broker = await make_org(db, "broker")
    agent = await person_of(db, broker.emails["broker_agent"])
    issuer = await person_of(db, sub.emails["sub_admin"])
    now = datetime.now(UTC)
    db.add(
        Invitation(
            id=uuid.uuid4(),
            kind="broker_access",
            issuer_org_id=sub.id,
            issued_by_id=issuer.id,
            email=agent.email,
            role="broker_agent",
            token_hash=os.urandom(32),
            invitee_org_id=broker.id,
            expires_at=now + timedelta(days=7),
            accepted_at=now,
            accepted_by_id=agent.id,
            access_until=now + timedelta(days=30),
        )
    )
    await db.flush()
    return broker


async def test_a_deficient_renewal_asks_the_sub_its_broker_and_the_tier_one_sub(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    broker = await _accepted_broker(db, sub)
    tier1 = await ready_sub(db, gc)
    project = await make_project(db, gc)
    project.flowdown_required = True
    parent = await engage_on_project(db, gc, tier1, project=project)
    tier2 = await engage_on_project(db, gc, sub, project=project, parent=parent)
    lonely_project = await make_project(db, gc)
    lonely_project.flowdown_required = True
    lonely = await engage_on_project(db, gc, tier1, project=lonely_project)
    store = make_store(settings)
    # An umbrella that does not follow form cannot make up the shortfall (combined limits).
    short = terms(TODAY, gl_each=500_000, umbrella_follows_form=False)
    change = RecordChange(kind="initial", terms=short, endorsements=endorsements())
    revision = await confirm(db, store, sub, change)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)  # type: ignore[arg-type]
    tier1_revision = await confirm(db, store, tier1, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, tier1_revision.id)).id, TODAY)  # type: ignore[arg-type]

    assert (await verdicts_of(db, revision.id))[tier2.id].status == "non_compliant"
    asked = await notices_to(db, sub.emails["sub_bookkeeper"], "deficiency")
    assert len(asked) == 1 and "each occurrence" in asked[0].body.lower()
    broker_notice = await notices_to(db, broker.emails["broker_agent"], "deficiency")
    assert len(broker_notice) == 1 and broker_notice[0].organisation_id == broker.id
    flowdown = await notices_to(db, tier1.emails["sub_admin"], "flowdown")
    by_engagement = {n.engagement_id: n.subject for n in flowdown}
    assert "tier-2 sub" in by_engagement[tier2.id]
    assert "requires your tier-2" in by_engagement[lonely.id]
    assert parent.id not in by_engagement  # its project has a tier-2 engagement


async def test_a_renewal_that_falls_short_tells_the_gc_admins_and_asks_the_sub(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc_a = await make_org(db, "general_contractor")
    gc_b = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc_a, gc_b)
    engaged = {
        gc.organisation.id: [await engage_on_project(db, gc, sub) for _ in range(2)]
        for gc in (gc_a, gc_b)
    }
    store = make_store(settings)
    first = await confirm(db, store, sub, initial_change(TODAY - timedelta(10)))
    await run_fan_out(session_factory, (await event_of(db, first.id)).id, TODAY)  # type: ignore[arg-type]
    assert {v.status for v in (await verdicts_of(db, first.id)).values()} == {"compliant"}

    short = terms(
        TODAY - timedelta(5), gl_each=500_000, number_suffix="2", umbrella_follows_form=False
    )
    renewal = RecordChange(kind="renewal", terms=short, endorsements=endorsements())
    second = await confirm(db, store, sub, renewal)
    report = await run_fan_out(session_factory, (await event_of(db, second.id)).id, TODAY)  # type: ignore[arg-type]

    assert {v.status for v in (await verdicts_of(db, second.id)).values()} == {"non_compliant"}
    assert report.verified == 4 and report.notices > 0
    for gc in (gc_a, gc_b):
        for role in ("gc_admin", "gc_contract_admin"):
            told = await notices_to(db, gc.emails[role], "status_changed")
            # One notice for the first record, one for the renewal naming both engagements.
            assert len(told) == 2
            [fell] = [notice for notice in told if "non-compliant" in notice.body]
            assert fell.body.count("compliant -> non-compliant") == 2
            for engagement in engaged[gc.organisation.id]:
                assert f"/engagements/{engagement.id}" in fell.body
        assert not await notices_to(db, gc.emails["gc_viewer"])
    asked = await notices_to(db, sub.emails["sub_bookkeeper"], "deficiency")
    assert len(asked) == 1 and "each occurrence" in asked[0].body.lower()
    for gc in (gc_a, gc_b):
        assert gc.organisation.legal_name in asked[0].body


async def test_an_older_revision_never_overwrites_a_newer_verdict(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    store = make_store(settings)
    first = await confirm(db, store, sub, initial_change(TODAY))
    renewal = RecordChange(
        kind="renewal", terms=terms(TODAY + timedelta(days=1), number_suffix="2")
    )
    second = await confirm(db, store, sub, renewal)
    await run_fan_out(session_factory, (await event_of(db, second.id)).id, TODAY)  # type: ignore[arg-type]
    late = await run_fan_out(session_factory, (await event_of(db, first.id)).id, TODAY)  # type: ignore[arg-type]
    assert late.engagements == 0
    assert list(await verdicts_of(db, first.id)) == []
    assert list(await verdicts_of(db, second.id)) == [engagement.id]


async def test_inactive_engagements_and_other_subs_are_left_alone(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    other = await ready_sub(db, gc)
    ended = await engage_on_project(db, gc, sub)
    ended.active = False
    others = await engage_on_project(db, gc, other)
    revision = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    report = await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)  # type: ignore[arg-type]
    assert report.engagements == 0
    await db.refresh(others)
    assert others.status == "pending"
    assert isinstance(await db.get(Project, ended.project_id), Project)
    assert (await db.get(Engagement, ended.id)) is not None


async def test_the_audit_log_accepts_the_fan_outs_snapshots(
    db: AsyncSession, session_factory: Any, settings: Settings, tmp_path: Path
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    for _ in range(3):
        await engage_on_project(db, gc, sub)
    store = make_store(settings)
    first = await confirm(db, store, sub, initial_change(TODAY))
    await run_fan_out(session_factory, (await event_of(db, first.id)).id, TODAY)
    renewal = RecordChange(kind="renewal", terms=terms(TODAY, number_suffix="2"))
    second = await confirm(db, store, sub, renewal)
    await run_fan_out(session_factory, (await event_of(db, second.id)).id, TODAY)

    result = await check_log(db, AuditContext.from_keys_dir(tmp_path / "keys", "test.fanout"))

    assert result.ok, result.findings
    assert result.entries >= 6
    chained = (
        (
            await db.execute(
                select(AuditLogEntry.previous_snapshot_sha256).where(
                    AuditLogEntry.sub_org_id == sub.id
                )
            )
        )
        .scalars()
        .all()
    )
    assert sum(1 for previous in chained if previous is not None) == 3


async def test_the_engagement_row_is_written_only_when_something_moved(
    db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    """A verdict that changes the engagement's status rewrites its row and sets updated_at
    (the API's "updated since"); a second revision judged the same leaves the row alone: the
    row's physical place (ctid), new on every UPDATE, stays put."""
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    engagement = await engage_on_project(db, gc, sub)
    place = text("SELECT ctid::text FROM engagements WHERE id = :id")
    created = await db.scalar(place, {"id": engagement.id})
    before = await db.scalar(select(func.now()))
    first = await confirm(db, make_store(settings), sub, initial_change(TODAY))
    event = await event_of(db, first.id)
    await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]
    await db.refresh(engagement)
    assert engagement.status == "compliant"
    assert before is not None and engagement.updated_at >= before
    judged = await db.scalar(place, {"id": engagement.id})
    assert judged != created

    same = RecordChange(kind="renewal", terms=terms(TODAY, number_suffix="2"), endorsements=[])
    second = await confirm(db, make_store(settings), sub, same)
    event = await event_of(db, second.id)
    report = await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]
    assert report.verified == 1
    await db.refresh(engagement)
    assert engagement.status == "compliant"
    assert await db.scalar(place, {"id": engagement.id}) == judged
