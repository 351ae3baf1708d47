"""The API's paged lists, attacked with a paying customer's own read token: a cursor forged to
point into another organisation's rows, filters naming another organisation's ids, limits out
of range and cursors built by hand. A list shows the caller's rows and nothing else, and bad
input is a 4xx naming it, never a 500."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, Person
from tests.integration.factories import Org, engage, make_org, make_project, sign_in

pytestmark = pytest.mark.integration

LISTS = (
    "/api/v1/projects",
    "/api/v1/engagements",
    "/api/v1/decisions",
    "/api/v1/holds",
    "/api/v1/requirement-sets",
    "/api/v1/documents",
    "/api/v1/webhooks/deliveries",
)


async def read_token(client: AsyncClient, org: Org, role: str) -> dict[str, str]:
    client.cookies.clear()
    csrf = await sign_in(client, org.emails[role])
    made = await client.post("/api/v1/tokens", json={"name": "ERP"}, headers={"x-csrf-token": csrf})
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}", "accept": "application/json"}


def forged(value: Any) -> str:
    """A cursor built by hand the way the API builds its own (base64url of JSON)."""
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_other_gcs_ids_in_filters_and_cursors_show_nothing_of_theirs(
    client: AsyncClient, db: AsyncSession
) -> None:
    victim = await make_org(db, "general_contractor")
    attacker = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    their_project = await make_project(db, victim)
    theirs = await engage(db, victim, sub, project=their_project)
    mine = await engage(db, attacker, sub)
    await db.commit()
    bearer = await read_token(client, attacker, "gc_admin")

    # Filters naming the victim's project, its engagement, the shared sub.
    for path, params in (
        ("/api/v1/engagements", {"project_id": str(their_project.id)}),
        ("/api/v1/holds", {"project_id": str(their_project.id)}),
        ("/api/v1/decisions", {"project_id": str(their_project.id)}),
        ("/api/v1/decisions", {"engagement_id": str(theirs.id)}),
    ):
        answer = await client.get(path, params=params, headers=bearer)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"] == [], (path, params)
    shared = await client.get("/api/v1/engagements", params={"sub_id": str(sub.id)}, headers=bearer)
    assert [r["id"] for r in shared.json()["data"]] == [str(mine.id)]

    # A cursor naming the victim's engagement (its created_at, its id) starts a page after it,
    # in the attacker's own rows: it is a position, not a key.
    before = forged([1, "2000-01-01T00:00:00+00:00", str(theirs.id)])
    page = await client.get("/api/v1/engagements", params={"cursor": before}, headers=bearer)
    assert page.status_code == 200, page.text
    assert [r["id"] for r in page.json()["data"]] == [str(mine.id)]
    for path in LISTS:
        seen = await client.get(path, params={"cursor": before, "limit": 200}, headers=bearer)
        assert seen.status_code == 200, (path, seen.text)
        assert str(theirs.id) not in seen.text and str(their_project.id) not in seen.text


@pytest.mark.parametrize(
    "cursor",
    [
        forged([1, "2020-01-01T00:00:00", 123]),
        forged([1, "2020-01-01T00:00:00", ["a"]]),
        forged([1, "2020-01-01T00:00:00", {"hex": "0"}]),
        forged([1, 20200101, str(uuid.uuid4())]),
        forged([1, "0001-01-01T00:00:00+14:00", str(uuid.uuid4())]),
        forged([1, "9999-12-31T23:59:59-14:00", str(uuid.uuid4())]),
        forged([1, "2020-01-01T00:00:00"]),
        forged({"a": 1, "b": 2, "c": 3}),
        forged("abc"),
        forged(None),
        forged([True, "2020-01-01T00:00:00", str(uuid.uuid4())]),
        forged([1.0, "2020-01-01T00:00:00", str(uuid.uuid4())]),
        "%00",
        "=" * 4,
        "\u00e9\u00e9\u00e9",
    ],
)
async def test_hand_built_cursors_are_refused_not_a_500(
    client: AsyncClient, db: AsyncSession, cursor: str
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    bearer = await read_token(client, gc, "gc_admin")
    for path in LISTS:
        answer = await client.get(path, params={"cursor": cursor}, headers=bearer)
        assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "-1"},
        {"limit": "99999999999999999999999"},
        {"limit": "1e3"},
        {"created_since": "0001-01-01T00:00:00+14:00"},
        {"created_since": "9999-12-31T23:59:59-14:00"},
        {"updated_since": "0001-01-01T00:00:00+14:00"},
        {"sub_id": "00000000-0000-0000-0000-000000000000"},
        {"endpoint_id": "x"},
        {"active": "maybe"},
    ],
)
async def test_out_of_range_filters_are_a_4xx(
    client: AsyncClient, db: AsyncSession, params: dict[str, str]
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.commit()
    bearer = await read_token(client, gc, "gc_admin")
    for path in LISTS:
        answer = await client.get(path, params=params, headers=bearer)
        assert answer.status_code < 500, (path, params, answer.status_code, answer.text[:300])
        assert answer.status_code in (200, 400, 422), (path, params, answer.text[:300])


async def test_no_list_shows_another_subs_documents_or_contracts(
    client: AsyncClient, db: AsyncSession
) -> None:
    """The victim sub's document and engagement, asked for by name (sub_id filter) by another
    sub, a broker the victim never granted, and a GC that does not engage the victim."""
    victim = await make_org(db, "subcontractor")
    attacker = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    gc = await make_org(db, "general_contractor")
    stranger_gc = await make_org(db, "general_contractor")
    theirs = await engage(db, gc, victim)
    await engage(db, stranger_gc, attacker)
    uploader = await db.scalar(select(Person.id).where(Person.email == victim.emails["sub_admin"]))
    document = Document(
        id=uuid.uuid4(),
        sub_org_id=victim.id,
        sha256="c" * 64,
        size_bytes=10,
        content_type="application/pdf",
        filename="victim-coi.pdf",
        uploaded_by_id=uploader,
    )
    db.add(document)
    await db.flush()

    for org, role in (
        (attacker, "sub_admin"),
        (broker, "broker_agent"),
        (stranger_gc, "gc_viewer"),
    ):
        client.cookies.clear()
        await sign_in(client, org.emails[role])
        for path in ("/api/v1/documents", "/api/v1/engagements", "/api/v1/holds"):
            for params in ({}, {"sub_id": str(victim.id)}):
                answer = await client.get(
                    path, params=params, headers={"accept": "application/json"}
                )
                assert answer.status_code in (200, 403), (role, path, answer.status_code)
                if answer.status_code == 200:
                    ids = {row.get("id") for row in answer.json()["data"]}
                    assert str(document.id) not in ids and str(theirs.id) not in ids, (role, path)
                assert "victim-coi.pdf" not in answer.text
                assert victim.organisation.legal_name not in answer.text
