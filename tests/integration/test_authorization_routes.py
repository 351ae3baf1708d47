"""Walks the app's own route table: every route that names another organisation's object
is tried by every role of one organisation, and must refuse without changing anything.
A route added later is covered without editing this test."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.db.models import (
    ApiToken,
    Base,
    Document,
    Invitation,
    Membership,
    Notice,
    Person,
    ProcoreConnection,
    ProcoreVendorLink,
    RecordRevision,
    RequirementSet,
    WebhookDelivery,
    WebhookEndpoint,
)
from backend.network.actor import Actor
from backend.network.secrets import new_token, token_digest
from backend.projects.decisions import DecisionRequest, decide
from backend.projects.schemas import REQUIREMENTS_EXAMPLE
from backend.projects.verify_service import verify_engagement
from backend.records.schemas import RecordChange, TermInput
from backend.records.service import RecordService
from backend.records.store import FilesystemStore
from tests.integration.factories import engage, make_org, sign_in

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Routes whose path names no organisation's object are checked by other tests.
SKIPPED_PREFIXES = ("/schema", "/static", "/health")
# API routes whose JSON body must be valid to reach the service: sent with one, so the refusal
# is the service's (the object is another organisation's), not the body decoder's.
JSON_BODIES: dict[str, dict[str, object]] = {
    "/api/v1/requirement-sets/{set_id:uuid}/versions": {"requirements": REQUIREMENTS_EXAMPLE},
}


async def _person(db: AsyncSession, email: str) -> uuid.UUID:
    return (await db.execute(select(Person.id).where(Person.email == email))).scalar_one()


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("web_sessions", "people", "memberships"):
            continue  # signing in legitimately writes sessions
        counts[table.name] = (
            await db.execute(select(func.count()).select_from(table))
        ).scalar_one()
    return counts


async def test_every_route_refuses_other_organisations_objects(
    client: AsyncClient, db: AsyncSession, settings: object
) -> None:
    gc_a = await make_org(db, "general_contractor")
    sub_a = await make_org(db, "subcontractor")
    broker_a = await make_org(db, "broker")
    gc_b = await make_org(db, "general_contractor")
    sub_b = await make_org(db, "subcontractor")
    await engage(db, gc_a, sub_a)
    engagement_b = await engage(db, gc_b, sub_b)

    sub_b_admin = await _person(db, sub_b.emails["sub_admin"])
    sub_b_actor = Actor(sub_b_admin, sub_b.id, "subcontractor", "sub_admin")
    records = RecordService(db, FilesystemStore(settings.document_root), 10_000_000)  # type: ignore[attr-defined]
    upload = await records.upload(sub_b_actor, sub_b.id, "b.pdf", "application/pdf", b"%PDF-1.4 b")
    revision = await records.confirm_change(
        sub_b_actor,
        sub_b.id,
        RecordChange(
            kind="initial",
            terms=[
                TermInput(
                    line="general_liability",
                    insurer_name="B Mutual",
                    insurer_naic="11111",
                    policy_number="GL-B",
                    effective=date.today(),
                    expiration=date.today() + timedelta(days=365),
                    limits={"each_occurrence": 1_000_000},
                )
            ],
        ),
    )
    gc_b_admin = await _person(db, gc_b.emails["gc_admin"])
    gc_b_actor = Actor(gc_b_admin, gc_b.id, "general_contractor", "gc_admin")
    await verify_engagement(db, engagement_b.id, None, date.today())
    await decide(
        db,
        gc_b_actor,
        engagement_b.id,
        DecisionRequest(kind="reject", reason="limits too low", reasons=("limits too low",)),
        date.today(),
    )
    token_b = ApiToken(
        id=uuid.uuid4(),
        organisation_id=gc_b.id,
        created_by_id=gc_b_admin,
        name="b",
        role="gc_admin",
        prefix="coi_b",
        token_hash=token_digest(new_token("coi")),
    )
    invitation_b = Invitation(
        id=uuid.uuid4(),
        kind="broker_access",
        issuer_org_id=sub_b.id,
        issued_by_id=sub_b_admin,
        email="agent@b.example",
        role="broker_agent",
        token_hash=token_digest(new_token("inv")),
        invitee_org_id=broker_a.id,
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    notice_b = Notice(
        id=uuid.uuid4(),
        recipient_id=gc_b_admin,
        organisation_id=gc_b.id,
        kind="status",
        subject="b",
        body="b",
    )
    # B's outside-system objects: a webhook endpoint with one delivery, a Procore connection.
    endpoint_b = WebhookEndpoint(
        id=uuid.uuid4(),
        organisation_id=gc_b.id,
        created_by_id=gc_b_admin,
        url="https://hooks.b.example/coi",
        event_types=[],
        secret_encrypted=b"not-a-real-secret",
    )
    connection_b = ProcoreConnection(
        id=uuid.uuid4(),
        organisation_id=gc_b.id,
        created_by_id=gc_b_admin,
        company_id=4242,
        grant_type="client_credentials",
        client_id="b-client",
    )
    db.add_all([token_b, invitation_b, notice_b, endpoint_b, connection_b])
    await db.flush()
    delivery_b = WebhookDelivery(
        id=uuid.uuid4(),
        endpoint_id=endpoint_b.id,
        organisation_id=gc_b.id,
        message_id="msg_b",
        event_type="decision.made",
        payload={"type": "decision.made"},
    )
    vendor_b = ProcoreVendorLink(
        id=uuid.uuid4(),
        organisation_id=gc_b.id,
        procore_vendor_id=777,
        vendor_name="B vendor",
        sub_org_id=sub_b.id,
        state="suggested",
    )
    db.add_all([delivery_b, vendor_b])
    await db.flush()
    requirement_set_b = (
        await db.execute(
            select(RequirementSet.id).where(RequirementSet.gc_org_id == gc_b.id).limit(1)
        )
    ).scalar_one()
    snapshots = await client.get(f"/api/v1/audit/engagements/{engagement_b.id}/snapshots")
    del snapshots  # unauthenticated here; the reference below is any B snapshot id
    from backend.db.models.audit_log_entry import AuditLogEntry

    snapshot_ref = (
        await db.execute(
            select(AuditLogEntry.id).where(AuditLogEntry.engagement_id == engagement_b.id).limit(1)
        )
    ).scalar_one()

    membership_b = (
        await db.execute(
            select(Membership.id)
            .join(Person, Person.id == Membership.person_id)
            .where(Person.email == gc_b.emails["gc_viewer"])
        )
    ).scalar_one()
    values = {
        "membership_id": membership_b,
        "engagement_id": engagement_b.id,
        "project_id": engagement_b.project_id,
        "sub_id": sub_b.id,
        "document_id": upload.document.id,
        "token_id": token_b.id,
        "invitation_id": invitation_b.id,
        "notice_id": notice_b.id,
        "revision_id": revision.id,
        "set_id": requirement_set_b,
        "endpoint_id": endpoint_b.id,
        "delivery_id": delivery_b.id,
        "connection_id": connection_b.id,
        "vendor_id": vendor_b.procore_vendor_id,
        "reference": snapshot_ref,
        # B's certificate by its hash, under B's snapshot (/snapshots/{reference}/documents/...).
        "sha256": upload.document.sha256,
        "page_number": 1,
        "index": 0,
    }
    app = create_app()
    routes = []
    for route in app.routes:
        if route.path.startswith(SKIPPED_PREFIXES) or "{" not in route.path:
            continue
        names = [name for name, _ in PARAMETER.findall(route.path)]
        assert all(name in values for name in names), f"unmapped parameter in {route.path}"
        path = PARAMETER.sub(lambda m: str(values[m.group(1)]), route.path)
        for method in sorted(getattr(route, "methods", ())):
            if method not in ("HEAD", "OPTIONS"):
                routes.append((method, path, JSON_BODIES.get(route.path)))
    assert len(routes) >= 20
    walked = {(method, path) for method, path, body in routes if body is not None}
    assert ("POST", f"/api/v1/requirement-sets/{requirement_set_b}/versions") in walked

    before = await _row_counts(db)
    actors = [(org, role) for org in (gc_a, sub_a, broker_a) for role in org.emails]
    for org, role in actors:
        client.cookies.clear()
        csrf = await sign_in(client, org.emails[role])
        for method, path, json_body in routes:
            kwargs: dict[str, object] = {
                "headers": {"x-csrf-token": csrf, "accept": "application/json"}
            }
            if json_body is not None:
                kwargs["json"] = json_body
            elif method in UNSAFE:
                kwargs["data"] = {"_csrf": csrf, "kind": "approve", "reason": "x"}
            response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
            # 401: a route authenticated by its own header (Procore's hook) refuses the session.
            assert response.status_code in (400, 401, 403, 404, 405, 409, 410, 422), (
                role,
                method,
                path,
                response.status_code,
                response.text[:300],
            )
    assert await _row_counts(db) == before
    # Memberships are left out of the counts (signing in reads them); B's are all still there.
    count = await db.execute(
        select(func.count()).select_from(Membership).where(Membership.organisation_id == gc_b.id)
    )
    assert count.scalar_one() == len(gc_b.emails)
    count = await db.execute(
        select(func.count()).select_from(Document).where(Document.sub_org_id == sub_b.id)
    )
    assert count.scalar_one() == 1
    count = await db.execute(
        select(func.count())
        .select_from(RecordRevision)
        .where(RecordRevision.sub_org_id == sub_b.id)
    )
    assert count.scalar_one() == 1


async def test_lists_never_show_other_organisations_rows(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc_a = await make_org(db, "general_contractor")
    sub_a = await make_org(db, "subcontractor")
    gc_b = await make_org(db, "general_contractor")
    sub_b = await make_org(db, "subcontractor", name=f"Hidden Stranger {uuid.uuid4().hex[:6]} LLC")
    await engage(db, gc_a, sub_a)
    engagement_b = await engage(db, gc_b, sub_b)
    for org in (gc_a, sub_a):
        for role in org.emails:
            client.cookies.clear()
            await sign_in(client, org.emails[role])
            for path in (
                "/",
                "/dashboard",
                "/dashboard.csv",
                "/projects",
                "/record",
                "/depends",
                "/settings/company",
                "/api/v1/engagements",
                "/api/v1/projects",
                "/api/v1/decisions",
                "/api/v1/holds",
                "/api/v1/requirement-sets",
                "/api/v1/documents",
                "/api/v1/webhooks/deliveries",
                "/api/v1/notices",
            ):
                response = await client.get(path, headers={"accept": "text/html"})
                if response.status_code != 200:
                    assert response.status_code in (403, 404), (role, path, response.status_code)
                    continue
                assert sub_b.organisation.legal_name not in response.text, (role, path)
                assert str(engagement_b.id) not in response.text, (role, path)


async def test_chase_routes_keep_to_their_roles_and_organisation(
    client: AsyncClient, db: AsyncSession
) -> None:
    """The routes without an object id of the chase loop: the GC reminder schedule (GC roles;
    only writers change it, and only their own), the sub's per-holder list (sub roles) and the
    upload link's page (nobody's session adds anything to it)."""
    from backend.chase.schedule import SCHEDULE_SETTING

    gc_a = await make_org(db, "general_contractor")
    sub_a = await make_org(db, "subcontractor")
    broker_a = await make_org(db, "broker")
    gc_b = await make_org(db, "general_contractor")
    form = {"before_days": "9", "every_days": "2", "escalate_after": "2", "enabled": "on"}
    for org in (gc_a, sub_a, broker_a):
        for role, email in org.emails.items():
            client.cookies.clear()
            csrf = await sign_in(client, email)
            headers = {"accept": "text/html"}
            schedule = await client.get("/settings/reminders", headers=headers)
            assert schedule.status_code == (200 if org is gc_a else 403), role
            saved = await client.post(
                "/settings/reminders", data={"_csrf": csrf, **form}, headers=headers
            )
            writes = role in ("gc_admin", "gc_contract_admin")
            assert (saved.status_code in (302, 303)) == writes, (role, saved.status_code)
            needed = await client.get("/certificates-needed", headers=headers)
            assert needed.status_code == (200 if org is sub_a else 403), role
            link = await client.get("/upload-link?token=upl_not-a-link", headers=headers)
            assert link.status_code == 404, role
    await db.refresh(gc_b.organisation)
    assert SCHEDULE_SETTING not in (gc_b.organisation.settings or {})
