"""Requirement sets written over the API (issue 15 Must 7), through the service the page's
editor uses: a GC admin's write token makes the GC's copy of a tier template, a set written
anew from a body, and the next version of a set; bad bodies are a 422 naming the field and
change nothing; another GC's set is not found; read tokens and sub tokens are refused."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import RequirementSet, RequirementSetVersion
from backend.projects.schemas import REQUIREMENTS_EXAMPLE
from tests.integration.factories import make_org, make_requirement_version, sign_in


async def _token(client: AsyncClient, email: str, scope: str) -> dict[str, str]:
    client.cookies.clear()
    csrf = await sign_in(client, email)
    made = await client.post(
        "/api/v1/tokens", json={"name": "ERP", "scope": scope}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}"}


async def _counts(db: AsyncSession) -> tuple[int, int]:
    sets = await db.scalar(select(func.count()).select_from(RequirementSet))
    versions = await db.scalar(select(func.count()).select_from(RequirementSetVersion))
    return int(sets or 0), int(versions or 0)


async def test_requirement_sets_made_and_versioned_over_the_api(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    theirs = await make_requirement_version(db, other_gc, "moderate")
    await db.commit()
    api = await _token(client, gc.emails["gc_admin"], "write")
    reader = await _token(client, gc.emails["gc_admin"], "read")
    sub_api = await _token(client, sub.emails["sub_admin"], "write")

    # A tier template: the GC's copy, made once and the same set afterwards.
    copied = await client.post("/api/v1/requirement-sets", json={"template": "high"}, headers=api)
    assert copied.status_code == 201, copied.text
    again = await client.post("/api/v1/requirement-sets", json={"template": "high"}, headers=api)
    assert again.json()["id"] == copied.json()["id"]
    assert copied.json()["template"] == "high" and len(copied.json()["versions"]) == 1

    # A set written anew: its name, version and owner are its own, whatever the body says.
    body = {**copy.deepcopy(REQUIREMENTS_EXAMPLE), "name": "forged", "owner": str(other_gc.id)}
    written = await client.post(
        "/api/v1/requirement-sets",
        json={"name": "Roofing subs 2027", "requirements": body},
        headers=api,
    )
    assert written.status_code == 201, written.text
    made = written.json()
    (first,) = made["versions"]
    assert made["name"] == "Roofing subs 2027" and made["template"] == ""
    assert first["version"] == 1 and first["body"]["name"] == "Roofing subs 2027"
    assert first["body"]["owner"] == str(gc.id)
    limits = first["body"]["lines"]["general_liability"]["limits"]
    assert limits["each_occurrence"] == 1000000

    # The next version, as the editor saves one; the set now answers with both.
    raised = copy.deepcopy(REQUIREMENTS_EXAMPLE)
    raised["lines"]["general_liability"]["limits"]["each_occurrence"] = 2000000
    versions = f"/api/v1/requirement-sets/{made['id']}/versions"
    second = await client.post(versions, json={"requirements": raised}, headers=api)
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2
    assert second.json()["body"]["lines"]["general_liability"]["limits"]["each_occurrence"] == (
        2000000
    )
    shown = await client.get(f"/api/v1/requirement-sets/{made['id']}", headers=api)
    assert [v["version"] for v in shown.json()["versions"]] == [2, 1]
    assert shown.json()["versions"][0]["id"] == second.json()["id"]

    before = await _counts(db)
    bad_limit = copy.deepcopy(REQUIREMENTS_EXAMPLE)
    bad_limit["lines"]["general_liability"]["limits"]["each_occurrence"] = "a lot"
    unknown_line = copy.deepcopy(REQUIREMENTS_EXAMPLE)
    unknown_line["lines"]["pet_insurance"] = {"limits": {"each_occurrence": 1}}
    refused: list[tuple[str, dict[str, Any], dict[str, str], int, str | None]] = [
        ("/api/v1/requirement-sets", {"template": "extreme"}, api, 422, "template"),
        ("/api/v1/requirement-sets", {"template": "high", "name": "x"}, api, 422, "template"),
        ("/api/v1/requirement-sets", {}, api, 422, "requirements"),
        ("/api/v1/requirement-sets", {"requirements": body}, api, 422, "name"),
        ("/api/v1/requirement-sets", {"name": "x" * 121, "requirements": body}, api, 422, None),
        ("/api/v1/requirement-sets", {"name": "B", "requirements": bad_limit}, api, 422, None),
        ("/api/v1/requirement-sets", {"name": "C", "requirements": unknown_line}, api, 422, None),
        ("/api/v1/requirement-sets", {"name": "D", "requirements": {}}, api, 422, "lines"),
        ("/api/v1/requirement-sets", {"name": "E", "color": "red"}, api, 422, None),
        (
            "/api/v1/requirement-sets",
            {"name": "Roofing subs 2027", "requirements": body},
            api,
            409,
            "name",
        ),
        (versions, {"requirements": raised}, api, 422, None),  # nothing changed
        (versions, {"requirements": bad_limit}, api, 422, None),
        (versions, {}, api, 422, None),
        (
            f"/api/v1/requirement-sets/{theirs.requirement_set_id}/versions",
            {"requirements": raised},
            api,
            404,
            None,
        ),
        (
            f"/api/v1/requirement-sets/{uuid.uuid4()}/versions",
            {"requirements": raised},
            api,
            404,
            None,
        ),
        ("/api/v1/requirement-sets", {"template": "lower"}, reader, 403, None),
        (versions, {"requirements": REQUIREMENTS_EXAMPLE}, reader, 403, None),
        ("/api/v1/requirement-sets", {"template": "lower"}, sub_api, 403, None),
        (versions, {"requirements": REQUIREMENTS_EXAMPLE}, sub_api, 403, None),
    ]
    for path, payload, headers, status, field in refused:
        answer = await client.post(path, json=payload, headers=headers)
        assert answer.status_code == status, (
            path,
            payload,
            answer.status_code,
            answer.text,
        )
        if field is not None:
            assert field in answer.text, (payload, answer.text)
    assert await _counts(db) == before
    # The bad limit is named by its path in the body.
    named = await client.post(versions, json={"requirements": bad_limit}, headers=api)
    assert "each_occurrence" in named.text, named.text
