"""The owners'/lenders' project report, the signed snapshot PDFs, the review page's look
ahead and the GC's reminder schedule, asked for by the wrong party: another GC, the project's
own sub, a broker, a viewer. Each is refused, with nothing written; a reference typed by hand
is a 404, never a 500."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, Organisation, Person
from tests.integration.factories import Org, engage, make_org, make_project, sign_in

pytestmark = pytest.mark.integration

HTML = {"accept": "text/html"}
PDF_MAGIC = b"%PDF"


async def as_member(client: AsyncClient, org: Org, role: str) -> str:
    client.cookies.clear()
    return await sign_in(client, org.emails[role])


async def test_the_project_report_is_only_its_gcs(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    project = await make_project(db, gc)
    await engage(db, gc, sub, project=project)
    await db.flush()
    path = f"/projects/{project.id}/report.pdf"

    for org, role in (
        (other_gc, "gc_admin"),
        (sub, "sub_admin"),
        (sub, "sub_bookkeeper"),
        (broker, "broker_agent"),
    ):
        await as_member(client, org, role)
        refused = await client.get(path)
        assert refused.status_code in (403, 404), (role, refused.status_code)
        assert not refused.content.startswith(PDF_MAGIC)
        assert project.number not in refused.text
    # A project id that exists nowhere reads like another GC's.
    await as_member(client, other_gc, "gc_admin")
    missing = await client.get(f"/projects/{uuid.uuid4()}/report.pdf")
    assert missing.status_code == 404
    # Its own GC's viewer gets it: the refusals above are about who asks, not a broken route.
    await as_member(client, gc, "gc_viewer")
    own = await client.get(path)
    assert own.status_code == 200 and own.content.startswith(PDF_MAGIC)


@pytest.mark.parametrize(
    "reference",
    [
        "\u00b2",  # str.isdigit() is True for a superscript two, int() refuses it
        "99999999999999999999999",  # beyond a 64-bit leaf index
        "-1",
        "0" * 64,
        "zz" * 32,
        str(uuid.uuid4()),
        "%00",
    ],
)
async def test_snapshot_references_typed_by_hand_are_a_404(
    client: AsyncClient, db: AsyncSession, reference: str
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.flush()
    await as_member(client, gc, "gc_admin")
    for path in (
        f"/snapshots/{reference}/report.pdf",
        f"/api/v1/snapshots/{reference}/bundle",
    ):
        answer = await client.get(path, headers={"accept": "application/json"})
        assert answer.status_code in (400, 404, 422), (path, answer.status_code, answer.text[:200])


async def test_the_preview_reads_no_other_subs_document(
    client: AsyncClient, db: AsyncSession
) -> None:
    victim = await make_org(db, "subcontractor")
    attacker = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    gc = await make_org(db, "general_contractor")
    await engage(db, gc, victim)
    uploader = await db.scalar(select(Person.id).where(Person.email == victim.emails["sub_admin"]))
    document = Document(
        id=uuid.uuid4(),
        sub_org_id=victim.id,
        sha256="b" * 64,
        size_bytes=10,
        content_type="application/pdf",
        filename="victim-coi.pdf",
        uploaded_by_id=uploader,
    )
    db.add(document)
    await db.flush()
    documents_before = await db.scalar(select(func.count()).select_from(Document))

    for org, role in (
        (attacker, "sub_admin"),
        (broker, "broker_agent"),  # no grant from the victim
        (gc, "gc_admin"),  # reads the victim's record, confirms nothing in it
    ):
        csrf = await as_member(client, org, role)
        answer = await client.post(
            f"/documents/{document.id}/preview",
            data={"_csrf": csrf, "policy_number": "X-1"},
            headers={**HTML, "hx-request": "true"},
        )
        assert answer.status_code in (403, 404), (role, answer.status_code)
        assert "victim-coi.pdf" not in answer.text
        assert victim.organisation.legal_name not in answer.text
    assert await db.scalar(select(func.count()).select_from(Document)) == documents_before


async def test_the_reminder_schedule_is_set_by_its_gcs_writers_only(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    await db.flush()
    settings_before = dict(gc.organisation.settings or {})
    form = {"before_days": "1", "every_days": "1", "escalate_after": "1", "enabled": "on"}

    for org, role in ((gc, "gc_viewer"), (sub, "sub_admin")):
        csrf = await as_member(client, org, role)
        answer = await client.post(
            "/settings/reminders", data={"_csrf": csrf, **form}, headers=HTML
        )
        assert answer.status_code == 403, (role, answer.status_code)
    # Without the page's CSRF token, the GC's own admin is refused too (a cross-site form).
    await as_member(client, gc, "gc_admin")
    forged = await client.post("/settings/reminders", data=form, headers=HTML)
    assert forged.status_code == 403
    stored = await db.scalar(
        select(Organisation.settings)
        .where(Organisation.id == gc.id)
        .execution_options(populate_existing=True)
    )
    assert dict(stored or {}) == settings_before
    # Values no schedule can hold: a 422 naming the field, nothing stored.
    csrf = await as_member(client, gc, "gc_admin")
    for bad in (
        {"before_days": "99999999999999999999"},
        {"before_days": "-5"},
        {"every_days": "1e9"},
        {"escalate_after": "\u00b2"},
        {"before_days": ",".join(str(n) for n in range(1, 400))},
    ):
        answer = await client.post(
            "/settings/reminders", data={"_csrf": csrf, **form, **bad}, headers=HTML
        )
        assert answer.status_code == 422, (bad, answer.status_code)
    stored = await db.scalar(
        select(Organisation.settings)
        .where(Organisation.id == gc.id)
        .execution_options(populate_existing=True)
    )
    assert dict(stored or {}) == settings_before
