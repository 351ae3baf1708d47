"""Sign-in and password reset from the attacker's side: finding out which accounts exist,
locking someone else out, guessing passwords, and reusing reset links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, PasswordReset, Person, SignInThrottle
from backend.network.throttle import ADDRESS_RULE, IP_RULE, PAIR_RULE
from tests.integration.factories import PASSWORD, make_org, sign_in
from tests.integration.mailbox import mailed_link, mailed_to, token_of
from tests.security.helpers import HTML, form_csrf, new_address, try_sign_in, wait_seconds


async def test_answers_do_not_tell_which_accounts_exist(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    known, unknown = sub.emails["sub_admin"], new_address("nobody")
    answers = []
    for email in (known, unknown):
        trail = []
        for _ in range(ADDRESS_RULE.free_failures + 2):
            response = await try_sign_in(client, email, "wrong password!")
            trail.append((response.status_code, "do not match" in response.text))
        answers.append(trail)
    assert answers[0] == answers[1]
    assert answers[0][-1] == (429, False)  # both slowed down alike, neither "locked"


async def test_a_stranger_cannot_lock_someone_out(
    client: AsyncClient, client_at: object, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    email = sub.emails["sub_admin"]
    attacker = await client_at("203.0.113.9")  # type: ignore[operator]
    failures = 0
    while failures < 15:
        response = await try_sign_in(attacker, email, "guess!")
        if response.status_code == 401:
            failures += 1
        else:  # the attacker waits out each pause (moved into the past, not slept through)
            assert response.status_code == 429
            await db.execute(update(SignInThrottle).values(wait_until=datetime.now(UTC)))
    # The attacker's own pair is held for long; the address alone never beyond a short pause.
    attacker_wait = wait_seconds((await try_sign_in(attacker, email, "guess!")).text)
    victim = await client_at("198.51.100.4")  # type: ignore[operator]
    response = await try_sign_in(victim, email)
    if response.status_code == 429:
        assert wait_seconds(response.text) <= ADDRESS_RULE.max_wait_seconds
        # The victim waits its short pause (moved into the past here) and signs in, while the
        # attacker's pair and IP still wait.
        short = datetime.now(UTC) + timedelta(seconds=ADDRESS_RULE.max_wait_seconds)
        await db.execute(
            update(SignInThrottle)
            .where(SignInThrottle.wait_until <= short)
            .values(wait_until=datetime.now(UTC))
        )
        response = await try_sign_in(victim, email)
    assert response.status_code == 302
    assert attacker_wait > ADDRESS_RULE.max_wait_seconds
    assert PAIR_RULE.max_wait_seconds > ADDRESS_RULE.max_wait_seconds
    assert (await try_sign_in(attacker, email)).status_code == 429


async def test_a_password_spray_from_one_ip_stalls(client_at: object, db: AsyncSession) -> None:
    sprayer = await client_at("192.0.2.77")  # type: ignore[operator]
    sub = await make_org(db, "subcontractor")
    for n in range(IP_RULE.free_failures + 1):
        await try_sign_in(sprayer, new_address(f"spray{n}"), "Summer2026!")
    # A fresh address from the same IP now waits before any password is checked.
    response = await try_sign_in(sprayer, sub.emails["sub_admin"])
    assert response.status_code == 429


async def test_reset_links_go_to_the_address_work_once_and_expire(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    email = sub.emails["sub_admin"]
    await sign_in(client, email)
    live_session = dict(client.cookies)
    client.cookies.clear()

    async def ask(address: str) -> str:
        csrf = await form_csrf(client, "/password/forgot")
        response = await client.post("/password/forgot", data={"_csrf": csrf, "email": address})
        assert response.status_code == 200
        return response.text.split('id="reset-sent">', 1)[1].split("<", 1)[0]

    nobody = new_address("nobody")
    assert await ask(email) == await ask(nobody)  # the same answer either way
    assert await mailed_to(redis, nobody) == []
    link = await mailed_link(redis, email)
    token = token_of(link)
    stored = (await db.execute(select(PasswordReset.token_hash))).scalars().all()
    assert token.encode() not in stored and all(len(h) == 32 for h in stored)

    async def reset(token: str, password: str) -> int:
        csrf = await form_csrf(client, f"/password/reset?token={token}")
        response = await client.post(
            "/password/reset",
            data={"_csrf": csrf, "token": token, "password": password, "password_again": password},
        )
        return response.status_code

    assert await reset(token, "a brand new password") == 302
    assert await reset(token, "another new password") == 410  # used
    assert (await try_sign_in(client, email, PASSWORD)).status_code == 401
    assert (await try_sign_in(client, email, "a brand new password")).status_code == 302
    # Whoever held a session with the old password was signed out.
    client.cookies.clear()
    client.cookies.update(live_session)
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    client.cookies.clear()

    await ask(email)
    stale = token_of(await mailed_link(redis, email))
    await db.execute(
        update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    assert await reset(stale, "yet another password") == 410
    assert await reset("pwr_made_up", "yet another password") == 404
    person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
    events = (
        await db.execute(
            select(AccessEvent.event).where(AccessEvent.subject_person_id == person.id)
        )
    ).scalars()
    assert list(events) == ["password.reset"]
    assert (await client.get("/password/reset?token=x", headers=HTML)).status_code == 200
