"""An endorsement that states its notice days clears "the notice-of-cancellation endorsement does
not state its days" (issue 17.6): the deficiency is raised, the sub's broker confirms an
IL 70 21 giving 30 days on the review page, and the fan-out clears it."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import Document, RecordRevision
from backend.db.models import Endorsement as EndorsementRow
from backend.records.schemas import RecordChange
from backend.records.store import make_store
from tests.integration.factories import make_org, sign_in
from tests.integration.fanout.helpers import (
    certificate,
    confirm,
    endorsements,
    engage_on_project,
    person_of,
    rate_insurers,
    terms,
)
from tests.integration.fanout.test_fanout import _accepted_broker, event_of, verdicts_of
from tests.integration.web.test_sub_pages import HTML, _form_values
from workers.fanout import run_fan_out

TODAY = date.today()
NOTICE = "NOTICE_OF_CANCELLATION"
NO_DAYS = "does not state its days"
# What the reader leaves for an uploaded IL 70 21 (backend/acord/ENDORSEMENT_JSON.md).
IL_70_21 = {
    "form_number": "IL 70 21",
    "edition": "09 15",
    "kind": "notice_of_cancellation",
    "purpose": "notice_of_cancellation",
    "carrier_specific": False,
    "page": 1,
    "blanket": False,
    "scheduled_parties": [],
    "schedule_items": [],
    "title": "NOTICE OF CANCELLATION TO DESIGNATED PERSON OR ORGANIZATION",
    "policy_number": "GL-1",
    "insurer": None,
    "named_insured": None,
    "effective": None,
    "notice_days": 30,
}


def _notice_check(checks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(check for check in checks if check["code"] == NOTICE)


async def test_a_broker_endorsement_stating_30_days_clears_the_deficiency(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    await rate_insurers(db, gc)
    uploader = (await person_of(db, sub.emails["sub_bookkeeper"])).id
    # The certificate names the holder but says nothing of notice days.
    await certificate(db, sub, gc.organisation.legal_name, uploader, "Blanket additional insured.")
    engagement = await engage_on_project(db, gc, sub)
    store = make_store(settings)
    initial = RecordChange(
        kind="initial", terms=terms(TODAY - timedelta(days=10)), endorsements=endorsements()
    )
    revision = await confirm(db, store, sub, initial)
    await run_fan_out(session_factory, (await event_of(db, revision.id)).id, TODAY)
    raised = (await verdicts_of(db, revision.id))[engagement.id]
    notice = _notice_check(raised.checks)
    assert notice["outcome"] == "unknown" and NO_DAYS in notice["message"], notice
    assert raised.status == "incomplete"

    # The sub's broker uploads the IL 70 21; the review page offers its days as read.
    broker = await _accepted_broker(db, sub)
    agent = await person_of(db, broker.emails["broker_agent"])
    document = Document(
        id=uuid.uuid4(),
        sub_org_id=sub.id,
        sha256=hashlib.sha256(f"il7021:{uuid.uuid4()}".encode()).hexdigest(),
        size_bytes=2000,
        content_type="application/pdf",
        filename="IL-70-21.pdf",
        uploaded_by_id=agent.id,
        read_state="read",
        read_result={"form": "endorsement", "endorsements": [IL_70_21], "fields": {}},
    )
    db.add(document)
    await db.flush()
    csrf = await sign_in(client, agent.email)
    review = await client.get(f"/documents/{document.id}/review", headers=HTML)
    assert review.status_code == 200, review.text
    days_field = re.search(r'<input [^>]*name="end-0-notice_days"[^>]*>', review.text)
    assert days_field is not None and 'value="30"' in days_field.group(0)
    form = _form_values(review.text)
    form["_csrf"] = csrf
    form["kind"] = "endorsement"
    confirmed = await client.post(f"/documents/{document.id}/confirm", data=form)
    assert confirmed.status_code == 302, confirmed.text

    stored = (
        await db.execute(
            select(EndorsementRow).where(EndorsementRow.source_document_id == document.id)
        )
    ).scalar_one()
    assert (stored.form_number, stored.kind, stored.notice_days) == (
        "IL 70 21",
        "notice_of_cancellation",
        30,
    )
    renewal = (
        await db.execute(
            select(RecordRevision)
            .where(RecordRevision.sub_org_id == sub.id)
            .order_by(RecordRevision.number.desc())
            .limit(1)
        )
    ).scalar_one()
    assert renewal.id != revision.id
    await run_fan_out(session_factory, (await event_of(db, renewal.id)).id, TODAY)
    cleared = (await verdicts_of(db, renewal.id))[engagement.id]
    notice = _notice_check(cleared.checks)
    assert notice["outcome"] == "pass" and notice["found"] == 30, notice
    assert not any(NO_DAYS in check["message"] for check in cleared.checks)
    await db.refresh(engagement)
    assert engagement.status == cleared.status
    assert cleared.status in ("compliant", "expiring"), [
        c["message"] for c in cleared.checks if c["outcome"] != "pass"
    ]


async def test_notice_days_out_of_range_are_refused_with_a_clear_message(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    sub = await make_org(db, "subcontractor")
    uploader = (await person_of(db, sub.emails["sub_bookkeeper"])).id
    document = Document(
        id=uuid.uuid4(),
        sub_org_id=sub.id,
        sha256=hashlib.sha256(f"il7021-bad:{uuid.uuid4()}".encode()).hexdigest(),
        size_bytes=2000,
        content_type="application/pdf",
        filename="IL-70-21.pdf",
        uploaded_by_id=uploader,
        read_state="read",
        read_result={"form": "endorsement", "endorsements": [IL_70_21], "fields": {}},
    )
    db.add(document)
    await db.flush()
    csrf = await sign_in(client, sub.emails["sub_bookkeeper"])
    review = await client.get(f"/documents/{document.id}/review", headers=HTML)
    form = _form_values(review.text)
    form["_csrf"] = csrf
    form["end-0-notice_days"] = "900"
    refused = await client.post(f"/documents/{document.id}/confirm", data=form)
    assert refused.status_code == 422
    assert "is not a number of days from 1 to 365" in refused.text
    revisions = select(RecordRevision).where(RecordRevision.sub_org_id == sub.id)
    assert (await db.execute(revisions)).first() is None
