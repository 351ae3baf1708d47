"""Broker invitations from the attacker's side: a sub (or whoever holds a leaked link) tries to
turn a broker invitation into access it was not given. Each test is one abuse that must fail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, Invitation, Membership, Person
from tests.integration.factories import make_org, sign_in, term_payload
from tests.integration.mailbox import mailed_link, mailed_to
from tests.security.helpers import (
    HTML,
    accept_broker_link,
    invite_broker_over_api,
    new_address,
    post_accept,
    session_csrf,
    try_sign_in,
)


async def _revision(client: AsyncClient, csrf: str, sub_id: uuid.UUID) -> int:
    response = await client.post(
        f"/api/v1/subs/{sub_id}/revisions",
        json={"kind": "endorsement", "terms": [term_payload()]},
        headers={"x-csrf-token": csrf},
    )
    return response.status_code


async def test_the_reported_escalation_a_sub_inviting_itself_into_a_broker_firm_fails(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """The attack as reported: a sub invites its own address naming a broker firm, opens the
    link, signs in again and reads and writes another sub's record."""
    attacker = await make_org(db, "subcontractor", name="Aaa Attacker LLC")
    victim = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker", name="Aaa Broker Firm LLC")  # first alphabetically
    # The firm really has the victim's grant, so firm-wide access would reach the victim.
    victim_agent = new_address("victim-agent")
    victim_csrf = await sign_in(client, victim.emails["sub_admin"])
    assert (
        await invite_broker_over_api(client, victim_csrf, victim_agent, firm.id)
    ).status_code == 201
    client.cookies.clear()
    assert (
        await accept_broker_link(client, await mailed_link(redis, victim_agent))
    ).status_code == 302
    client.cookies.clear()

    own = attacker.emails["sub_admin"]
    csrf = await sign_in(client, own)
    response = await invite_broker_over_api(client, csrf, own, firm.id)
    assert response.status_code == 201
    assert "token" not in response.text and "/invitations/accept" not in response.text

    # The link went to the attacker's own mailbox (it named its own address). Opening it while
    # signed in as itself is refused: it is not a member of the firm it named.
    link = await mailed_link(redis, own)
    refused = await accept_broker_link(client, link)
    assert refused.status_code == 403
    assert (await post_accept(client, link.split("token=", 1)[1])).status_code == 403
    own_id = await _person_id(db, own)
    in_firm = await db.scalar(
        select(Membership.id).where(
            Membership.organisation_id == firm.id, Membership.person_id == own_id
        )
    )
    assert in_firm is None

    client.cookies.clear()
    csrf = await sign_in(client, own)
    assert (await client.get(f"/api/v1/subs/{victim.id}/record")).status_code == 404
    assert await _revision(client, csrf, victim.id) == 404
    home = await client.get("/", headers=HTML)
    assert attacker.organisation.legal_name in home.text


async def test_a_sub_cannot_become_a_real_broker_agent(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """The second report: a sub invites a real agent's address and opens the link itself."""
    attacker = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = firm.emails["broker_agent"]
    csrf = await sign_in(client, attacker.emails["sub_admin"])
    response = await invite_broker_over_api(client, csrf, agent, firm.id)
    assert response.status_code == 201 and "token" not in response.text
    page = await client.get("/brokers", headers=HTML)
    assert "token=" not in page.text

    # Even holding the link (leaked from the agent's mailbox), nobody accepts for an existing
    # account without signing in as that person: not signed in, nor signed in as the sub.
    link = await mailed_link(redis, agent)
    token = link.split("token=", 1)[1]
    page = await accept_broker_link(client, link)
    assert page.status_code == 200 and "signed in as someone else" in page.text
    assert (await post_accept(client, token)).status_code == 403
    client.cookies.clear()
    page = await accept_broker_link(client, link)
    assert page.status_code == 200 and "sign in as that person" in page.text
    assert (await post_accept(client, token)).status_code == 403
    assert (await client.get("/api/v1/projects")).status_code == 401
    invitation = (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == attacker.id))
    ).scalar_one()
    assert invitation.accepted_at is None

    # The real agent's next sign-in lands in its own firm.
    await sign_in(client, agent)
    home = await client.get("/", headers=HTML)
    assert firm.organisation.legal_name in home.text


async def test_the_grant_is_the_invited_persons_for_the_inviting_sub_only(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    other_sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    invited = new_address("agent")
    colleague = new_address("colleague")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, invited, firm.id)).status_code == 201
    client.cookies.clear()
    csrf = await sign_in(client, other_sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, colleague, firm.id)).status_code == 201
    client.cookies.clear()

    assert (await accept_broker_link(client, await mailed_link(redis, invited))).status_code == 302
    csrf = await session_csrf(client)
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200
    assert await _revision(client, csrf, sub.id) == 201
    # The same firm holds the other sub's invitation, not yet accepted by this person: nothing.
    assert (await client.get(f"/api/v1/subs/{other_sub.id}/record")).status_code == 404
    assert await _revision(client, csrf, other_sub.id) == 404
    # No membership of the firm came with the grant.
    person = await _person_id(db, invited)
    member = await db.scalar(select(Membership.id).where(Membership.person_id == person))
    assert member is None
    # A member of the firm (signed in with a password) sees nothing through this grant.
    client.cookies.clear()
    await sign_in(client, firm.emails["broker_agent"])
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 404


async def test_revoking_ends_the_grant_and_its_live_session_at_once(
    client: AsyncClient, client_at: object, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = new_address("agent")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    invitation_id = (await invite_broker_over_api(client, csrf, agent, firm.id)).json()["id"]
    broker = await client_at("10.0.0.7")  # type: ignore[operator]
    assert (await accept_broker_link(broker, await mailed_link(redis, agent))).status_code == 302
    assert (await broker.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200

    revoked = await client.post(f"/brokers/{invitation_id}/revoke", data={"_csrf": csrf})
    assert revoked.status_code == 302
    assert (await broker.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    assert (await broker.get("/", headers=HTML)).status_code in (302, 401)

    events = (
        await db.execute(
            select(AccessEvent.event).where(AccessEvent.invitation_id == uuid.UUID(invitation_id))
        )
    ).scalars()
    assert sorted(events) == ["invitation.accepted", "invitation.issued", "invitation.revoked"]
    # The sub's admin reads the trail; another organisation's admin sees none of it.
    trail = (await client.get("/api/v1/access-events")).json()
    assert [e["event"] for e in trail if e["invitation_id"] == invitation_id] == [
        "invitation.revoked",
        "invitation.accepted",
        "invitation.issued",
    ]
    client.cookies.clear()
    await sign_in(client, firm.emails["broker_agent"])
    assert (await client.get("/api/v1/access-events")).status_code == 403
    client.cookies.clear()
    stranger = await make_org(db, "subcontractor")
    await sign_in(client, stranger.emails["sub_admin"])
    assert (await client.get("/api/v1/access-events")).json() == []


async def test_access_ends_when_the_grant_period_is_over(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    member_agent = firm.emails["broker_agent"]
    new_agent = new_address("agent")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    await invite_broker_over_api(client, csrf, member_agent, firm.id, days=3)
    await invite_broker_over_api(client, csrf, new_agent, firm.id, days=3)
    client.cookies.clear()
    # The firm's member accepts signed in as itself; the new agent from the bare link.
    await sign_in(client, member_agent)
    assert (
        await accept_broker_link(client, await mailed_link(redis, member_agent))
    ).status_code == 302
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200
    member_cookies = dict(client.cookies)
    client.cookies.clear()
    assert (
        await accept_broker_link(client, await mailed_link(redis, new_agent))
    ).status_code == 302
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200

    for invitation in (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == sub.id))
    ).scalars():
        invitation.access_until = datetime.now(UTC) - timedelta(seconds=1)
    await db.flush()
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    client.cookies.clear()
    client.cookies.update(member_cookies)
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 404


async def test_a_link_works_once_until_it_expires_and_ids_of_others_are_not_found(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    intruder = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    used, stale = new_address("used"), new_address("stale")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    await invite_broker_over_api(client, csrf, used, firm.id)
    stale_id = (await invite_broker_over_api(client, csrf, stale, firm.id)).json()["id"]
    client.cookies.clear()
    used_link = await mailed_link(redis, used)
    assert (await accept_broker_link(client, used_link)).status_code == 302
    client.cookies.clear()
    again = await accept_broker_link(client, used_link)
    assert again.status_code == 410 and "already been used" in again.text

    stale_row = await db.get(Invitation, uuid.UUID(stale_id))
    assert stale_row is not None
    stale_row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await db.flush()
    expired = await accept_broker_link(client, await mailed_link(redis, stale))
    assert expired.status_code == 410 and "expired" in expired.text
    made_up = await accept_broker_link(client, "/invitations/accept?token=inv_made_up")
    assert made_up.status_code == 404

    # Another sub guesses the invitation's id: it can neither revoke nor re-send it.
    intruder_csrf = await sign_in(client, intruder.emails["sub_admin"])
    headers = {"x-csrf-token": intruder_csrf}
    assert (
        await client.delete(f"/api/v1/broker-invitations/{stale_id}", headers=headers)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/broker-invitations/{stale_id}/resend", headers=headers)
    ).status_code == 404
    assert (
        await client.post(f"/brokers/{stale_id}/revoke", data={"_csrf": intruder_csrf})
    ).status_code == 404
    listed = (await client.get("/api/v1/broker-invitations")).json()
    assert listed == []
    await db.refresh(stale_row)
    assert stale_row.revoked_at is None
    assert len(await mailed_to(redis, stale)) == 1


async def test_someone_signed_in_cannot_take_up_an_invitation_for_another_address(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    other = await make_org(db, "broker")
    invited = new_address("agent")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    await invite_broker_over_api(client, csrf, invited, firm.id)
    link = await mailed_link(redis, invited)
    client.cookies.clear()
    await sign_in(client, other.emails["broker_agent"])
    taken = await accept_broker_link(client, link)
    assert taken.status_code in (200, 403)
    invitation = (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == sub.id))
    ).scalar_one()
    assert invitation.accepted_at is None


async def test_only_a_sub_invites_and_nobody_names_a_non_broker_firm(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    # A GC (or another sub) named as the "broker firm": refused, nothing stored.
    for target in (gc.id, sub.id, uuid.uuid4()):
        response = await invite_broker_over_api(client, csrf, new_address("x"), target)
        assert response.status_code == 422
    client.cookies.clear()
    gc_csrf = await sign_in(client, gc.emails["gc_admin"])
    firm = await make_org(db, "broker")
    assert (
        await invite_broker_over_api(client, gc_csrf, new_address("x"), firm.id)
    ).status_code == 403
    count = await db.scalar(
        select(Invitation.id).where(Invitation.issuer_org_id.in_([sub.id, gc.id]))
    )
    assert count is None


async def _person_id(db: AsyncSession, email: str) -> uuid.UUID | None:
    return await db.scalar(select(Person.id).where(Person.email == email))


async def test_failed_sign_in_with_the_inviters_password_does_not_accept(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """Signing in with a wrong password on the way to accepting leaves the link unused."""
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = firm.emails["broker_agent"]
    csrf = await sign_in(client, sub.emails["sub_admin"])
    await invite_broker_over_api(client, csrf, agent, firm.id)
    client.cookies.clear()
    assert (await try_sign_in(client, agent, "not the password")).status_code == 401
    assert (await accept_broker_link(client, await mailed_link(redis, agent))).status_code == 200
    invitation = (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == sub.id))
    ).scalar_one()
    assert invitation.accepted_at is None


async def test_an_agent_without_an_organisation_takes_up_a_second_grant_from_its_link(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """An account that only ever held grants has no password to sign in with: the e-mailed
    link proves the address again, and opens the new grant only."""
    first_sub = await make_org(db, "subcontractor")
    second_sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = new_address("agent")
    csrf = await sign_in(client, first_sub.emails["sub_admin"])
    await invite_broker_over_api(client, csrf, agent, firm.id)
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, agent))).status_code == 302
    first = (
        await db.execute(select(Invitation).where(Invitation.issuer_org_id == first_sub.id))
    ).scalar_one()
    first.access_until = datetime.now(UTC) - timedelta(seconds=1)
    await db.flush()

    client.cookies.clear()
    csrf = await sign_in(client, second_sub.emails["sub_admin"])
    await invite_broker_over_api(client, csrf, agent, firm.id)
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, agent))).status_code == 302
    assert (await client.get(f"/api/v1/subs/{second_sub.id}/record")).status_code == 200
    assert (await client.get(f"/api/v1/subs/{first_sub.id}/record")).status_code == 404
    people = await db.scalar(select(func.count()).select_from(Person).where(Person.email == agent))
    assert people == 1
