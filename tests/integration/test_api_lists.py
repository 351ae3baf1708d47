"""The API's paged lists, read with a read-only token as an integrator would: cursor paging
visits every row once in a stable order, filters narrow, bad input is a 4xx naming the problem,
and no list shows another organisation's rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, Person
from tests.integration.factories import Org, engage, make_org, make_project, sign_in

# Five engagements read two at a time: three pages, the last one short.
ENGAGEMENTS = 5
PAGE = 2


async def _token(client: AsyncClient, org: Org, role: str) -> dict[str, str]:
    client.cookies.clear()
    csrf = await sign_in(client, org.emails[role])
    made = await client.post("/api/v1/tokens", json={"name": "ERP"}, headers={"x-csrf-token": csrf})
    assert made.status_code == 201 and made.json()["scope"] == "read", made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}", "accept": "application/json"}


async def _all(
    client: AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], int]:
    """Every row of a list, page by page; and how many pages it took."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = await client.get(path, params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        rows += body["data"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages


async def test_cursor_paging_filters_and_scope(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    subs = [await make_org(db, "subcontractor") for _ in range(2)]
    project = await make_project(db, gc)
    engagements = [
        await engage(db, gc, subs[n % 2], project=project if n < 2 else None, trade=f"T{n}")
        for n in range(ENGAGEMENTS)
    ]
    stranger = await engage(db, other_gc, subs[0])
    uploader = await db.scalar(select(Person.id).where(Person.email == subs[0].emails["sub_admin"]))
    db.add(
        Document(
            id=uuid.uuid4(),
            sub_org_id=subs[0].id,
            sha256="a" * 64,
            size_bytes=10,
            content_type="application/pdf",
            filename="coi.pdf",
            uploaded_by_id=uploader,
        )
    )
    await db.commit()
    # A pay hold on one contract, made through the API in a session.
    client.cookies.clear()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    held = await client.post(
        f"/api/v1/engagements/{engagements[1].id}/decisions",
        json={"kind": "pay_hold", "reason": "no lien waiver"},
        headers={"x-csrf-token": csrf},
    )
    assert held.status_code == 201, held.text
    bearer = await _token(client, gc, "gc_admin")

    rows, pages = await _all(client, "/api/v1/engagements", bearer, limit=PAGE)
    assert pages == 3
    # Each row once (made in one transaction, they share created_at: the id orders them).
    assert sorted(r["id"] for r in rows) == sorted(str(e.id) for e in engagements)
    again, _ = await _all(client, "/api/v1/engagements", bearer, limit=PAGE + 1)
    assert [r["id"] for r in again] == [r["id"] for r in rows]
    assert all(r["contract_ref"] == r["trade"] for r in rows)

    narrowed = await client.get(
        "/api/v1/engagements", params={"project_id": str(project.id)}, headers=bearer
    )
    assert {r["id"] for r in narrowed.json()["data"]} == {str(e.id) for e in engagements[:2]}
    by_sub, _ = await _all(client, "/api/v1/engagements", bearer, sub_id=str(subs[1].id))
    assert {r["sub_org_id"] for r in by_sub} == {str(subs[1].id)} and len(by_sub) == 2
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert (
        await client.get("/api/v1/engagements", params={"updated_since": later}, headers=bearer)
    ).json() == {"data": [], "next_cursor": None}
    changed = await client.get(
        "/api/v1/engagements",
        params={"updated_since": "2000-01-01T00:00:00", "status": "pending"},
        headers=bearer,
    )
    assert len(changed.json()["data"]) == ENGAGEMENTS

    decisions, _ = await _all(client, "/api/v1/decisions", bearer, kind="pay_hold")
    assert [(d["engagement_id"], d["reason"]) for d in decisions] == [
        (str(engagements[1].id), "no lien waiver")
    ]
    holds, _ = await _all(client, "/api/v1/holds", bearer)
    assert [(h["engagement_id"], h["pay_hold"], h["pay_hold_reason"]) for h in holds] == [
        (str(engagements[1].id), True, "no lien waiver")
    ]
    projects, _ = await _all(client, "/api/v1/projects", bearer, limit=1)
    assert str(project.id) in {p["id"] for p in projects}
    assert str(stranger.project_id) not in {p["id"] for p in projects}
    sets, _ = await _all(client, "/api/v1/requirement-sets", bearer)
    assert len(sets) == ENGAGEMENTS and all(s["latest_version"] == 1 for s in sets)
    documents, _ = await _all(client, "/api/v1/documents", bearer)
    assert [d["filename"] for d in documents] == ["coi.pdf"]
    deliveries = await client.get("/api/v1/webhooks/deliveries", headers=bearer)
    assert deliveries.json() == {"data": [], "next_cursor": None}
    # created_since: rows made from that moment on; a moment after them leaves every list empty.
    for path in ("/api/v1/projects", "/api/v1/decisions", "/api/v1/documents"):
        answer = await client.get(path, params={"created_since": later}, headers=bearer)
        assert answer.json() == {"data": [], "next_cursor": None}, path
    earlier = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    since, _ = await _all(client, "/api/v1/documents", bearer, created_since=earlier)
    assert [d["filename"] for d in since] == ["coi.pdf"]
    since, _ = await _all(client, "/api/v1/decisions", bearer, created_since=earlier)
    assert [d["reason"] for d in since] == ["no lien waiver"]
    since, _ = await _all(client, "/api/v1/projects", bearer, created_since=earlier)
    assert str(project.id) in {p["id"] for p in since}

    # The other GC sees none of this GC's rows, on any list.
    other = await _token(client, other_gc, "gc_admin")
    theirs, _ = await _all(client, "/api/v1/engagements", other)
    assert [r["id"] for r in theirs] == [str(stranger.id)]
    for path in ("/api/v1/decisions", "/api/v1/holds"):
        assert (await client.get(path, headers=other)).json()["data"] == []
    # A sub reads its own engagements, from both GCs, and nothing of the GC's decisions.
    sub_bearer = await _token(client, subs[0], "sub_admin")
    own, _ = await _all(client, "/api/v1/engagements", sub_bearer)
    assert {r["id"] for r in own} == {
        str(engagements[0].id),
        str(engagements[2].id),
        str(engagements[4].id),
        str(stranger.id),
    }
    assert (await client.get("/api/v1/decisions", headers=sub_bearer)).status_code == 403


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/v1/engagements", {"limit": "0"}, 422, "limit must be from 1 to 200"),
        ("/api/v1/engagements", {"limit": "201"}, 422, "limit must be from 1 to 200"),
        ("/api/v1/engagements", {"cursor": "not-ours"}, 422, "cursor"),
        ("/api/v1/projects", {"cursor": "W10"}, 422, "cursor"),
        ("/api/v1/engagements", {"status": "great"}, 422, "Unknown status"),
        ("/api/v1/engagements", {"contract_kind": "loan"}, 422, "Unknown contract_kind"),
        ("/api/v1/decisions", {"kind": "maybe"}, 422, "Unknown kind"),
        ("/api/v1/webhooks/deliveries", {"state": "lost"}, 422, "Unknown state"),
        ("/api/v1/engagements", {"project_id": "P-1"}, 422, "project_id: Invalid UUID"),
        ("/api/v1/holds", {"updated_since": "yesterday"}, 422, "updated_since"),
        ("/api/v1/documents", {"limit": "many"}, 422, "limit"),
    ],
)
async def test_bad_list_input_is_a_clear_4xx(
    client: AsyncClient,
    db: AsyncSession,
    path: str,
    params: dict[str, str],
    status: int,
    words: str,
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    bearer = await _token(client, gc, "gc_admin")
    answer = await client.get(path, params=params, headers=bearer)
    assert answer.status_code == status, answer.text
    assert words in answer.text


async def test_the_openapi_schema_shows_paging_and_examples(client: AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    for path in (
        "/api/v1/projects",
        "/api/v1/engagements",
        "/api/v1/decisions",
        "/api/v1/holds",
        "/api/v1/requirement-sets",
        "/api/v1/documents",
        "/api/v1/webhooks/deliveries",
    ):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= names, path
    assert components["EngagementPage"]["properties"]["next_cursor"]["examples"]
    assert components["EngagementRow"]["properties"]["contract_ref"]["examples"] == ["SC-002"]
    for request in (
        "ProjectCreateInput",
        "TradeInput",
        "SubInvitationInput",
        "DecisionInput",
        "CommitmentImportInput",
        "EndpointInput",
        "EndpointPatch",
        "RotateInput",
        "ConnectInput",
        "VendorConfirm",
        "ProjectLinkInput",
    ):
        assert any("examples" in field for field in components[request]["properties"].values())
