"""Red team: the sub's brokers page vouching for access that has ended.

A grant an agent took up for its firm ends when the agent leaves the firm (checked at every
use). Before, the sub's brokers page (and GET /api/v1/broker-invitations) still said "active"
for it, so the sub believed a former agent was handling its certificates and had no reason to
act; likewise a link whose sender left the sub (void at use) still read "sent, not yet used".
Both now say what they are, and why."""

from __future__ import annotations

import re
import uuid

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Membership, Person
from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link
from tests.security.helpers import HTML, accept_broker_link, invite_broker_over_api, new_address


async def _leave(db: AsyncSession, email: str, organisation_id: uuid.UUID) -> None:
    person = await db.scalar(select(Person.id).where(Person.email == email))
    await db.execute(
        delete(Membership).where(
            Membership.person_id == person, Membership.organisation_id == organisation_id
        )
    )
    await db.flush()


async def _shown(client: AsyncClient, email: str) -> str:
    """The state cell of the invitation to `email` on the sub's brokers page."""
    page = await client.get("/brokers", headers=HTML)
    row = re.search(rf"<td>{re.escape(email)}</td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>", page.text)
    assert row, page.text
    return row.group(1)


async def test_the_brokers_page_shows_a_grant_whose_agent_left_the_firm_as_ended(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = firm.emails["broker_agent"]
    bookkeeper = sub.emails["sub_bookkeeper"]
    pending = new_address("agent")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, agent, firm.id)).status_code == 201
    client.cookies.clear()
    csrf = await sign_in(client, bookkeeper)
    assert (await invite_broker_over_api(client, csrf, pending, firm.id)).status_code == 201
    client.cookies.clear()
    await sign_in(client, agent)
    assert (await accept_broker_link(client, await mailed_link(redis, agent))).status_code == 302
    client.cookies.clear()

    await sign_in(client, sub.emails["sub_admin"])
    assert await _shown(client, agent) == "active"
    assert await _shown(client, pending) == "sent, not yet used"

    await _leave(db, agent, firm.id)
    await _leave(db, bookkeeper, sub.id)
    ended = await _shown(client, agent)
    assert ended.startswith("ended") and "no longer with" in ended, ended
    void = await _shown(client, pending)
    assert void.startswith("void") and "no longer with your company" in void, void
    listed = {
        i["email"]: i["state"] for i in (await client.get("/api/v1/broker-invitations")).json()
    }
    assert listed[agent] == "agent_left" and listed[pending] == "sender_left"
    # The sub can still end the grant for good, or vouch for the link by sending it again.
    page = (await client.get("/brokers", headers=HTML)).text
    assert f"Revoke {agent}" in page and f"Send again to {pending}" in page
