"""Red team: mass assignment. A paying customer adds fields the form or API never offered,
naming another organisation, a stronger role or someone else as the author, in the hope that
they reach a row: every JSON body of the API refuses an unknown field (422, naming it) and
writes nothing; the sign-up form ignores extra fields (a sub, its first member its
administrator, whatever else was posted)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Base, Membership, Organisation, Person, ProjectTrade
from tests.integration.factories import (
    CSRF_INPUT,
    engage,
    make_org,
    make_project,
    make_requirement_version,
    sign_in,
    term_payload,
)
from tests.integration.mailbox import mailed_link
from tests.security.helpers import HTML


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("web_sessions", "api_tokens", "access_events"):
            continue  # signing in and making the attacker's own tokens write these
        counts[table.name] = (
            await db.execute(select(func.count()).select_from(table))
        ).scalar_one()
    return counts


async def _write_token(client: AsyncClient, email: str) -> dict[str, str]:
    client.cookies.clear()
    csrf = await sign_in(client, email)
    made = await client.post(
        "/api/v1/tokens",
        json={"name": "ERP", "scope": "write"},
        headers={"x-csrf-token": csrf},
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}"}


async def test_api_bodies_refuse_fields_they_never_offered(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    victim_gc = await make_org(db, "general_contractor")
    victim_sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    engagement = await engage(db, gc, sub)
    victim_person = (
        await db.execute(select(Person.id).where(Person.email == victim_gc.emails["gc_admin"]))
    ).scalar_one()
    await db.commit()
    gc_bearer = await _write_token(client, gc.emails["gc_admin"])
    sub_bearer = await _write_token(client, sub.emails["sub_admin"])
    # The token request itself, asking for a role or an organisation.
    client.cookies.clear()
    csrf = await sign_in(client, gc.emails["gc_viewer"])
    viewer_token = await client.post(
        "/api/v1/tokens",
        json={"name": "x", "scope": "write", "role": "gc_admin"},
        headers={"x-csrf-token": csrf},
    )
    assert viewer_token.status_code in (403, 422), viewer_token.text
    client.cookies.clear()

    project: dict[str, Any] = {
        "number": "MA-1",
        "name": "Mass assignment",
        "state": "OH",
        "start_date": date.today().isoformat(),
        "end_date": (date.today() + timedelta(days=90)).isoformat(),
        "certificate_holder": "Holder",
    }
    change: dict[str, Any] = {"kind": "renewal", "terms": [term_payload()]}
    attempts: list[tuple[dict[str, str], str, str, dict[str, Any]]] = [
        (gc_bearer, "POST", "/api/v1/tokens", {"name": "t", "role": "gc_admin"}),
        (gc_bearer, "POST", "/api/v1/tokens", {"name": "t", "organisation_id": str(victim_gc.id)}),
        (gc_bearer, "POST", "/api/v1/projects", {**project, "gc_org_id": str(victim_gc.id)}),
        (gc_bearer, "POST", "/api/v1/projects", {**project, "id": str(uuid.uuid4())}),
        (
            gc_bearer,
            "POST",
            f"/api/v1/engagements/{engagement.id}/decisions",
            {"kind": "pay_hold", "reason": "x", "decided_by_id": str(victim_person)},
        ),
        (
            gc_bearer,
            "POST",
            f"/api/v1/engagements/{engagement.id}/decisions",
            {"kind": "pay_hold", "reason": "x", "engagement_id": str(uuid.uuid4())},
        ),
        (
            gc_bearer,
            "POST",
            "/api/v1/webhooks/endpoints",
            {
                "url": "https://hooks.example.com/coi",
                "event_types": [],
                "organisation_id": str(victim_gc.id),
            },
        ),
        (
            sub_bearer,
            "POST",
            f"/api/v1/subs/{sub.id}/revisions",
            {**change, "sub_org_id": str(victim_sub.id)},
        ),
        (
            sub_bearer,
            "POST",
            f"/api/v1/subs/{sub.id}/revisions",
            {**change, "terms": [{**term_payload(), "sub_org_id": str(victim_sub.id)}]},
        ),
        (
            sub_bearer,
            "POST",
            f"/api/v1/subs/{sub.id}/revisions",
            {**change, "created_by_id": str(victim_person)},
        ),
        (
            sub_bearer,
            "POST",
            "/api/v1/broker-invitations",
            {
                "email": "agent@example.test",
                "broker_org_id": str(firm.id),
                "issuer_org_id": str(victim_sub.id),
            },
        ),
        (
            sub_bearer,
            "POST",
            "/api/v1/broker-invitations",
            {"email": "agent@example.test", "broker_org_id": str(firm.id), "role": "sub_admin"},
        ),
    ]
    before = await _row_counts(db)
    for bearer, method, path, body in attempts:
        answer = await client.request(method, path, json=body, headers=bearer)
        assert answer.status_code == 422, (path, body, answer.status_code, answer.text[:300])
        extra = answer.json()["error"]
        assert "unknown" in extra["message"].lower() or extra.get("field"), extra
    assert await _row_counts(db) == before


async def test_sign_up_ignores_fields_naming_another_kind_role_or_company(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    other = await make_org(db, "subcontractor")
    project = await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    db.add(
        ProjectTrade(
            project_id=project.id, trade="Drywall", requirement_set_id=version.requirement_set_id
        )
    )
    await db.commit()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    address = f"new.{uuid.uuid4().hex[:8]}@example.test"
    invited = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": address, "trade": "Drywall"},
    )
    assert invited.status_code == 200, invited.text[:300]
    link = await mailed_link(redis, address)
    client.cookies.clear()
    form = await client.get(link, headers=HTML)
    found = CSRF_INPUT.search(form.text)
    assert found, form.text[:300]
    joined = await client.post(
        "/signup",
        data={
            "_csrf": found.group(1),
            "token": link.split("token=", 1)[1],
            "legal_name": "Extra Fields Drywall LLC",
            "full_name": "Pat",
            "password": "correct horse battery",
            "password_again": "correct horse battery",
            "kind": "general_contractor",
            "role": "gc_admin",
            "organisation_id": str(other.id),
            "invitee_org_id": str(other.id),
        },
    )
    assert joined.status_code == 302, joined.text[:300]
    person = (await db.execute(select(Person).where(Person.email == address))).scalar_one()
    memberships = (
        await db.execute(
            select(Membership.role, Organisation.kind, Organisation.legal_name)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.person_id == person.id)
        )
    ).all()
    assert [tuple(m) for m in memberships] == [
        ("sub_admin", "subcontractor", "Extra Fields Drywall LLC")
    ]
    other_members = await db.scalar(
        select(func.count()).select_from(Membership).where(Membership.organisation_id == other.id)
    )
    assert other_members == len(other.emails)
