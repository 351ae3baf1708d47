"""An API token is a key for an integration, held by an ERP or a script, not a person's
sign-in. Tried here from the side of whoever holds a write token (a vendor, a leaked CI
secret): it must not become a browser session through the organisation switcher (which
would also carry it into the maker's other organisations, past the second factor), nor turn
on a second factor of its own choosing on its maker's account (locking the maker out)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import ApiToken, Membership, Person, WebSession
from tests.integration.factories import Org, make_org, sign_in

pytestmark = pytest.mark.integration


async def write_token(client: AsyncClient, org: Org, role: str) -> dict[str, str]:
    client.cookies.clear()
    csrf = await sign_in(client, org.emails[role])
    made = await client.post(
        "/api/v1/tokens",
        json={"name": "ERP", "scope": "write"},
        headers={"x-csrf-token": csrf},
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}", "accept": "application/json"}


async def sessions_of(db: AsyncSession, person_id: uuid.UUID) -> int:
    count = await db.scalar(
        select(func.count()).select_from(WebSession).where(WebSession.person_id == person_id)
    )
    return int(count or 0)


async def test_a_write_token_opens_no_session_in_its_makers_other_organisation(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    gc = await make_org(db, "general_contractor")
    maker = (
        await db.execute(select(Person).where(Person.email == sub.emails["sub_admin"]))
    ).scalar_one()
    bearer = await write_token(client, sub, "sub_admin")
    # The same person is also a GC's admin (a family firm that both builds and subcontracts).
    db.add(Membership(id=uuid.uuid4(), person_id=maker.id, organisation_id=gc.id, role="gc_admin"))
    await db.flush()
    before = await sessions_of(db, maker.id)

    for body in ({"context": f"org:{gc.id}"}, {"context": f"org:{sub.id}"}):
        switched = await client.post("/switch", data=body, headers=bearer)
        assert switched.status_code in (401, 403), switched.status_code
        assert "set-cookie" not in switched.headers
    client.cookies.clear()
    # Nothing opened: the GC's pages stay shut to the token, as they were.
    assert await sessions_of(db, maker.id) == before
    projects = await client.get("/api/v1/projects", headers=bearer)
    assert projects.status_code == 403


async def test_a_write_token_sets_no_second_factor_on_its_makers_account(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.flush()
    bearer = await write_token(client, gc, "gc_admin")
    started = await client.post("/settings/two-factor/start", headers=bearer)
    assert started.status_code in (401, 403), started.status_code
    assert not re.search(r'id="totp-secret">', started.text)
    person = (
        await db.execute(select(Person).where(Person.email == gc.emails["gc_admin"]))
    ).scalar_one()
    await db.refresh(person)
    assert person.totp_secret is None and person.totp_enabled_at is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/logout", {}),
        ("POST", "/settings/two-factor/disable", {"code": "000000"}),
        ("POST", "/settings/company", {"legal_name": "Renamed By Token LLC"}),
        ("POST", "/settings/notifications", {}),
        ("GET", "/switch", None),
    ],
)
async def test_a_token_is_refused_on_the_pages(
    client: AsyncClient, db: AsyncSession, method: str, path: str, body: dict[str, Any] | None
) -> None:
    gc = await make_org(db, "general_contractor")
    await db.flush()
    bearer = await write_token(client, gc, "gc_admin")
    answer = await client.request(method, path, data=body, headers=bearer)
    assert answer.status_code in (401, 403), (path, answer.status_code, answer.text[:200])
    await db.refresh(gc.organisation)
    assert gc.organisation.legal_name != "Renamed By Token LLC"


async def test_a_write_token_mints_no_token_to_outlive_it(
    client: AsyncClient, db: AsyncSession
) -> None:
    """Whoever holds a leaked write token would mint a fresh one, so that revoking the leaked
    token (the owner's answer to the leak) leaves it in. Tokens are made in a session."""
    gc = await make_org(db, "general_contractor")
    await db.flush()
    bearer = await write_token(client, gc, "gc_admin")
    tokens_before = await db.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.organisation_id == gc.id)
    )
    for scope in ("write", "read"):
        minted = await client.post(
            "/api/v1/tokens", json={"name": "backup", "scope": scope}, headers=bearer
        )
        assert minted.status_code == 403, minted.text
        assert "token" not in minted.json() or not str(minted.json().get("token", ""))
    assert (
        await db.scalar(
            select(func.count()).select_from(ApiToken).where(ApiToken.organisation_id == gc.id)
        )
        == tokens_before
    )
