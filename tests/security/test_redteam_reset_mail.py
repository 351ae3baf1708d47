"""Red team: "forgot password" as a mail cannon aimed at one person. The request is answered
the same whether or not an account uses the address and is limited per client address (5 in
15 minutes), but nothing bounded the mail one account receives: from many client addresses
(or one, all day) a stranger had the product send a person reset mail after reset mail, each
with a live link. Past a few live links for one account, a request sends nothing more, and
its answer does not change; the owner still holds the links already sent, so nobody is locked
out, and once one is used (or they expire) new ones are sent again."""

from __future__ import annotations

import pytest
from arq.connections import ArqRedis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import PasswordReset, Person
from backend.network.service import MAX_LIVE_RESET_LINKS
from tests.integration.factories import make_org
from tests.integration.mailbox import mailed_link, mailed_to
from tests.security.conftest import ClientAt
from tests.security.helpers import form_csrf

pytestmark = pytest.mark.integration
# Requests from as many client addresses as the per-address limit would never stop.
REQUESTS = 10


async def _ask_reset(client_at: ClientAt, number: int, email: str) -> str:
    browser = await client_at(f"198.51.100.{number}")
    csrf = await form_csrf(browser, "/password/forgot")
    answer = await browser.post("/password/forgot", data={"_csrf": csrf, "email": email})
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


async def _live_links(db: AsyncSession, email: str) -> int:
    person = (await db.execute(select(Person.id).where(Person.email == email))).scalar_one()
    count = await db.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.person_id == person, PasswordReset.used_at.is_(None))
    )
    return int(count or 0)


async def test_one_account_gets_a_few_reset_mails_however_many_ask(
    client_at: ClientAt, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    victim = gc.emails["gc_admin"]
    await db.commit()
    answers = [await _ask_reset(client_at, n, victim) for n in range(REQUESTS)]
    unknown = await _ask_reset(client_at, 200, "nobody.at.all@example.test")
    sent = await mailed_to(redis, victim)
    print(f"{len(sent)} reset mails to one account for {REQUESTS} requests")
    assert len(sent) == MAX_LIVE_RESET_LINKS
    assert await _live_links(db, victim) == MAX_LIVE_RESET_LINKS
    # Every answer reads the same, sent or not, known address or not.
    assert len({a.split('name="_csrf" value="')[0] for a in [*answers, unknown]}) == 1

    # The owner uses a link it holds: the others die, and a new request is sent again.
    owner = await client_at("203.0.113.9")
    link = await mailed_link(redis, victim)
    csrf = await form_csrf(owner, link)
    reset = await owner.post(
        "/password/reset",
        data={
            "_csrf": csrf,
            "token": link.split("token=", 1)[1],
            "password": "a new password at last",
            "password_again": "a new password at last",
        },
    )
    assert reset.status_code == 302, reset.text[:300]
    await _ask_reset(client_at, 201, victim)
    assert len(await mailed_to(redis, victim)) == MAX_LIVE_RESET_LINKS + 1
