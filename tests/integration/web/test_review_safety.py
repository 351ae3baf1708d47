"""Review safety over the real app and reader: warnings that hold the confirm until a reason is
given, a document confirmed once only, values typed by hand marked in the record and shown to
the GC, and the document list saying where each document stands."""

from __future__ import annotations

import html
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Document, Organisation, PolicyTerm, RecordRevision
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.web.test_sub_pages import HTML, _form_values, _upload
from workers.read_job import read_document_job


async def _read(client: AsyncClient, sub_id: object, csrf: str, pdf: bytes, ctx: Any) -> str:
    body = (await _upload(client, sub_id, csrf, pdf)).json()
    assert await read_document_job(ctx, body["id"]) == "read"
    return str(body["id"])


async def test_warnings_hold_the_confirm_until_a_reason_and_a_document_confirms_once(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Tallgrass Builders LLC")
    sub = await make_org(db, "subcontractor", name="Quarry Ridge Masonry LLC")
    engagement = await engage(db, gc, sub)
    organisation = await db.get(Organisation, gc.id)
    assert organisation is not None
    organisation.settings = {"certificate_max_age_days": 60}
    await db.flush()
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Northwind Paving Inc.",  # another company
        "Tallgrass Builders LLC",
        Policy("GL-31", "AU-32", today - timedelta(days=400), today - timedelta(days=35)),
        "",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    text = html.unescape(review.text)
    assert 'data-warning="insured_name"' in text and "Northwind Paving Inc." in text
    assert 'data-warning="expired"' in text
    assert 'data-warning="stale_certificate"' in text and "Tallgrass Builders LLC" in text

    form = _form_values(review.text)
    form["_csrf"] = csrf
    refused = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert refused.status_code == 422
    assert "Say why this certificate is right" in html.unescape(refused.text)
    query = select(RecordRevision).where(RecordRevision.sub_org_id == sub.id)
    assert (await db.execute(query)).first() is None

    form["override_reason"] = "Prior-year certificate kept for the claim file."
    form["cov-0-limit-each_occurrence"] = "2,000,000"  # typed over what was read
    confirmed = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text
    revision = (await db.execute(query)).scalar_one()
    assert "Prior-year certificate kept for the claim file." in revision.summary
    document = await db.get(Document, uuid.UUID(document_id))
    assert document is not None
    await db.refresh(document)
    assert document.read_result is not None
    review_note = document.read_result["review"]
    assert {w["code"] for w in review_note["warnings"]} == {
        "insured_name",
        "expired",
        "stale_certificate",
    }
    gl = (
        await db.execute(
            select(PolicyTerm).where(
                PolicyTerm.revision_id == revision.id,
                PolicyTerm.limits.has_key("general_aggregate"),
            )
        )
    ).scalar_one()
    assert gl.entered_by_hand == {"limits.each_occurrence": "1000000"}
    assert gl.limits["each_occurrence"] == 2_000_000

    again = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert again.status_code == 422
    assert "already confirmed as revision 1" in again.text
    assert len((await db.execute(query)).all()) == 1
    shown = await client.get(f"/documents/{document_id}/review", headers=HTML)
    assert 'id="already-confirmed"' in shown.text
    assert "Confirm and update the record" not in shown.text
    record = await client.get("/record", headers=HTML)
    assert 'data-doc-state="confirmed">Confirmed as revision 1' in record.text
    assert "typed by hand: limits.each occurrence" in record.text

    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    gc_view = html.unescape((await client.get(f"/engagements/{engagement.id}", headers=HTML)).text)
    assert 'id="typed-by-hand"' in gc_view
    assert "general liability: each occurrence — the document read “1000000”" in gc_view


async def test_a_clean_certificate_has_no_warnings_and_an_unread_basis_is_left_empty(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor", name="Brightwater Glazing, L.L.C.")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Brightwater Glazing LLC",  # punctuation differs: the same company
        "Somebody LLC",
        Policy("GL-41", "AU-42", today, today + timedelta(days=365)),
        "",
    )
    ctx = {"session_factory": session_factory, "settings": settings}
    document_id = await _read(client, sub.id, csrf, pdf, ctx)
    upload_page = await client.get(f"/subs/{sub.id}/upload", headers=HTML)
    assert 'data-doc-state="awaiting">Read, awaiting review' in upload_page.text
    document = await db.get(Document, uuid.UUID(document_id))
    assert document is not None and document.read_result is not None
    # As if the reader had missed the basis: the form must not offer "occurrence" as read.
    coverages = [dict(c) for c in document.read_result["coverages"]]
    coverages[0].pop("basis", None)
    document.read_result = {**document.read_result, "coverages": coverages}
    await db.flush()
    review = await client.get(f"/documents/{document_id}/review", headers=HTML)
    assert 'id="review-warnings"' not in review.text
    assert '<option value="" selected>— not read: choose —</option>' in review.text
    form = _form_values(review.text)
    form["_csrf"] = csrf
    refused = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert refused.status_code == 422
    assert "basis was not read" in refused.text
    form["cov-0-basis"] = "occurrence"
    confirmed = await client.post(f"/documents/{document_id}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text
    term = (
        await db.execute(
            select(PolicyTerm).where(
                PolicyTerm.sub_org_id == sub.id, PolicyTerm.limits.has_key("general_aggregate")
            )
        )
    ).scalar_one()
    assert term.entered_by_hand == {"basis": None}
