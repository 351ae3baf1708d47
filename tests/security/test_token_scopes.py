"""API token scopes, tried from the side of whoever holds a read-only token: it looks at its
own organisation's data and changes nothing, on any route, whatever the body says. The walk
reads the app's own route table, so a write route added later is covered without editing
this test."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.db.models import ApiToken, Base, Membership, Person, Project
from tests.integration.factories import Org, engage, make_org, make_project, sign_in

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Authenticated by Procore's own per-connection secret, never by an API token (its refusals
# are tried in tests/integration/integrations/test_procore.py).
OWN_HEADER_ROUTES = ("/api/v1/integrations/procore/hooks/",)
# Today's table has 24 unsafe API routes; far fewer would mean the walk lost its way.
FEWEST_UNSAFE_API_ROUTES = 20
SCOPE_REFUSAL = 'scope "read"'


async def _row_counts(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("web_sessions", "people", "memberships"):
            continue  # signing in the token's maker legitimately writes these
        query = select(func.count()).select_from(table)
        counts[table.name] = (await db.execute(query)).scalar_one()
    return counts


async def _make_token(client: AsyncClient, org: Org, role: str, **body: Any) -> dict[str, Any]:
    """The organisation's admin makes a token in their session, as an integration's owner."""
    client.cookies.clear()
    csrf = await sign_in(client, org.emails[role])
    made = await client.post(
        "/api/v1/tokens", json={"name": "ERP", **body}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    result: dict[str, Any] = made.json()
    return result


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/json"}


def _project_body(number: str) -> dict[str, Any]:
    return {
        "number": number,
        "name": "Scoped",
        "state": "IN",
        "start_date": date.today().isoformat(),
        "end_date": (date.today() + timedelta(days=200)).isoformat(),
        "certificate_holder": "Holder LLC",
    }


def _scope_refused(response: Response) -> bool:
    if response.status_code != 403:
        return False
    message: str = response.json()["error"]["message"]
    return SCOPE_REFUSAL in message


async def test_read_token_changes_nothing_on_any_unsafe_api_route(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    engagement = await engage(db, gc, sub)
    tokens = {
        "gc": await _make_token(client, gc, "gc_admin"),
        "sub": await _make_token(client, sub, "sub_admin"),
    }
    assert {made["scope"] for made in tokens.values()} == {"read"}
    # The token's own organisation's objects: a write token would be let through on them.
    own = {
        "engagement_id": engagement.id,
        "project_id": engagement.project_id,
        "sub_id": sub.id,
        "token_id": tokens["gc"]["id"],
    }
    routes = []
    for route in create_app().routes:
        if not route.path.startswith("/api/") or route.path.startswith(OWN_HEADER_ROUTES):
            continue
        path = PARAMETER.sub(
            lambda m: str(own.get(m.group(1), 1 if m.group(2) == "int" else uuid.uuid4())),
            route.path,
        )
        routes += [
            (method, path) for method in sorted(getattr(route, "methods", ())) if method in UNSAFE
        ]
    assert len(routes) >= FEWEST_UNSAFE_API_ROUTES, routes

    # A body that asks for everything: a write scope, a role, and a valid new project.
    greedy = {**_project_body("R-1"), "name": "ERP", "scope": "write", "role": "gc_admin"}
    before = await _row_counts(db)
    for made in tokens.values():
        for method, path in routes:
            response = await client.request(
                method, path, json=greedy, headers=_bearer(made["token"])
            )
            assert not 200 <= response.status_code < 300, (method, path, response.text[:300])
            if response.status_code == 403:
                assert _scope_refused(response), (method, path, response.text[:300])
            else:
                # Only a body the server cannot even parse is refused before the gate.
                assert response.status_code == 400, (method, path, response.text[:300])
    assert await _row_counts(db) == before
    # Routes whose body the token's request satisfies reach the gate and are refused there.
    for method, path in [
        ("POST", "/api/v1/projects"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", f"/api/v1/tokens/{tokens['gc']['id']}"),
        ("POST", "/api/v1/notices/read-all"),
    ]:
        response = await client.request(
            method,
            path,
            json=_project_body("R-2") if path.endswith("projects") else {"name": "x"},
            headers=_bearer(tokens["gc"]["token"]),
        )
        assert _scope_refused(response), (method, path, response.text)
        assert "POST" in response.text or "DELETE" in response.text
    # The commitment import takes an empty body: it reaches the gate and is refused there.
    imported = await client.post(
        "/api/v1/integrations/procore/commitments/import",
        json={},
        headers=_bearer(tokens["gc"]["token"]),
    )
    assert _scope_refused(imported), imported.text
    live = await db.execute(select(ApiToken.revoked_at).where(ApiToken.organisation_id == gc.id))
    assert list(live.scalars()) == [None]


async def test_read_token_reads_its_own_organisation(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    project = await make_project(db, gc)
    stranger = await make_project(db, other_gc)
    made = await _make_token(client, gc, "gc_admin")
    bearer = _bearer(made["token"])

    listed = await client.get("/api/v1/projects", headers=bearer)
    assert listed.status_code == 200, listed.text
    assert [p["id"] for p in listed.json()["data"]] == [str(project.id)]
    assert (await client.get(f"/api/v1/projects/{project.id}", headers=bearer)).status_code == 200
    assert (await client.get(f"/api/v1/projects/{stranger.id}", headers=bearer)).status_code == 404
    tokens = await client.get("/api/v1/tokens", headers=bearer)
    assert tokens.status_code == 200
    assert [(t["id"], t["scope"]) for t in tokens.json()] == [(made["id"], "read")]


async def test_write_token_writes(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    made = await _make_token(client, gc, "gc_admin", scope="write")
    assert made["scope"] == "write"
    bearer = _bearer(made["token"])

    created = await client.post("/api/v1/projects", json=_project_body("W-1"), headers=bearer)
    assert created.status_code == 201, created.text
    stored = await db.execute(select(Project.number).where(Project.gc_org_id == gc.id))
    assert list(stored.scalars()) == ["W-1"]
    # Its role's limits still hold: a sub admin's write token makes no GC project.
    sub = await make_org(db, "subcontractor")
    sub_token = await _make_token(client, sub, "sub_admin", scope="write")
    refused = await client.post(
        "/api/v1/projects", json=_project_body("W-2"), headers=_bearer(sub_token["token"])
    )
    assert refused.status_code == 403 and not _scope_refused(refused)


async def test_read_token_cannot_be_upgraded_by_the_request(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    made = await _make_token(client, gc, "gc_admin")
    bearer = _bearer(made["token"])

    # Minting itself a write token, or asking for write in the body or a header: refused.
    for body in ({"name": "mine", "scope": "write"}, {"name": "mine", "scope": "read"}):
        minted = await client.post("/api/v1/tokens", json=body, headers=bearer)
        assert _scope_refused(minted), minted.text
    sneaky = await client.post(
        "/api/v1/projects?scope=write",
        json={**_project_body("U-1"), "scope": "write"},
        headers={**bearer, "x-token-scope": "write"},
    )
    assert _scope_refused(sneaky), sneaky.text
    # Its maker's signed-in session alongside does not lend the token the session's rights.
    csrf = await sign_in(client, gc.emails["gc_admin"])
    paired = await client.post(
        "/api/v1/projects", json=_project_body("U-2"), headers={**bearer, "x-csrf-token": csrf}
    )
    assert _scope_refused(paired), paired.text
    # An unknown scope is refused when the token is made, and nothing is made.
    odd = await client.post(
        "/api/v1/tokens", json={"name": "odd", "scope": "admin"}, headers={"x-csrf-token": csrf}
    )
    assert odd.status_code in (400, 422) and "scope" in odd.text, odd.text

    rows = await db.execute(select(ApiToken.scope).where(ApiToken.organisation_id == gc.id))
    assert list(rows.scalars()) == ["read"]
    projects = await db.execute(select(func.count()).where(Project.gc_org_id == gc.id))
    assert projects.scalar_one() == 0


async def test_a_token_acts_no_more_than_its_maker_may_now(
    client: AsyncClient, db: AsyncSession
) -> None:
    """An admin makes a write token, then is demoted to viewer (by an operator: the product has
    no role change yet). The token keeps working, as the viewer its maker now is."""
    gc = await make_org(db, "general_contractor")
    made = await _make_token(client, gc, "gc_admin", scope="write")
    bearer = _bearer(made["token"])
    maker = (
        await db.execute(
            select(Membership)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.organisation_id == gc.id, Person.email == gc.emails["gc_admin"])
        )
    ).scalar_one()
    maker.role = "gc_viewer"
    await db.flush()

    refused = await client.post("/api/v1/projects", json=_project_body("D-1"), headers=bearer)
    assert refused.status_code == 403, refused.text
    assert "gc viewer" in refused.json()["error"]["message"]
    assert (await client.get("/api/v1/projects", headers=bearer)).status_code == 200
    projects = await db.execute(select(func.count()).where(Project.gc_org_id == gc.id))
    assert projects.scalar_one() == 0
