"""Bad input on the routes landed today (Procore commitments and vendors, network search by
tax id, the upload link, the reminders of an engagement), sent by a signed-in paying customer:
each is a 4xx naming the problem, never a 500, and nothing is written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Engagement, Invitation
from tests.integration.factories import make_org, sign_in

pytestmark = pytest.mark.integration

HUGE = str(10**30)  # beyond any 64-bit column
LONG = "x" * 20_000

PROCORE = "/api/v1/integrations/procore"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"{PROCORE}/commitments/import", {"project_id": "P-1"}),
        ("POST", f"{PROCORE}/commitments/import", {"default_trade": LONG}),
        ("POST", f"{PROCORE}/commitments/import", {"project_id": str(uuid.uuid4()), "x": 1}),
        ("POST", f"{PROCORE}/commitments/import", [1, 2]),
        (
            "POST",
            f"{PROCORE}/projects",
            {"project_id": str(uuid.uuid4()), "procore_project_id": HUGE},
        ),
        (
            "POST",
            f"{PROCORE}/projects",
            {"project_id": str(uuid.uuid4()), "procore_project_id": -1},
        ),
        ("POST", f"{PROCORE}/vendors/{HUGE}/confirm", {"sub_org_id": str(uuid.uuid4())}),
        ("POST", f"{PROCORE}/vendors/{HUGE}/reject", None),
        ("POST", f"{PROCORE}/vendors/1/confirm", {"sub_org_id": "nobody"}),
        ("GET", f"/engagements/{uuid.uuid4()}/reminders", None),
        ("GET", "/network", {"tax_id": "\u0661\u0662-\u0663\u0664\u0665\u0666\u0667\u0668\u0669"}),
        ("GET", "/network", {"tax_id": LONG, "q": LONG, "state": LONG}),
        ("GET", "/upload-link", {"token": LONG}),
        ("GET", "/upload-link", {"token": "upl_\u0000"}),
    ],
)
async def test_bad_input_on_new_routes_is_a_4xx(
    client: AsyncClient, db: AsyncSession, method: str, path: str, body: Any
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.flush()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    counts = [
        await db.scalar(select(func.count()).select_from(table))
        for table in (Engagement, Invitation)
    ]
    if method == "GET":
        answer = await client.get(path, params=body or {}, headers={"accept": "text/html"})
    else:
        answer = await client.request(
            method, path, json=body, headers={"x-csrf-token": csrf, "accept": "application/json"}
        )
    assert 400 <= answer.status_code < 500 or (method == "GET" and answer.status_code == 200), (
        path,
        answer.status_code,
        answer.text[:300],
    )
    after = [
        await db.scalar(select(func.count()).select_from(table))
        for table in (Engagement, Invitation)
    ]
    assert after == counts
