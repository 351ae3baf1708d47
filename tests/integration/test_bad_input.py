"""Malformed, unknown or mistyped input gets a 4xx with a clear message; nothing is written."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import PolicyTerm, Project, RecordRevision
from tests.integration.factories import make_org, sign_in, term_payload

PROJECT = {
    "number": "B-1",
    "name": "Bad input",
    "state": "IN",
    "start_date": "2027-01-01",
    "end_date": "2027-12-31",
    "certificate_holder": "Holder LLC",
}


def _project_json(**changes: object) -> bytes:
    import json

    body: dict[str, object] = {**PROJECT, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "malformed"),
        (b'{"number": "B-1"}', "name"),
        (_project_json(number=5), "number"),
        (_project_json(colour="red"), "colour"),
        (_project_json(start_date="soon"), "start_date"),
    ],
)
async def test_project_api_refuses_malformed_bodies(
    client: AsyncClient, db: AsyncSession, body: bytes, fragment: str
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    response = await client.post(
        "/api/v1/projects",
        content=body,
        headers={"x-csrf-token": csrf, "content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert fragment in response.json()["error"]["message"]
    count = await db.execute(
        select(func.count()).select_from(Project).where(Project.gc_org_id == gc.id)
    )
    assert count.scalar_one() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({**PROJECT, "end_date": "2026-01-01"}, "end_date"),
        ({**PROJECT, "state": "ZZ"}, "state"),
        ({**PROJECT, "closeout_days": -3}, "closeout_days"),
    ],
)
async def test_project_rules_name_the_field(
    client: AsyncClient, db: AsyncSession, change: dict[str, object], field: str
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    response = await client.post("/api/v1/projects", json=change, headers={"x-csrf-token": csrf})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("term", "fragment"),
    [
        (term_payload(limits={"each_occurence": 1}), "not a limit"),
        (term_payload(line="marine"), "unknown line"),
        (term_payload(expiration="2020-01-01"), "on or before"),
        (term_payload(limits={"each_occurrence": -1}), "negative"),
        (term_payload(covered_autos=["boats"]), "unknown kind"),
    ],
)
async def test_record_changes_with_bad_values_are_refused(
    client: AsyncClient, db: AsyncSession, term: dict[str, object], fragment: str
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "renewal", "terms": [term]},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 422, response.text
    assert fragment in response.json()["error"]["message"]
    for table in (RecordRevision, PolicyTerm):
        count = await db.execute(
            select(func.count()).select_from(table).where(table.sub_org_id == sub.id)
        )
        assert count.scalar_one() == 0


async def test_unknown_route_and_bad_uuid_are_clear_4xx(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    assert (await client.get("/api/v1/nothing-here")).status_code == 404
    response = await client.get("/api/v1/projects/not-a-uuid")
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
