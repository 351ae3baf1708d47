"""Red team: the least of each organisation's people, on its own organisation's objects. The
route-table authorisation test names other organisations' objects; here a GC's viewer (may
read, may change nothing) and a broker agent holding a sub's grant (may upload into and
confirm that sub's record, nothing else of the sub's) post to every unsafe route of the app
with their own session's token, naming their own organisation's (or the granting sub's)
engagement, project, invitation, document, endpoint and notice, with bodies a real form would
send. Whatever each answers, the content of every table is unchanged, except what the role
may change: a person's own sessions and notices, and the broker's record writes (and its
messages on the sub's engagements, which the page offers it)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.db.models import Base, Invitation, ProjectTrade, WebhookEndpoint
from backend.network.actor import Actor
from backend.projects.verify_service import verify_engagement
from backend.records.schemas import RecordChange, TermInput
from backend.records.service import RecordService
from backend.records.store import FilesystemStore
from backend.stored_secrets import encrypt
from tests.integration.factories import engage, make_org, make_project, sign_in
from tests.integration.mailbox import mailed_link
from tests.security.helpers import accept_broker_link, invite_broker_over_api, new_address

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# What a person may change of its own whatever its role: its sessions (sign-out, switching),
# its notices (read), the sign-in throttle; the access trail records refusals of nothing.
# The audit log's checkpoints are signed after any response over what was appended before it
# (here: the setting's verdict), whoever asked.
OWN_TABLES = (
    "web_sessions",
    "notices",
    "sign_in_throttles",
    "audit_checkpoints",
    "audit_tree_nodes",
)
# What a broker agent's grant lets it change: the granting sub's record (uploads, revisions).
RECORD_TABLES = (
    "documents",
    "record_revisions",
    "policies",
    "policy_terms",
    "endorsements",
    "outbox_events",
    "access_events",
    "upload_links",
    # A broker may dispute the GC's decision on the sub's engagement (the page offers it, for
    # "the endorsement is on the policy"); only the sub forwards its gaps to a broker.
    "engagement_messages",
)
# One digest of a table's whole content, row order aside.
DIGEST = "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
FORM = {
    "kind": "pay_hold",
    "reason": "role walk",
    "email": "walk@example.test",
    "trade": "Drywall",
    "message": "role walk",
    "check_code": "GL",
    "name": "walk",
    "days": "30",
    "engagement": "",
    "url": "https://hooks.example.com/x",
    "context": "",
    "before_days": "30",
    "every_days": "7",
    "escalate_after": "3",
    "enabled": "on",
}
JSON: dict[str, Any] = {
    "kind": "pay_hold",
    "reason": "role walk",
    "name": "walk",
    "scope": "write",
    "email": "walk@example.test",
    "days": 30,
    "url": "https://hooks.example.com/x",
    "event_types": [],
    "enabled": False,
}


async def _table_digests(db: AsyncSession, skip: tuple[str, ...]) -> dict[str, str]:
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        # Our own table names, from the models: nothing typed reaches this statement.
        statement = DIGEST.format(table=table.name)
        found = await db.execute(text(statement))
        digests[table.name] = str(found.scalar_one())
    return digests


def _routes(values: dict[str, Any], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    routes = []
    for route in create_app().routes:
        if route.path.startswith(("/static", "/schema")) or route.path in skip:
            continue
        path = PARAMETER.sub(
            lambda m: str(values.get(m.group(1)) or (1 if m.group(2) == "int" else uuid.uuid4())),
            route.path,
        )
        routes += [(method, path) for method in sorted(route.methods) if method in UNSAFE]
    return routes


async def _walk(client: AsyncClient, csrf: str, routes: list[tuple[str, str]]) -> None:
    for method, path in routes:
        if path in ("/logout", "/switch"):
            continue  # would end the walker's own session
        for kwargs in (
            {"data": {**FORM, "_csrf": csrf}},
            {"json": JSON, "headers": {"x-csrf-token": csrf}},
        ):
            response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code < 500, (method, path, response.text[:300])


async def _setting(db: AsyncSession, settings: Any) -> dict[str, Any]:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    project = await make_project(db, gc)
    engagement = await engage(db, gc, sub, project=project)
    db.add(
        ProjectTrade(
            project_id=project.id,
            trade="Drywall",
            requirement_set_id=(
                await db.execute(
                    text("SELECT requirement_set_id FROM requirement_set_versions WHERE id = :v"),
                    {"v": engagement.requirement_set_version_id},
                )
            ).scalar_one(),
        )
    )
    sub_admin = (
        await db.execute(
            text("SELECT id FROM people WHERE email = :e"), {"e": sub.emails["sub_admin"]}
        )
    ).scalar_one()
    gc_admin = (
        await db.execute(
            text("SELECT id FROM people WHERE email = :e"), {"e": gc.emails["gc_admin"]}
        )
    ).scalar_one()
    records = RecordService(db, FilesystemStore(settings.document_root), 10_000_000)
    sub_actor = Actor(sub_admin, sub.id, "subcontractor", "sub_admin")
    upload = await records.upload(sub_actor, sub.id, "c.pdf", "application/pdf", b"%PDF-1.4 walk")
    revision = await records.confirm_change(
        sub_actor,
        sub.id,
        RecordChange(
            kind="initial",
            terms=[
                TermInput(
                    line="general_liability",
                    insurer_name="Walk Mutual",
                    insurer_naic="11111",
                    policy_number="GL-W",
                    effective=date.today(),
                    expiration=date.today() + timedelta(days=365),
                    limits={"each_occurrence": 1_000_000},
                )
            ],
        ),
    )
    await verify_engagement(db, engagement.id, None, date.today())
    invitation = Invitation(
        id=uuid.uuid4(),
        kind="engagement",
        issuer_org_id=gc.id,
        issued_by_id=gc_admin,
        email=new_address("walk"),
        role="sub_admin",
        token_hash=uuid.uuid4().bytes * 2,
        project_id=project.id,
        trade="Drywall",
        expires_at=date.today() + timedelta(days=14),  # type: ignore[arg-type]
    )
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        organisation_id=gc.id,
        created_by_id=gc_admin,
        url="https://hooks.example.com/coi",
        event_types=[],
        secret_encrypted=encrypt(settings, "whsec_role_walk"),
    )
    db.add_all([invitation, endpoint])
    await db.commit()
    return {
        "gc": gc,
        "sub": sub,
        "values": {
            "engagement_id": engagement.id,
            "project_id": project.id,
            "sub_id": sub.id,
            "document_id": upload.document.id,
            "revision_id": revision.id,
            "invitation_id": invitation.id,
            "endpoint_id": endpoint.id,
            "set_id": None,
            # A colleague's membership: a viewer may not end it, nor may anyone outside.
            "membership_id": (
                await db.execute(
                    text(
                        "SELECT m.id FROM memberships m JOIN people p ON p.id = m.person_id "
                        "WHERE p.email = :e"
                    ),
                    {"e": gc.emails["gc_contract_admin"]},
                )
            ).scalar_one(),
        },
    }


async def test_a_gc_viewer_changes_nothing_of_its_own_gc(
    client: AsyncClient, db: AsyncSession, settings: Any
) -> None:
    world = await _setting(db, settings)
    before = await _table_digests(db, OWN_TABLES)
    csrf = await sign_in(client, world["gc"].emails["gc_viewer"])
    await _walk(client, csrf, _routes(world["values"]))
    db.expire_all()
    after = await _table_digests(db, OWN_TABLES)
    assert [name for name in before if before[name] != after[name]] == []


async def test_a_broker_agent_changes_only_the_granting_subs_record(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis, settings: Any
) -> None:
    world = await _setting(db, settings)
    sub, firm = world["sub"], await make_org(db, "broker")
    await db.commit()
    agent = new_address("agent")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    made = await invite_broker_over_api(client, csrf, agent, firm.id)
    assert made.status_code == 201
    world["values"]["invitation_id"] = uuid.UUID(made.json()["id"])
    client.cookies.clear()
    accepted = await accept_broker_link(client, await mailed_link(redis, agent))
    assert accepted.status_code == 302
    home = await client.get("/", headers={"accept": "text/html"})
    found = re.search(r'name="_csrf" value="([^"]+)"', home.text)
    assert found
    before = await _table_digests(db, OWN_TABLES + RECORD_TABLES)
    grant = await db.scalar(select(Invitation).where(Invitation.email == agent))
    assert grant is not None and grant.accepted_at is not None
    await _walk(client, found.group(1), _routes(world["values"]))
    db.expire_all()
    after = await _table_digests(db, OWN_TABLES + RECORD_TABLES)
    assert [name for name in before if before[name] != after[name]] == []


async def test_no_page_or_api_read_changes_anything(
    client: AsyncClient, db: AsyncSession, settings: Any
) -> None:
    """A GET carries no CSRF token (a link or an image on another site makes the victim's
    browser send one), so no GET may change anything: every GET route of the app, as the
    GC's admin and as the sub's admin, naming their own objects, with query values a form
    would send, leaves every table's content as it was (its own sessions, notices it opened
    and the audit log's checkpoints aside)."""
    world = await _setting(db, settings)
    routes = []
    for route in create_app().routes:
        if route.path.startswith(("/static", "/schema", "/dev/")):
            continue
        path = PARAMETER.sub(
            lambda m: str(
                world["values"].get(m.group(1)) or (1 if m.group(2) == "int" else uuid.uuid4())
            ),
            route.path,
        )
        if "GET" in route.methods:
            routes.append(path)
    assert len(routes) >= 40, len(routes)
    before = await _table_digests(db, OWN_TABLES)
    for email in (world["gc"].emails["gc_admin"], world["sub"].emails["sub_admin"]):
        client.cookies.clear()
        await sign_in(client, email)
        for path in routes:
            for accept in ("text/html", "application/json"):
                response = await client.get(
                    path,
                    params={**FORM, "on": date.today().isoformat()},
                    headers={"accept": accept},
                )
                assert response.status_code < 500, (path, response.text[:300])
    db.expire_all()
    after = await _table_digests(db, OWN_TABLES)
    assert [name for name in before if before[name] != after[name]] == []
