"""The sub's pages over the real app: upload, read (the real reader, in the worker job), the
side-by-side review, confirming into a revision and seeing how far it reached; brokers; the
requirement editor, notification settings and /verify."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import (
    Document,
    Invitation,
    Organisation,
    RecordRevision,
    RequirementSetVersion,
)
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.factories import engage, make_org, make_requirement_version, sign_in
from workers.read_job import read_document_job

HTML = {"accept": "text/html"}


async def _upload(client: AsyncClient, sub_id: object, csrf: str, pdf: bytes) -> Any:
    return await client.post(
        f"/subs/{sub_id}/upload",
        files={"file": ("renewal.pdf", pdf, "application/pdf")},
        data={"_csrf": csrf},
        headers={"accept": "application/json"},
    )


async def test_upload_read_review_confirm_and_reach(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor", name="Harbor Point Builders LLC")
    sub = await make_org(db, "subcontractor", name="Keystone Framing LLC")
    await engage(db, gc, sub)
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        "Keystone Framing LLC",
        "Harbor Point Builders LLC",
        Policy("GL-1", "AU-2", today, today + timedelta(days=365)),
        "30 days notice of cancellation.",
    )
    uploaded = await _upload(client, sub.id, csrf, pdf)
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    again = await _upload(client, sub.id, csrf, pdf)
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    pending = await client.get(body["review_url"], headers=HTML)
    assert "Reading renewal.pdf" in pending.text and 'hx-trigger="every 1s"' in pending.text
    state = await read_document_job(
        {"session_factory": session_factory, "settings": settings}, body["id"]
    )
    assert state == "read"
    poll = await client.get(body["review_url"] + "?poll=true", headers={"hx-request": "true"})
    assert poll.headers.get("hx-refresh") == "true"
    review = await client.get(body["review_url"], headers=HTML)
    assert review.status_code == 200
    assert 'id="cov-0-policy_number" name="cov-0-policy_number" value="GL-1"' in review.text
    assert re.search(r'data-box="1,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+"', review.text)
    image = await client.get(f"/documents/{body['id']}/pages/1")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"

    form = {k: v for k, v in _form_values(review.text).items()}
    form["_csrf"] = csrf
    form["cov-0-policy_number"] = "GL-1A"  # the person's edit wins over what was read
    assert form["holder_name"] == "Harbor Point Builders LLC"
    form["holder_name"] = "Harbor Point Builders, LLC"
    confirmed = await client.post(f"/documents/{body['id']}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text
    revision = (
        await db.execute(select(RecordRevision).where(RecordRevision.sub_org_id == sub.id))
    ).scalar_one()
    assert revision.kind == "initial"
    record = await client.get(f"/api/v1/subs/{sub.id}/record")
    assert {t["policy_number"] for t in record.json()["terms"]} == {"GL-1A", "AU-2"}
    document = await db.get(Document, uuid.UUID(body["id"]))
    assert document is not None
    await db.refresh(document)
    assert document.read_result is not None
    assert document.read_result["certificate_holder"]["name"] == "Harbor Point Builders, LLC"
    assert document.read_result["corrections"]["/certificate_holder/name"]["read"] == (
        "Harbor Point Builders LLC"
    )
    reach = await client.get(confirmed.headers["location"], headers=HTML)
    assert "reached 1 GC on 1 project" in reach.text
    assert "Re-checking 1 engagement" in reach.text and 'hx-trigger="every 2s"' in reach.text

    other = await make_org(db, "subcontractor")
    client.cookies.clear()
    await sign_in(client, other.emails["sub_bookkeeper"])
    assert (await client.get(body["review_url"], headers=HTML)).status_code == 404
    assert (await client.get(f"/subs/{sub.id}/upload", headers=HTML)).status_code == 404


def _form_values(html: str) -> dict[str, str]:
    """The values a browser would post from the review form (ticked boxes and filled inputs)."""
    values: dict[str, str] = {}
    for match in re.finditer(r"<input ([^>]+)>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        name = attrs.get("name")
        if not name or name == "_csrf":
            continue
        if attrs.get("type") == "checkbox":
            if " checked" in match.group(1):
                values[name] = attrs.get("value", "on")
        else:
            values[name] = attrs.get("value", "")
    for match in re.finditer(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', match.group(2))
        first = re.search(r'<option value="([^"]*)"', match.group(2))
        option = chosen or first
        values[match.group(1)] = option.group(1) if option else ""
    return values


async def test_a_refused_confirmation_shows_the_reason_and_writes_no_revision(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    today = date.today()
    pdf = certificate_pdf(
        sub.organisation.legal_name, "Someone LLC", Policy("GL-7", "AU-8", today, today), ""
    )
    body = (await _upload(client, sub.id, csrf, pdf)).json()
    await read_document_job({"session_factory": session_factory, "settings": settings}, body["id"])
    review = await client.get(body["review_url"], headers=HTML)
    form = _form_values(review.text)
    form["_csrf"] = csrf
    refused = await client.post(f"/documents/{body['id']}/confirm", data=form)
    assert refused.status_code == 422
    assert "Not saved." in refused.text and "on or before it" in refused.text
    revisions = await db.execute(select(RecordRevision).where(RecordRevision.sub_org_id == sub.id))
    assert revisions.first() is None


async def test_broker_invitations_are_listed_and_revoked(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker", name="Blue Anchor Insurance Services LLC")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    page = await client.get("/brokers", headers=HTML)
    assert "Blue Anchor Insurance Services LLC" in page.text
    sent = await client.post(
        "/brokers",
        data={
            "_csrf": csrf,
            "broker_org_id": str(broker.id),
            "email": "agent@blue.example",
            "days": "30",
        },
    )
    assert sent.status_code == 200
    # The inviter sees that it was e-mailed, never the link itself.
    assert 'id="broker-sent"' in sent.text and "token=" not in sent.text
    invitation = (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == sub.id))
    ).scalar_one()
    revoked = await client.post(f"/brokers/{invitation.id}/revoke", data={"_csrf": csrf})
    assert revoked.status_code == 302
    await db.refresh(invitation)
    assert invitation.revoked_at is not None
    bad = await client.post(
        "/brokers", data={"_csrf": csrf, "broker_org_id": "x", "email": "a@b.example"}
    )
    assert bad.status_code == 422 and "Choose the broker firm" in bad.text


async def test_with_no_broker_firm_on_the_network_the_brokers_page_says_what_to_do(
    client: AsyncClient, db: AsyncSession
) -> None:
    # A new network has no broker firm yet: the firm list was empty and required, so the form
    # could not be sent, and nothing said why or what to do meanwhile.
    assert (
        await db.execute(select(Organisation).where(Organisation.kind == "broker"))
    ).first() is None
    sub = await make_org(db, "subcontractor")
    await sign_in(client, sub.emails["sub_bookkeeper"])
    page = await client.get("/brokers", headers=HTML)
    assert page.status_code == 200
    assert 'id="no-broker-firm"' in page.text
    assert "No insurance broker firm is on the network yet" in page.text
    assert f'href="/subs/{sub.id}/upload"' in page.text and 'href="/depends"' in page.text
    assert 'id="b-org"' not in page.text  # no empty list to choose from


async def test_requirement_editor_saves_a_new_version_and_refuses_contradictions(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    version = await make_requirement_version(db, gc, "standard")
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    editor = await client.get(f"/requirements/{version.requirement_set_id}", headers=HTML)
    assert editor.status_code == 200 and "Save as version 2" in editor.text
    form = _form_values(editor.text)
    form["_csrf"] = csrf
    form["general_liability-limit-each_occurrence"] = "2000000"
    form["general_liability-limit-general_aggregate"] = "4000000"
    form["general_liability-limit-products_completed_operations_aggregate"] = "4000000"
    saved = await client.post(f"/requirements/{version.requirement_set_id}", data=form)
    assert saved.status_code == 302, saved.text
    newest = (
        await db.execute(
            select(RequirementSetVersion).where(
                RequirementSetVersion.requirement_set_id == version.requirement_set_id,
                RequirementSetVersion.version == 2,
            )
        )
    ).scalar_one()
    assert newest.body["lines"]["general_liability"]["limits"]["each_occurrence"] == 2_000_000
    form["general_liability-limit-general_aggregate"] = "1000"
    refused = await client.post(f"/requirements/{version.requirement_set_id}", data=form)
    assert refused.status_code == 422 and "Not saved." in refused.text


async def test_notification_thresholds_are_saved_for_the_gc(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    saved = await client.post(
        "/settings/notifications", data={"_csrf": csrf, "alert_days": "90, 30, 14, 0"}
    )
    assert saved.status_code == 302
    organisation = await db.get(Organisation, gc.id)
    assert organisation is not None
    await db.refresh(organisation)
    assert organisation.settings["alert_thresholds"] == [90, 30, 14, 0]
    refused = await client.post(
        "/settings/notifications", data={"_csrf": csrf, "alert_days": "soon"}
    )
    assert refused.status_code == 422
    assert "&#39;soon&#39; is not a number of days from 0 to 365." in refused.text
    too_old = await client.post(
        "/settings/notifications",
        data={"_csrf": csrf, "alert_days": "7", "certificate_max_age_days": "0"},
    )
    assert too_old.status_code == 422 and "The certificate age must be" in too_old.text
    await db.refresh(organisation)
    assert organisation.settings["alert_thresholds"] == [90, 30, 14, 0]  # a refusal saves nothing


async def test_verify_page_reports_a_bad_bundle_and_needs_its_form_token(
    client: AsyncClient,
) -> None:
    form = await client.get("/verify")
    assert form.status_code == 200
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token
    checked = await client.post(
        "/verify",
        data={"_csrf": token.group(1)},
        files={"bundle": ("bundle.zip", b"PK\x03\x04 not really a zip", "application/zip")},
    )
    assert checked.status_code == 200
    assert 'data-ok="false"' in checked.text and "Not verified." in checked.text
    client.cookies.clear()
    forged = await client.post(
        "/verify", data={"_csrf": "x"}, files={"bundle": ("b.zip", b"x", "application/zip")}
    )
    assert forged.status_code == 403


async def test_an_unreadable_file_says_why_in_one_sentence_and_offers_entry_by_hand(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    broken = b"%PDF-1.7\n" + b"\x00not a real pdf body\n" * 40 + b"%%EOF\n"
    upload = await _upload(client, sub.id, csrf, broken)
    assert upload.status_code == 201  # a PDF by its magic bytes: accepted, then read
    body = upload.json()
    await read_document_job({"session_factory": session_factory, "settings": settings}, body["id"])
    review = (await client.get(body["review_url"], headers=HTML)).text
    assert "could not be read automatically: " in review
    assert ".)." not in review and ".." not in review.split("automatically: ")[1][:300]
