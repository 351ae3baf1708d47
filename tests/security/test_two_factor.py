"""The optional second factor from the attacker's side: a stolen password alone, a replayed
code, a stolen session turning it off, and roles it is not offered to."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, Person
from tests.integration.factories import PASSWORD, make_org, sign_in
from tests.security.helpers import HTML, form_csrf, session_csrf


async def _sign_in_with_code(client: AsyncClient, email: str, code: str) -> int:
    csrf = await form_csrf(client, "/login")
    response = await client.post(
        "/login", data={"_csrf": csrf, "email": email, "password": PASSWORD, "code": code}
    )
    return response.status_code


def _code_after(secret: str, person: Person) -> str:
    """A right code for a time-step not used yet (the current one, else the next)."""
    totp = pyotp.TOTP(secret)
    step = max(int(datetime.now(UTC).timestamp()) // 30, person.totp_last_step + 1)
    return totp.at(step * 30)


async def test_a_password_alone_no_longer_signs_a_gc_admin_in(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    email = gc.emails["gc_admin"]
    csrf = await sign_in(client, email)
    started = await client.post("/settings/two-factor/start", data={"_csrf": csrf})
    secret_found = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
    assert started.status_code == 200 and secret_found
    secret = secret_found.group(1)
    person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
    assert person.totp_secret is not None and secret.encode() not in person.totp_secret
    wrong = await client.post(
        "/settings/two-factor/confirm",
        data={"_csrf": csrf, "code": "000000", "password": PASSWORD},
    )
    assert wrong.status_code == 422
    code = _code_after(secret, person)
    confirmed = await client.post(
        "/settings/two-factor/confirm", data={"_csrf": csrf, "code": code, "password": PASSWORD}
    )
    assert confirmed.status_code == 200 and 'id="two-factor-on"' in confirmed.text
    client.cookies.clear()

    # The password alone, or with a wrong code, is refused; the code just used is refused too.
    assert await _sign_in_with_code(client, email, "") == 401
    assert await _sign_in_with_code(client, email, "123456") == 401
    assert await _sign_in_with_code(client, email, code) == 401
    await db.refresh(person)
    assert await _sign_in_with_code(client, email, _code_after(secret, person)) == 302

    # A stolen session cannot turn it off without a current code.
    csrf = await session_csrf(client)
    off = await client.post("/settings/two-factor/disable", data={"_csrf": csrf, "code": "1"})
    assert off.status_code == 422
    await db.refresh(person)
    assert person.totp_enabled_at is not None
    events = (
        await db.execute(
            select(AccessEvent.event).where(AccessEvent.subject_person_id == person.id)
        )
    ).scalars()
    assert list(events) == ["two_factor.enabled"]


async def test_the_second_factor_is_offered_to_gc_admins_only(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    for email in (gc.emails["gc_viewer"], sub.emails["sub_admin"]):
        client.cookies.clear()
        csrf = await sign_in(client, email)
        refused = await client.post("/settings/two-factor/start", data={"_csrf": csrf})
        assert refused.status_code == 403
        assert (await client.get("/settings/two-factor", headers=HTML)).status_code == 403
