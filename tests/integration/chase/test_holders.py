"""Renewal certificates per holder: after a renewal each GC that needs its own certificate is
asked for once, the sub sees what is outstanding, and each read certificate naming a holder is
attached to that holder's engagements; the renewed policies stay one record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.holders import REQUEST_KIND, match_uploads, plan_requests
from backend.chase.reminders import REMINDER_KIND, run_reminders
from backend.config import Settings
from backend.db.models import Document, OutboxEvent, RecordRevision
from backend.db.models.holder_request import HolderRequest
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.chase.helpers import broker_grant, engage_in_pa, pa_record
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import (
    certificate,
    confirm,
    engage_on_project,
    initial_change,
    person_of,
    terms,
)
from tests.integration.fanout.test_fanout import notices_to, ready_sub
from workers.fanout import run_fan_out

TODAY = date.today()
HTML = {"accept": "text/html"}


async def test_a_renewal_asks_each_holder_once_and_attaches_each_certificate(
    client: AsyncClient, db: AsyncSession, session_factory: object, settings: Settings
) -> None:
    gc_a = await make_org(db, "general_contractor")
    gc_b = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc_a, gc_b)
    broker = await make_org(db, "broker")
    await broker_grant(db, sub, broker)
    on_a = await engage_in_pa(db, gc_a, sub)
    on_b = await engage_in_pa(db, gc_b, sub)
    store = make_store(settings)
    first = await confirm(db, store, sub, pa_record(TODAY - timedelta(days=340)))
    event = (
        await db.execute(select(OutboxEvent).where(OutboxEvent.revision_id == first.id))
    ).scalar_one()
    await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]
    # Last year's certificates were for the expiring term.
    await db.execute(
        update(Document)
        .where(Document.sub_org_id == sub.id)
        .values(created_at=datetime.now(UTC) - timedelta(days=300))
    )
    uploader = (await person_of(db, sub.emails["sub_bookkeeper"])).id
    for_a = await certificate(db, sub, gc_a.organisation.legal_name, uploader)
    renewal = msgspec.structs.replace(
        pa_record(TODAY + timedelta(days=25), kind="renewal"), source_document_id=for_a.id
    )
    renewed = await confirm(db, store, sub, renewal)
    event = (
        await db.execute(select(OutboxEvent).where(OutboxEvent.revision_id == renewed.id))
    ).scalar_one()
    await run_fan_out(session_factory, event.id, TODAY)  # type: ignore[arg-type]

    assert await plan_requests(db) == 2
    assert await plan_requests(db) == 0
    requests = {
        r.engagement_id: r
        for r in (
            await db.execute(select(HolderRequest).where(HolderRequest.revision_id == renewed.id))
        ).scalars()
    }
    # The renewal's own certificate names GC A: that engagement is served by it already.
    assert requests[on_a.id].document_id == for_a.id
    assert requests[on_a.id].fulfilled_at is not None
    assert requests[on_b.id].fulfilled_at is None
    assert requests[on_b.id].holder_name == gc_b.organisation.legal_name
    for email in (sub.emails["sub_admin"], broker.emails["broker_agent"]):
        [ask] = await notices_to(db, email, REQUEST_KIND)
        assert f"For {gc_b.organisation.legal_name}" in ask.body
        assert f"For {gc_a.organisation.legal_name}" not in ask.body

    # The owed certificate is chased like a gap: the engagement of GC B only, on its pace.
    chase = await run_reminders(db, TODAY, "http://coinet.test")
    assert chase.engagements == 1
    [reminder] = await notices_to(db, sub.emails["sub_admin"], REMINDER_KIND)
    assert f"/my/engagements/{on_b.id}" in reminder.body
    assert f"Certificate holder: {gc_b.organisation.legal_name}." in reminder.body
    assert f"/my/engagements/{on_a.id}" not in reminder.body
    assert (await run_reminders(db, TODAY, "http://coinet.test")).engagements == 0

    await sign_in(client, sub.emails["sub_admin"])
    page = await client.get("/certificates-needed", headers=HTML)
    assert page.status_code == 200
    assert gc_b.organisation.legal_name in page.text
    assert f"/my/engagements/{on_b.id}" in page.text
    assert f"/my/engagements/{on_a.id}" not in page.text
    box = await client.get("/certificates-needed", headers={**HTML, "hx-request": "true"})
    assert "<html" not in box.text and gc_b.organisation.legal_name in box.text

    # A certificate naming someone else does not fulfil it; one naming GC B does, whatever
    # its case and punctuation.
    await certificate(db, sub, "Somebody Else Holdings LLC", uploader)
    assert await match_uploads(db) == 0
    as_typed = gc_b.organisation.legal_name.upper().replace(" LLC", ", L.L.C.")
    for_b = await certificate(db, sub, as_typed, uploader)
    assert await match_uploads(db) == 1
    await db.refresh(requests[on_b.id])
    assert requests[on_b.id].document_id == for_b.id
    page = await client.get("/certificates-needed", headers=HTML)
    assert 'id="no-holder-requests"' in page.text
    # Fulfilled, it is chased no more.
    later = await run_reminders(db, TODAY + timedelta(days=3), "http://coinet.test")
    assert later.engagements == 0
    # Still one shared record: the two certificates added no revision.
    revisions = await db.scalar(
        select(func.count()).select_from(RecordRevision).where(RecordRevision.sub_org_id == sub.id)
    )
    assert revisions == 2


async def test_another_sub_sees_none_of_its_requests(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await ready_sub(db, gc)
    other = await make_org(db, "subcontractor")
    await engage_on_project(db, gc, sub)
    store = make_store(settings)
    await confirm(db, store, sub, initial_change(TODAY - timedelta(days=340)))
    await confirm(
        db, store, sub, RecordChange(kind="renewal", terms=terms(TODAY + timedelta(days=25)))
    )
    assert await plan_requests(db) == 1
    await sign_in(client, other.emails["sub_admin"])
    page = await client.get("/certificates-needed", headers=HTML)
    assert gc.organisation.legal_name not in page.text
    assert 'id="no-holder-requests"' in page.text
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert (await client.get("/certificates-needed", headers=HTML)).status_code == 403
