"""Red team: a GC keeps reading a sub's live record after their engagement ended. Reading the
record follows the engagement: while one of the GC's engagements of the sub is active and not
finished (completed operations still counts: the GC checks completed-ops cover then) the GC
reads the record and its documents; once it ended or finished, nothing of the live record,
least of all what the sub uploaded afterwards (certificates naming other GCs and their
projects). What the GC relied on stays its own through the audit log: the engagement's bundle
still downloads and verifies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.bundle import verify_bundle
from backend.config import Settings
from backend.db.models import Engagement
from backend.projects.verify_service import verify_engagement
from tests.e2e.documents import Policy, certificate_pdf
from tests.integration.factories import Org, engage, make_org, sign_in, term_payload
from tests.security.helpers import HTML
from workers.read_job import read_document_job


def _certificate(sub: Org, holder: str, number: str) -> bytes:
    today = date.today()
    policy = Policy(number, f"AU-{number}", today, today + timedelta(days=365))
    return certificate_pdf(
        sub.organisation.legal_name, holder, policy, "30 days notice of cancellation."
    )


async def _upload(
    client: AsyncClient, sub: Org, csrf: str, content: bytes, jobs: dict[str, Any]
) -> str:
    """Uploads a certificate and reads it (the read makes its page images)."""
    uploaded = await client.post(
        f"/api/v1/subs/{sub.id}/documents",
        files={"file": ("certificate.pdf", content, "application/pdf")},
        headers={"x-csrf-token": csrf},
    )
    assert uploaded.status_code == 201, uploaded.text
    document_id = str(uploaded.json()["id"])
    assert await read_document_job(jobs, document_id) == "read"
    return document_id


async def _gc_reads(client: AsyncClient, sub: Org, document_id: str) -> list[int]:
    """The status of each way the GC reads the sub's live record and one of its documents."""
    return [
        (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code,
        (await client.get(f"/api/v1/documents/{document_id}")).status_code,
        (await client.get(f"/documents/{document_id}/pages/1")).status_code,
        (await client.get(f"/documents/{document_id}/review", headers=HTML)).status_code,
    ]


def _end(engagement: Engagement, how: str) -> None:
    if how == "ended":
        engagement.active = False
    else:
        engagement.phase = how


@pytest.mark.parametrize("how", ["ended", "finished"])
async def test_a_gc_reads_nothing_of_the_live_record_after_the_engagement_ended(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings, how: str
) -> None:
    jobs = {"session_factory": session_factory, "settings": settings}
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    await engage(db, other_gc, sub)
    csrf = await sign_in(client, sub.emails["sub_admin"])
    before = await _upload(
        client, sub, csrf, _certificate(sub, gc.organisation.legal_name, "GL-BEFORE"), jobs
    )
    confirmed = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "initial", "terms": [term_payload()], "source_document_id": before},
        headers={"x-csrf-token": csrf},
    )
    assert confirmed.status_code == 201, confirmed.text
    await verify_engagement(db, engagement.id, None, date.today())

    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert await _gc_reads(client, sub, before) == [200, 200, 200, 200]

    _end(engagement, how)
    await db.flush()
    client.cookies.clear()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    after = await _upload(
        client, sub, csrf, _certificate(sub, other_gc.organisation.legal_name, "GL-AFTER"), jobs
    )

    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert await _gc_reads(client, sub, after) == [404, 404, 404, 404]
    assert await _gc_reads(client, sub, before) == [404, 404, 404, 404]
    assert (await client.get(f"/api/v1/subs/{sub.id}/documents")).status_code in (403, 404)
    listed = await client.get("/api/v1/documents", params={"sub_id": str(sub.id)})
    assert listed.status_code == 200 and listed.json()["data"] == [], listed.text
    # The engagement's own page still opens: it is the GC's, whatever the record says now.
    assert (await client.get(f"/engagements/{engagement.id}", headers=HTML)).status_code == 200

    # What the GC relied on is frozen in the audit log, and stays the GC's.
    snapshots = await client.get(f"/api/v1/audit/engagements/{engagement.id}/snapshots")
    assert snapshots.status_code == 200 and snapshots.json(), snapshots.text
    bundle = await client.get(f"/api/v1/audit/snapshots/{snapshots.json()[0]['id']}/bundle")
    assert bundle.status_code == 200, bundle.text[:300]
    report = await verify_bundle(bundle.content)
    assert report.ok, report.to_text()
    assert "1 of 1 documents included and matching" in report.to_text()

    # The other GC, still engaged, reads the new certificate.
    client.cookies.clear()
    await sign_in(client, other_gc.emails["gc_admin"])
    assert await _gc_reads(client, sub, after) == [200, 200, 200, 200]


async def test_completed_operations_still_reads_the_record(
    client: AsyncClient, db: AsyncSession, session_factory: Any, settings: Settings
) -> None:
    jobs = {"session_factory": session_factory, "settings": settings}
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    engagement.phase = "completed_operations"
    await db.flush()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    document = await _upload(
        client, sub, csrf, _certificate(sub, gc.organisation.legal_name, "GL-CO"), jobs
    )
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    assert await _gc_reads(client, sub, document) == [200, 200, 200, 200]
