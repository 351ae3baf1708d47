"""Feedback at upload: before confirming, the review page shows what the certificate would do
to each engagement of the sub, judged by the real engine on the record the confirm would make,
and nothing is written until the person confirms."""

from __future__ import annotations

import dataclasses
import html
import re
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import parse_snapshot
from backend.audit.report import render_html
from backend.config import Settings
from backend.db.models import (
    Document,
    Engagement,
    OutboxEvent,
    PolicyTerm,
    RecordRevision,
    RequirementSet,
    RequirementSetVersion,
    Verdict,
)
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.requirements.codec import requirements_to_json
from backend.requirements.model import AdditionalInsuredRequirement, InsurerRequirement
from backend.requirements.templates import template
from backend.requirements.versions import requirement_digest
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.factories import Org, make_org, make_project, sign_in
from tests.integration.fanout.test_fanout import event_of
from tests.integration.web.test_review_safety import _read
from tests.integration.web.test_sub_pages import HTML, _form_values
from workers.fanout import run_fan_out

HTMX = {"accept": "text/html", "hx-request": "true"}


async def _engage_on(db: AsyncSession, gc: Org, sub: Org, tier: str, number: str) -> Engagement:
    """An engagement whose set asks only for general and auto liability at `tier`'s limits,
    so the one certificate below can meet it."""
    base = template(tier)
    wanted = tuple(
        line for line in base.lines if line.line in ("general_liability", "auto_liability")
    )
    body = requirements_to_json(
        dataclasses.replace(
            base,
            lines=wanted,
            endorsements_on_file=False,
            additional_insured=AdditionalInsuredRequirement(),
            primary_noncontributory=False,
            notice_of_cancellation_days=None,
            insurer=InsurerRequirement(),
        )
    )
    requirement_set = RequirementSet(
        id=uuid.uuid4(), gc_org_id=gc.id, name=f"{tier} {number}", template=tier
    )
    db.add(requirement_set)
    await db.flush()
    version = RequirementSetVersion(
        id=uuid.uuid4(),
        requirement_set_id=requirement_set.id,
        version=1,
        body=body,
        body_sha256=requirement_digest(body),
    )
    db.add(version)
    project = await make_project(db, gc, number)
    engagement = Engagement(
        id=uuid.uuid4(),
        project_id=project.id,
        gc_org_id=gc.id,
        sub_org_id=sub.id,
        trade="Framing",
        requirement_set_version_id=version.id,
        status="incomplete",
    )
    db.add(engagement)
    await db.flush()
    return engagement


async def _written(db: AsyncSession, sub_id: uuid.UUID) -> tuple[int, ...]:
    counts = []
    for model, column in (
        (RecordRevision, RecordRevision.sub_org_id),
        (PolicyTerm, PolicyTerm.sub_org_id),
        (OutboxEvent, OutboxEvent.sub_org_id),
        (AuditLogEntry, AuditLogEntry.sub_org_id),
    ):
        query = select(func.count()).select_from(model).where(column == sub_id)
        counts.append(int((await db.execute(query)).scalar_one()))
    counts.append(int((await db.execute(select(func.count()).select_from(Verdict))).scalar_one()))
    return tuple(counts)


def _row(page: str, engagement: Engagement) -> str:
    match = re.search(rf'<tr data-effect="{engagement.id}".*?</tr>', page, re.S)
    assert match, f"no feedback row for {engagement.id}"
    return html.unescape(match.group(0))


async def test_the_review_page_shows_what_confirming_would_do_and_writes_nothing(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    meridian = await make_org(db, "general_contractor", name="Meridian Builders LLC")
    riverside = await make_org(db, "general_contractor", name="Riverside Constructors LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    at_meridian = await _engage_on(db, meridian, sub, "moderate", "P-2400")
    at_riverside = await _engage_on(db, riverside, sub, "high", "RV-12")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Keystone Framing LLC",
        "Meridian Builders LLC",
        Policy("GL-7", "AU-8", today - timedelta(days=5), today + timedelta(days=360)),
        "30 days notice of cancellation.",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    document = await db.get(Document, uuid.UUID(document_id))
    assert document is not None
    read_as = dict(document.read_result or {})
    before = await _written(db, sub.id)

    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    assert review.status_code == 200
    assert 'id="feedback"' in review.text
    meridian_row = _row(review.text, at_meridian)
    assert "Meridian Builders LLC, P-2400" in meridian_row
    assert 'data-after="compliant"' in meridian_row and "Nothing" in meridian_row
    riverside_row = _row(review.text, at_riverside)
    assert 'data-after="non_compliant"' in riverside_row
    # The certificate shows $1,000,000 each occurrence; Riverside's set asks for $2,000,000.
    assert "General liability each occurrence $1,000,000 short" in riverside_row
    # Three gaps are named, the rest counted (here the holder, Meridian not Riverside, and one).
    assert "and 2 more" in riverside_row

    # As the person types, the look ahead follows the form (htmx asks for the fragment).
    form = _form_values(review.text)
    gl = next(k for k, v in form.items() if k.endswith("-line") and v == "general_liability")
    prefix = gl[: -len("line")]
    form[prefix + "limit-each_occurrence"] = "2,000,000"
    form["_csrf"] = csrf
    typed = await client.post(f"/documents/{document_id}/preview", data=form, headers=HTMX)
    assert typed.status_code == 200
    assert typed.text.lstrip().startswith('<section id="feedback"')  # the fragment only
    riverside_row = _row(typed.text, at_riverside)
    assert "each occurrence" not in riverside_row
    assert "General liability general aggregate $2,000,000 short" in riverside_row

    # A form that could not be confirmed says why instead of judging.
    broken = {**form, prefix + "expiration": "31/12/2099"}
    said = await client.post(f"/documents/{document_id}/preview", data=broken, headers=HTMX)
    assert said.status_code == 200 and "data-feedback-problem" in said.text
    assert "is not a date" in html.unescape(said.text)

    # Without script, the button posts the whole form and gets the whole page back.
    whole = await client.post(f"/documents/{document_id}/preview", data=form, headers=HTML)
    assert whole.status_code == 200 and "<h1>Review:" in whole.text
    assert 'value="2,000,000"' in whole.text  # what the person typed stays in the form

    # Nothing of all this reached the database: no revision, term, event, snapshot or
    # verdict, the engagements' statuses and the document's read result as they were.
    assert await _written(db, sub.id) == before
    for engagement in (at_meridian, at_riverside):
        await db.refresh(engagement)
        assert engagement.status == "incomplete"
    await db.refresh(document)
    assert document.read_result == read_as


async def test_no_look_ahead_for_a_gc_or_once_the_document_is_confirmed(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Meridian Builders LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    await _engage_on(db, gc, sub, "moderate", "P-2401")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    today = date.today()
    pdf = certificate_pdf(
        "Keystone Framing LLC",
        "Meridian Builders LLC",
        Policy("GL-9", "AU-10", today - timedelta(days=5), today + timedelta(days=360)),
        "",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    form = {**_form_values(review.text), "_csrf": csrf}
    confirmed = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text
    after = await client.get(f"/documents/{document_id}/review", headers=HTML)
    assert 'id="feedback"' not in after.text

    client.cookies.clear()
    gc_csrf = await sign_in(client, gc.emails["gc_admin"])
    refused = await client.post(
        f"/documents/{document_id}/preview", data={**form, "_csrf": gc_csrf}, headers=HTMX
    )
    assert refused.status_code == 404


async def test_a_holder_typed_by_hand_is_marked_in_the_signed_snapshot(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    """The bookkeeper types the GC's name over a holder read as "Evidence Copy - No Holder": the
    holder check then judges a typed value, and the snapshot (and its PDF) must say so."""
    gc = await make_org(db, "general_contractor", name="Meridian Builders LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    engagement = await _engage_on(db, gc, sub, "moderate", "P-2402")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Keystone Framing LLC",
        "Evidence Copy - No Holder",
        Policy("GL-11", "AU-12", today - timedelta(days=5), today + timedelta(days=360)),
        "",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    form = {**_form_values(review.text), "_csrf": csrf, "holder_name": "Meridian Builders LLC"}
    confirmed = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text
    revision = (
        await db.execute(select(RecordRevision).where(RecordRevision.sub_org_id == sub.id))
    ).scalar_one()
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, today)

    entry = (
        await db.execute(
            select(AuditLogEntry)
            .where(AuditLogEntry.engagement_id == engagement.id)
            .order_by(AuditLogEntry.seq.desc())
            .limit(1)
        )
    ).scalar_one()
    snapshot = parse_snapshot(entry.snapshot)
    typed = snapshot["extra"]["holder_typed_by_hand"]
    assert typed["typed"] == "Meridian Builders LLC"
    assert typed["read"] == "Evidence Copy - No Holder"
    holder_check = next(c for c in snapshot["checks"] if c["code"] == "CERTIFICATE_HOLDER_NAME")
    assert holder_check["passed"]  # passed on the typed value, which the mark beside it shows
    page = render_html(snapshot, "0" * 64)
    assert "TYPED BY HAND" in page and "Evidence Copy - No Holder" in html.unescape(page)


async def test_typed_endorsements_reach_the_gc_and_another_gcs_typed_holder_does_not(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    meridian = await make_org(db, "general_contractor", name="Meridian Builders LLC")
    riverside = await make_org(db, "general_contractor", name="Riverside Constructors LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    at_meridian = await _engage_on(db, meridian, sub, "moderate", "P-2403")
    at_riverside = await _engage_on(db, riverside, sub, "moderate", "RV-13")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Keystone Framing LLC",
        "Evidence Copy - No Holder",
        Policy("GL-13", "AU-14", today - timedelta(days=5), today + timedelta(days=360)),
        "",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    form = {**_form_values(review.text), "_csrf": csrf, "holder_name": "Meridian Builders LLC"}
    blank = max(
        int(k.split("-")[1]) for k in form if k.startswith("end-") and k.endswith("-form_number")
    )
    form.update(
        {
            f"end-{blank}-include": "on",
            f"end-{blank}-form_number": "CG 20 10",
            f"end-{blank}-edition": "04 13",
            f"end-{blank}-kind": "additional_insured_ongoing",
            f"end-{blank}-blanket": "on",
        }
    )
    confirmed = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text
    revision = (
        await db.execute(select(RecordRevision).where(RecordRevision.sub_org_id == sub.id))
    ).scalar_one()
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, today)
    # Riverside gets a certificate of its own, its holder read as printed.
    for_riverside = certificate_pdf(
        "Keystone Framing LLC",
        "Riverside Constructors LLC",
        Policy("GL-13", "AU-14", today - timedelta(days=5), today + timedelta(days=360)),
        "",
    )
    second_id = await _read(client, sub.id, csrf, for_riverside, ctx)
    second_review = await client.get(f"/documents/{second_id}/review", headers=HTML)
    second_form = {**_form_values(second_review.text), "_csrf": csrf, "kind": "correction"}
    again = await client.post(f"/documents/{second_id}/confirm", data=second_form)
    assert again.status_code == 302, again.text
    second = (
        await db.execute(
            select(RecordRevision).where(
                RecordRevision.sub_org_id == sub.id, RecordRevision.number == 2
            )
        )
    ).scalar_one()
    await run_fan_out(session_factory, (await event_of(db, second.id)).id, today)

    client.cookies.clear()
    await sign_in(client, meridian.emails["gc_admin"])
    mine = html.unescape((await client.get(f"/engagements/{at_meridian.id}", headers=HTML)).text)
    assert 'id="typed-by-hand"' in mine
    assert "endorsement CG 20 10 04 13: form number" in mine
    assert "“Meridian Builders LLC”" in mine  # its own holder, typed at review

    client.cookies.clear()
    await sign_in(client, riverside.emails["gc_admin"])
    theirs = html.unescape((await client.get(f"/engagements/{at_riverside.id}", headers=HTML)).text)
    assert "endorsement CG 20 10 04 13: form number" in theirs
    # Riverside's holder check judged its own certificate, read as printed: the holder typed
    # on Meridian's certificate names another GC and is not shown here.
    assert "Meridian" not in theirs
