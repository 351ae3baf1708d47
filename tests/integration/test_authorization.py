"""Every role of one organisation tries to read and change other organisations' records
through every route: each attempt is refused (403 or 404) and nothing changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    ApiToken,
    Document,
    Engagement,
    Invitation,
    OutboxEvent,
    PolicyTerm,
    Project,
    RecordRevision,
)
from backend.network.secrets import new_token, token_digest
from tests.integration.factories import engage, make_org, sign_in, term_payload

TABLES = (
    ApiToken,
    Document,
    Engagement,
    Invitation,
    OutboxEvent,
    PolicyTerm,
    Project,
    RecordRevision,
)


async def _counts(db: AsyncSession) -> dict[str, int]:
    return {
        t.__tablename__: (await db.execute(select(func.count()).select_from(t))).scalar_one()
        for t in TABLES
    }


async def test_no_role_reaches_another_organisations_rows(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc_a = await make_org(db, "general_contractor")
    sub_a = await make_org(db, "subcontractor")
    broker_a = await make_org(db, "broker")
    gc_b = await make_org(db, "general_contractor")
    sub_b = await make_org(db, "subcontractor")

    engagement_b = await engage(db, gc_b, sub_b)
    await engage(db, gc_a, sub_a)
    document_b = Document(
        id=uuid.uuid4(),
        sub_org_id=sub_b.id,
        sha256="ab" * 32,
        size_bytes=3,
        content_type="application/pdf",
        filename="b.pdf",
        uploaded_by_id=(await db.execute(select(ApiToken.created_by_id).limit(0))).scalar()
        or await _person_id(db, sub_b.emails["sub_admin"]),
    )
    db.add(document_b)
    token_b = ApiToken(
        id=uuid.uuid4(),
        organisation_id=gc_b.id,
        created_by_id=await _person_id(db, gc_b.emails["gc_admin"]),
        name="b",
        role="gc_admin",
        prefix="coi_xx",
        token_hash=token_digest(new_token("coi")),
    )
    db.add(token_b)
    invitation_b = Invitation(
        id=uuid.uuid4(),
        kind="broker_access",
        issuer_org_id=sub_b.id,
        issued_by_id=await _person_id(db, sub_b.emails["sub_admin"]),
        email="x@example.test",
        role="broker_agent",
        token_hash=token_digest(new_token("inv")),
        invitee_org_id=broker_a.id,
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    db.add(invitation_b)
    await db.flush()
    before = await _counts(db)

    actors = (
        [(gc_a, r) for r in gc_a.emails]
        + [(sub_a, r) for r in sub_a.emails]
        + [(broker_a, r) for r in broker_a.emails]
    )
    assert len(actors) == 7  # every role of the three kinds
    for org, role in actors:
        client.cookies.clear()
        csrf = await sign_in(client, org.emails[role])
        headers = {"x-csrf-token": csrf}
        attempts = [
            ("GET", f"/api/v1/subs/{sub_b.id}/record", None),
            ("GET", f"/api/v1/subs/{sub_b.id}/documents", None),
            (
                "POST",
                f"/api/v1/subs/{sub_b.id}/revisions",
                {"kind": "renewal", "terms": [term_payload()]},
            ),
            ("GET", f"/api/v1/documents/{document_b.id}", None),
            ("GET", f"/api/v1/projects/{engagement_b.project_id}", None),
            ("GET", f"/api/v1/engagements/{engagement_b.id}", None),
            ("DELETE", f"/api/v1/tokens/{token_b.id}", None),
            ("DELETE", f"/api/v1/broker-invitations/{invitation_b.id}", None),
        ]
        for method, path, body in attempts:
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code in (403, 404), (
                role,
                method,
                path,
                response.status_code,
                response.text,
            )
            assert "error" in response.json()
        upload = await client.post(
            f"/api/v1/subs/{sub_b.id}/documents",
            files={"file": ("c.pdf", b"%PDF-1.4 x", "application/pdf")},
            headers=headers,
        )
        assert upload.status_code in (403, 404), (role, upload.text)
        listed = await client.get("/api/v1/engagements")
        assert all(row["id"] != str(engagement_b.id) for row in listed.json()["data"])
        if org is gc_a:
            projects = await client.get("/api/v1/projects")
            assert all(p["id"] != str(engagement_b.project_id) for p in projects.json()["data"])
    assert await _counts(db) == before


async def test_gc_reads_a_sub_record_only_through_an_engagement(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    engaged = await make_org(db, "subcontractor")
    stranger = await make_org(db, "subcontractor")
    await engage(db, gc, engaged)
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    assert (await client.get(f"/api/v1/subs/{engaged.id}/record")).status_code == 200
    assert (await client.get(f"/api/v1/subs/{stranger.id}/record")).status_code == 404
    # reading through an engagement never grants writing
    response = await client.post(
        f"/api/v1/subs/{engaged.id}/revisions",
        json={"kind": "correction", "terms": [term_payload()]},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 404


async def test_viewer_role_cannot_create_projects(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_viewer"])
    response = await client.post(
        "/api/v1/projects",
        json={
            "number": "V-1",
            "name": "X",
            "state": "IN",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "certificate_holder": "X LLC",
        },
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 403
    assert (
        await db.execute(
            select(func.count()).select_from(Project).where(Project.gc_org_id == gc.id)
        )
    ).scalar_one() == 0


async def _person_id(db: AsyncSession, email: str) -> uuid.UUID:
    from backend.db.models import Person

    return (await db.execute(select(Person.id).where(Person.email == email))).scalar_one()
