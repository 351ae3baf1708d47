from __future__ import annotations

from datetime import UTC, datetime

from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import ApiToken, Person, SignInThrottle, WebSession
from backend.network.throttle import ADDRESS_RULE
from tests.integration.factories import CSRF_INPUT, make_org, sign_in


async def test_sign_in_shows_the_role_page_and_sign_out_ends_the_session(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    assert (await client.get("/api/v1/projects")).status_code == 200
    response = await client.post("/logout", data={"_csrf": csrf})
    assert response.status_code == 302
    assert (await client.get("/api/v1/projects")).status_code == 401


async def test_password_is_stored_as_argon2id(db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    person = (
        await db.execute(select(Person).where(Person.email == gc.emails["gc_admin"]))
    ).scalar_one()
    assert person.password_hash.startswith("$argon2id$")


async def test_session_token_is_hashed_at_rest(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_viewer"])
    cookie = client.cookies.get("coinet_session")
    assert cookie
    stored = (await db.execute(select(WebSession.token_hash))).scalars().all()
    assert cookie.encode() not in stored
    assert all(len(h) == 32 for h in stored)


async def _attempt(client: AsyncClient, email: str, password: str) -> tuple[int, str]:
    page = await client.get("/login")
    token = CSRF_INPUT.search(page.text)
    assert token
    response = await client.post(
        "/login", data={"_csrf": token.group(1), "email": email, "password": password}
    )
    return response.status_code, response.text


async def test_failed_sign_ins_slow_down_instead_of_locking(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    email = sub.emails["sub_admin"]
    for _ in range(ADDRESS_RULE.free_failures + 1):
        status, text = await _attempt(client, email, "wrong password!")
        assert status == 401 and "do not match" in text
    # Now a pause runs: even the right password is not checked until it is over.
    status, text = await _attempt(client, email, "correct horse battery")
    assert status == 429 and "Wait" in text
    # The pause is over (moved into the past rather than waited for): the right one works.
    await db.execute(update(SignInThrottle).values(wait_until=datetime.now(UTC)))
    status, _ = await _attempt(client, email, "correct horse battery")
    assert status == 302


async def test_forms_without_the_csrf_token_are_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    response = await client.post("/logout", data={})
    assert response.status_code == 403
    response = await client.post("/logout", data={"_csrf": "forged"})
    assert response.status_code == 403
    # still signed in: the forged request changed nothing
    assert (await client.get("/api/v1/projects")).status_code == 200


async def test_sign_in_form_needs_its_csrf_cookie(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    response = await client.post(
        "/login",
        data={"_csrf": "x", "email": gc.emails["gc_admin"], "password": "correct horse battery"},
    )
    assert response.status_code == 403


async def test_api_token_is_scoped_hashed_and_revocable(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    created = await client.post(
        "/api/v1/tokens", json={"name": "ERP"}, headers={"x-csrf-token": csrf}
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    stored = (
        await db.execute(select(ApiToken).where(ApiToken.organisation_id == gc.id))
    ).scalar_one()
    assert token.encode() != stored.token_hash and len(stored.token_hash) == 32

    client.cookies.clear()
    bearer = {"authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/projects", headers=bearer)).status_code == 200

    await sign_in(client, gc.emails["gc_admin"])
    home = await client.get("/", headers={"accept": "text/html"})
    match = CSRF_INPUT.search(home.text)
    assert match
    revoked = await client.delete(
        f"/api/v1/tokens/{stored.id}", headers={"x-csrf-token": match.group(1)}
    )
    assert revoked.status_code == 204
    client.cookies.clear()
    assert (await client.get("/api/v1/projects", headers=bearer)).status_code == 401
