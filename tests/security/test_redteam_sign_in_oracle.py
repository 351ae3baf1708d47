"""Red team: the sign-in page as a password oracle.

An account whose memberships and grants have all ended (a former employee, an agent who left
its firm) cannot sign in. Before, its right password answered 403 "This account does not
belong to any organisation yet" while a wrong one answered 401, and the right one cleared the
address's failure count: a guesser (or a former colleague trying an old password list) learned
that it had found the password, one the person may use elsewhere. Now both answers are the
same 401 page and count alike; the person learns why after a reset link proved the mailbox."""

from __future__ import annotations

import re

from arq.connections import ArqRedis
from httpx import AsyncClient, Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Membership, Person
from backend.network.throttle import ADDRESS_RULE
from tests.integration.factories import PASSWORD, make_org
from tests.integration.mailbox import mailed_link, token_of
from tests.security.helpers import form_csrf, try_sign_in, wait_seconds

WRONG = "not the password at all"


async def _left_everything(db: AsyncSession, email: str) -> None:
    person = await db.scalar(select(Person.id).where(Person.email == email))
    await db.execute(delete(Membership).where(Membership.person_id == person))
    await db.flush()


def _seen(response: Response, email: str) -> tuple[int, str]:
    """What the client is shown, with the per-page form token, the typed address and a
    pause's seconds taken out (they differ from page to page whatever the account; the pauses
    are compared by wait_seconds)."""
    body = re.sub(r'name="_csrf" value="[^"]+"', "", response.text).replace(email, "EMAIL")
    return response.status_code, re.sub(r"Wait \d+ seconds", "Wait N seconds", body)


async def test_the_right_password_of_an_account_with_nothing_left_reads_as_a_wrong_one(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    guessed = (await make_org(db, "subcontractor")).emails["sub_admin"]
    control = (await make_org(db, "subcontractor")).emails["sub_admin"]
    await _left_everything(db, guessed)
    await _left_everything(db, control)

    # The guesser's list holds the right password in the middle; the control sees only wrong
    # ones. Every answer is the same, pauses included (the right one clears no count).
    attempts = ADDRESS_RULE.free_failures + 2
    right_at = ADDRESS_RULE.free_failures - 1
    for n in range(attempts):
        password = PASSWORD if n == right_at else WRONG
        raw = await try_sign_in(client, guessed, password)
        raw_control = await try_sign_in(client, control, WRONG)
        answer, expected = _seen(raw, guessed), _seen(raw_control, control)
        assert answer == expected, (n, answer[0], expected[0])
        if answer[0] == 429:  # the same pause, give or take the second between the two
            assert abs(wait_seconds(raw.text) - wait_seconds(raw_control.text)) <= 1
        if n == right_at:
            assert answer[0] == 401 and "do not match an account" in answer[1]
    assert answer[0] == 429  # both slowed down alike

    # The person, proving the mailbox with a reset link, is told why.
    csrf = await form_csrf(client, "/password/forgot")
    await client.post("/password/forgot", data={"_csrf": csrf, "email": guessed})
    token = token_of(await mailed_link(redis, guessed))
    csrf = await form_csrf(client, f"/password/reset?token={token}")
    fresh = "a brand new password"
    told = await client.post(
        "/password/reset",
        data={"_csrf": csrf, "token": token, "password": fresh, "password_again": fresh},
    )
    assert told.status_code == 200
    assert "no longer acts for any organisation" in told.text
