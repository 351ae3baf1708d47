"""Red team: a stolen session turning the second factor ON. Turning it off needs a current
code (test_two_factor.py), but turning it on needed only the session: someone holding a GC
admin's session for a minute (a browser left open) set up a second factor on their own phone,
and from then on the owner's password no longer signed the owner in, nor did a password reset
(a reset keeps the second factor): the owner was locked out for good. Turning it on now asks
for the account's password too, and wrong passwords there count as failed sign-ins (a session
is not a way around the sign-in throttle)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Person
from backend.network.throttle import PAIR_RULE
from tests.integration.factories import PASSWORD, make_org, sign_in
from tests.security.helpers import try_sign_in


async def _start(client: AsyncClient, csrf: str) -> pyotp.TOTP:
    started = await client.post("/settings/two-factor/start", data={"_csrf": csrf})
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
    assert started.status_code == 200 and found, started.text[:300]
    return pyotp.TOTP(found.group(1))


def _now_code(totp: pyotp.TOTP) -> str:
    return totp.at(int(datetime.now(UTC).timestamp()) // 30 * 30)


async def _enabled(db: AsyncSession, email: str) -> bool:
    db.expire_all()
    person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
    return person.totp_enabled_at is not None


async def test_a_stolen_session_cannot_lock_the_owner_out_with_a_second_factor(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    email = gc.emails["gc_admin"]
    csrf = await sign_in(client, email)
    # The thief, in the owner's open browser: its own phone's code, no password.
    thief = await _start(client, csrf)
    for password in ("", "not the password"):
        refused = await client.post(
            "/settings/two-factor/confirm",
            data={"_csrf": csrf, "code": _now_code(thief), "password": password},
            headers={"accept": "text/html"},
        )
        assert refused.status_code == 422, refused.text[:300]
        assert "password" in refused.text
    assert not await _enabled(db, email)
    # The owner still signs in with the password alone.
    client.cookies.clear()
    assert (await try_sign_in(client, email)).status_code == 302

    # Guessing the password through the form is slowed like guessing it at sign-in.
    csrf = await sign_in(client, email)
    thief = await _start(client, csrf)
    answers = []
    for n in range(PAIR_RULE.free_failures + 2):
        answer = await client.post(
            "/settings/two-factor/confirm",
            data={"_csrf": csrf, "code": _now_code(thief), "password": f"guess {n}"},
            headers={"accept": "text/html"},
        )
        answers.append(answer.status_code)
    assert answers[-1] == 429, answers
    assert not await _enabled(db, email)


async def test_the_owner_turns_it_on_with_the_password(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    email = gc.emails["gc_admin"]
    csrf = await sign_in(client, email)
    totp = await _start(client, csrf)
    confirmed = await client.post(
        "/settings/two-factor/confirm",
        data={"_csrf": csrf, "code": _now_code(totp), "password": PASSWORD},
    )
    assert confirmed.status_code == 200 and 'id="two-factor-on"' in confirmed.text
    assert await _enabled(db, email)
