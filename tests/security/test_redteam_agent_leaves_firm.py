"""Red team: a broker agent leaves its firm and keeps writing its former clients' records.

A member of a broker firm takes up a sub's grant signed in as that member, "for the firm". The
firm then ends the person's membership (the person left, or was let go). Before, the member
session died with the membership, but signing in again opened a session from the grant itself
(a grant held outside any membership of the firm it names), so the former agent still read and
wrote the sub's record until the grant's period ended. A grant taken up through a membership is
held through that firm: it is checked against the membership at every use."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Membership, Organisation, Person
from tests.integration.factories import make_org, sign_in, term_payload
from tests.integration.mailbox import mailed_link
from tests.security.helpers import (
    accept_broker_link,
    invite_broker_over_api,
    new_address,
    session_csrf,
    try_sign_in,
)


async def _write(client: AsyncClient, csrf: str, sub_id: uuid.UUID) -> int:
    response = await client.post(
        f"/api/v1/subs/{sub_id}/revisions",
        json={"kind": "endorsement", "terms": [term_payload()]},
        headers={"x-csrf-token": csrf},
    )
    return response.status_code


async def _person(db: AsyncSession, email: str) -> uuid.UUID:
    found = await db.scalar(select(Person.id).where(Person.email == email))
    assert found is not None
    return found


async def test_an_agent_who_left_the_firm_loses_the_grants_it_took_up_for_the_firm(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    member = firm.emails["broker_agent"]
    outsider = new_address("agent")  # invited by address, never a member of any firm
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, member, firm.id)).status_code == 201
    assert (await invite_broker_over_api(client, csrf, outsider, firm.id)).status_code == 201
    client.cookies.clear()

    await sign_in(client, member)
    assert (await accept_broker_link(client, await mailed_link(redis, member))).status_code == 302
    csrf = await session_csrf(client)
    assert await _write(client, csrf, sub.id) == 201
    old_cookies = dict(client.cookies)

    # The firm ends the membership (no page does it yet: the firm's operator does).
    person_id = await _person(db, member)
    await db.execute(
        delete(Membership).where(
            Membership.person_id == person_id, Membership.organisation_id == firm.id
        )
    )
    await db.flush()

    # The member session it had open ends at once.
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    assert await _write(client, csrf, sub.id) in (401, 403)

    # Signing in again with its password opens nothing that reaches the sub's record.
    client.cookies.clear()
    signed = await try_sign_in(client, member)
    if signed.status_code == 302:
        assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code in (401, 404)
        again = await session_csrf(client)
        assert await _write(client, again, sub.id) in (401, 403, 404)
        switcher = (await client.get("/", headers={"accept": "text/html"})).text
        assert sub.organisation.legal_name not in switcher
    else:
        assert signed.status_code in (401, 403), signed.text
    client.cookies.clear()
    client.cookies.update(old_cookies)
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401

    # An agent invited by address alone (its grant is its own, not the firm's) keeps it.
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, outsider))).status_code == 302
    assert await _write(client, await session_csrf(client), sub.id) == 201

    # Back in the firm, the former member's grant works again: it was never revoked.
    db.add(
        Membership(
            id=uuid.uuid4(), person_id=person_id, organisation_id=firm.id, role="broker_agent"
        )
    )
    await db.flush()
    client.cookies.clear()
    await sign_in(client, member)
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200


async def test_a_grant_session_of_a_former_member_ends_when_it_leaves(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """A member of two firms takes up a grant for the firm it is not acting for at the moment;
    its session is a grant session. Leaving that firm ends it at the next request."""
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    other_firm = await make_org(db, "broker")
    member = firm.emails["broker_agent"]
    person_id = await _person(db, member)
    db.add(
        Membership(
            id=uuid.uuid4(), person_id=person_id, organisation_id=other_firm.id, role="broker_agent"
        )
    )
    await db.flush()
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, member, firm.id)).status_code == 201
    client.cookies.clear()
    await sign_in(client, member)
    assert (await accept_broker_link(client, await mailed_link(redis, member))).status_code == 302
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200

    await db.execute(
        delete(Membership).where(
            Membership.person_id == person_id, Membership.organisation_id == firm.id
        )
    )
    await db.flush()
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code in (401, 404)
    # Acting for the firm it still belongs to shows nothing of the sub either.
    client.cookies.clear()
    await sign_in(client, member)
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code in (401, 404)
    names = await db.scalar(select(Organisation.legal_name).where(Organisation.id == sub.id))
    assert names not in (await client.get("/", headers={"accept": "text/html"})).text


async def test_an_agent_who_left_the_firm_gets_no_more_notices_of_the_subs_record(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    """The sub's notices (deficiencies, renewals due) go to the brokers acting for it; a former
    agent of the firm is no longer one, and gets neither the notice nor its e-mail."""
    from backend.notify.service import active_brokers

    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    member = firm.emails["broker_agent"]
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, member, firm.id)).status_code == 201
    client.cookies.clear()
    await sign_in(client, member)
    assert (await accept_broker_link(client, await mailed_link(redis, member))).status_code == 302
    person_id = await _person(db, member)
    assert (await active_brokers(db, {sub.id}))[sub.id] == [(person_id, firm.id)]

    await db.execute(
        delete(Membership).where(
            Membership.person_id == person_id, Membership.organisation_id == firm.id
        )
    )
    await db.flush()
    assert (await active_brokers(db, {sub.id}))[sub.id] == []
