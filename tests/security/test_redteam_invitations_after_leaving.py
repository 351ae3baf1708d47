"""Red team: invitations that outlive the membership behind them.

1. A sub invites an agent of a broker firm (the address of the firm's member) to act for the
   firm. The agent leaves the firm before opening the link. Before, the account, now a member of
   nothing, took the invitation up from the link alone and the grant became its own: the former
   agent wrote the sub's record under the firm's name, and no membership check ever reached it.
   An invitation sent to a member of the firm is taken up by a member only.
2. A sub's bookkeeper (or a GC's contract admin) sends invitations and then leaves the company.
   Before, the links it sent still granted access to the sub's record, or engaged a sub on the
   GC's project, on the word of someone the organisation no longer vouches for. An invitation is
   void once its sender is no longer a member of the issuing organisation; another member
   sending it again makes it that member's."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, Membership, Person
from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link, token_of
from tests.security.helpers import (
    HTML,
    accept_broker_link,
    invite_broker_over_api,
    new_address,
    post_accept,
    project_with_trade,
)


async def _leave(db: AsyncSession, email: str, organisation_id: uuid.UUID) -> None:
    """The organisation ends the person's membership (no page does it yet: its operator)."""
    person = await db.scalar(select(Person.id).where(Person.email == email))
    await db.execute(
        delete(Membership).where(
            Membership.person_id == person, Membership.organisation_id == organisation_id
        )
    )
    await db.flush()


async def test_a_former_agent_cannot_take_up_an_invitation_sent_to_it_for_the_firm(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = firm.emails["broker_agent"]
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, agent, firm.id)).status_code == 201
    client.cookies.clear()

    await _leave(db, agent, firm.id)
    link = await mailed_link(redis, agent)
    page = await accept_broker_link(client, link)
    assert page.status_code == 403, page.text
    assert "no longer a member" in page.text
    assert (await post_accept(client, token_of(link))).status_code == 403
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    invitation = await db.scalar(select(Invitation).where(Invitation.email == agent))
    assert invitation is not None and invitation.accepted_at is None


async def test_a_broker_invitation_is_void_once_its_sender_left_the_sub(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    bookkeeper = sub.emails["sub_bookkeeper"]
    agent = new_address("agent")
    csrf = await sign_in(client, bookkeeper)
    sent = await invite_broker_over_api(client, csrf, agent, firm.id)
    assert sent.status_code == 201
    client.cookies.clear()

    await _leave(db, bookkeeper, sub.id)
    link = await mailed_link(redis, agent)
    page = await accept_broker_link(client, link)
    assert page.status_code == 410, page.text
    assert (await post_accept(client, token_of(link))).status_code == 410
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401

    # The sub's admin still wants the agent: sending it again makes it the admin's word.
    csrf = await sign_in(client, sub.emails["sub_admin"])
    again = await client.post(
        f"/api/v1/broker-invitations/{sent.json()['id']}/resend", headers={"x-csrf-token": csrf}
    )
    assert again.status_code in (200, 201), again.text
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, agent))).status_code == 302
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200


async def test_a_project_invitation_is_void_once_its_sender_left_the_gc(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    project_id = await project_with_trade(db, gc)
    sender = gc.emails["gc_contract_admin"]
    newcomer = new_address("newsub")
    csrf = await sign_in(client, sender)
    ids = []
    for email in (newcomer, sub.emails["sub_admin"]):
        sent = await client.post(
            f"/api/v1/projects/{project_id}/invitations",
            json={"email": email, "trade": "Drywall"},
            headers={"x-csrf-token": csrf},
        )
        assert sent.status_code == 201, sent.text
        ids.append(sent.json()["id"])
    client.cookies.clear()

    await _leave(db, sender, gc.id)
    # A company not in the network: its sign-up link no longer opens.
    signup = await client.get(await mailed_link(redis, newcomer), headers=HTML)
    assert signup.status_code == 410, signup.text
    # A sub in the network: its page of contractors no longer offers it, and accepting is
    # refused.
    csrf = await sign_in(client, sub.emails["sub_admin"])
    depends = await client.get("/depends", headers=HTML)
    assert depends.status_code == 200
    assert f"/project-invitations/{ids[1]}/accept" not in depends.text
    accepted = await client.post(
        f"/project-invitations/{ids[1]}/accept", headers={"x-csrf-token": csrf}
    )
    assert accepted.status_code == 410, accepted.text
    assert (await client.get("/api/v1/engagements")).json()["data"] == []
