"""Red team: ending a membership, from the organisation's side and from the attacker's.

Before, no page or API ended a membership: a broker firm whose agent left, or a GC whose
employee moved on, had to ask the network's operator to delete the row, and until then the
person kept acting for it (and kept the subs' records reached through the firm's grants).
The organisation's admin now ends one at /members (or DELETE /api/v1/members/{id}); the
abuses below are refused: a member who is not an admin, an admin of another organisation
guessing the id, the last admin, a replay, an API token, a grant session, a forged form."""

from __future__ import annotations

import uuid

import pytest
from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, ApiToken, Invitation, Membership, Person
from backend.network.secrets import hash_password
from tests.integration.factories import PASSWORD, Org, make_org, sign_in, term_payload
from tests.integration.mailbox import mailed_link
from tests.security.conftest import ClientAt
from tests.security.helpers import (
    HTML,
    accept_broker_link,
    invite_broker_over_api,
    new_address,
    session_csrf,
    try_sign_in,
)

pytestmark = pytest.mark.integration
# Each kind's administrator (the role that may end a membership).
ADMINS = {"general_contractor": "gc_admin", "subcontractor": "sub_admin", "broker": "broker_admin"}


async def _person_id(db: AsyncSession, email: str) -> uuid.UUID:
    found = await db.scalar(select(Person.id).where(Person.email == email))
    assert found is not None
    return found


async def _membership_id(db: AsyncSession, org: Org, email: str) -> uuid.UUID:
    person = await _person_id(db, email)
    found = await db.scalar(
        select(Membership.id).where(
            Membership.person_id == person, Membership.organisation_id == org.id
        )
    )
    assert found is not None
    return found


async def _is_member(db: AsyncSession, org: Org, email: str) -> bool:
    person = await _person_id(db, email)
    count = await db.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.person_id == person, Membership.organisation_id == org.id)
    )
    return bool(count)


async def _ended_events(db: AsyncSession, org: Org) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(AccessEvent)
        .where(AccessEvent.subject_org_id == org.id, AccessEvent.event == "membership.ended")
    )
    return int(count or 0)


async def _end_on_page(client: AsyncClient, csrf: str, membership_id: uuid.UUID) -> int:
    response = await client.post(f"/members/{membership_id}/end", data={"_csrf": csrf})
    return response.status_code


async def _end_over_api(client: AsyncClient, csrf: str, membership_id: uuid.UUID) -> int:
    response = await client.delete(
        f"/api/v1/members/{membership_id}", headers={"x-csrf-token": csrf}
    )
    return response.status_code


async def _write(client: AsyncClient, csrf: str, sub_id: uuid.UUID) -> int:
    response = await client.post(
        f"/api/v1/subs/{sub_id}/revisions",
        json={"kind": "endorsement", "terms": [term_payload()]},
        headers={"x-csrf-token": csrf},
    )
    return response.status_code


async def test_a_firm_ends_an_agents_membership_and_its_grants_stop_at_once(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis, client_at: ClientAt
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    agent = firm.emails["broker_agent"]
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, agent, firm.id)).status_code == 201
    client.cookies.clear()

    # The agent takes the grant up for the firm and works in the sub's record.
    agent_browser = await client_at("10.1.0.2")
    await sign_in(agent_browser, agent)
    taken = await accept_broker_link(agent_browser, await mailed_link(redis, agent))
    assert taken.status_code == 302
    agent_csrf = await session_csrf(agent_browser)
    assert await _write(agent_browser, agent_csrf, sub.id) == 201

    # The firm's admin lists the firm's members and ends the agent's membership.
    admin_csrf = await sign_in(client, firm.emails["broker_admin"])
    listed = await client.get("/api/v1/members")
    assert listed.status_code == 200
    assert {m["email"] for m in listed.json()} == {firm.emails["broker_admin"], agent}
    page = await client.get("/members", headers=HTML)
    assert agent in page.text and 'action="/members/' in page.text
    membership = await _membership_id(db, firm, agent)
    assert await _end_on_page(client, admin_csrf, membership) in (302, 303)
    assert not await _is_member(db, firm, agent)
    assert agent not in (await client.get("/members", headers=HTML)).text

    # The agent's open session, and the grant it took up for the firm, stop at once.
    assert (await agent_browser.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    assert await _write(agent_browser, agent_csrf, sub.id) in (401, 403)
    agent_browser.cookies.clear()
    assert (await try_sign_in(agent_browser, agent)).status_code == 401

    # The trail says who ended it; the sub's brokers list says the grant ended, and why.
    assert await _ended_events(db, firm) == 1
    detail = await db.scalar(
        select(AccessEvent.detail).where(
            AccessEvent.subject_org_id == firm.id, AccessEvent.event == "membership.ended"
        )
    )
    assert detail is not None and "broker_agent; 1 live session(s) ended" in detail
    client.cookies.clear()
    await sign_in(client, sub.emails["sub_admin"])
    states = {
        i["email"]: i["state"] for i in (await client.get("/api/v1/broker-invitations")).json()
    }
    assert states[agent] == "agent_left"


async def test_ending_a_membership_withdraws_what_the_person_sent_and_its_keys(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis, client_at: ClientAt
) -> None:
    """A sub's bookkeeper sent a broker invitation nobody has taken up; a second admin of a GC
    made an API token. Ending each membership withdraws the one and revokes the other, the
    way a password reset does, and a later return to the organisation brings neither back."""
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    bookkeeper = sub.emails["sub_bookkeeper"]
    invited = new_address("agent")
    bookkeeper_browser = await client_at("10.1.0.3")
    csrf = await sign_in(bookkeeper_browser, bookkeeper)
    assert (
        await invite_broker_over_api(bookkeeper_browser, csrf, invited, firm.id)
    ).status_code == 201
    link = await mailed_link(redis, invited)

    admin_csrf = await sign_in(client, sub.emails["sub_admin"])
    assert await _end_over_api(client, admin_csrf, await _membership_id(db, sub, bookkeeper)) == 204
    assert (await bookkeeper_browser.get("/api/v1/broker-invitations")).status_code == 401
    withdrawn = await db.scalar(
        select(Invitation.revoked_at)
        .where(Invitation.email == invited)
        .execution_options(populate_existing=True)
    )
    assert withdrawn is not None
    opened = await client_at("10.1.0.4")
    assert (await accept_broker_link(opened, link)).status_code == 410

    gc = await make_org(db, "general_contractor")
    second = new_address("second-admin")
    person = Person(
        id=uuid.uuid4(),
        email=second,
        full_name="Second Admin",
        password_hash=hash_password(PASSWORD),
    )
    db.add(person)
    await db.flush()
    db.add(Membership(id=uuid.uuid4(), person_id=person.id, organisation_id=gc.id, role="gc_admin"))
    await db.flush()
    second_browser = await client_at("10.1.0.5")
    second_csrf = await sign_in(second_browser, second)
    made = await second_browser.post(
        "/api/v1/tokens",
        json={"name": "ERP", "scope": "write"},
        headers={"x-csrf-token": second_csrf},
    )
    assert made.status_code == 201
    bearer = {"authorization": f"Bearer {made.json()['token']}"}
    client.cookies.clear()
    gc_csrf = await sign_in(client, gc.emails["gc_admin"])
    assert await _end_over_api(client, gc_csrf, await _membership_id(db, gc, second)) == 204
    revoked = await db.scalar(
        select(ApiToken.revoked_at)
        .where(ApiToken.created_by_id == person.id)
        .execution_options(populate_existing=True)
    )
    assert revoked is not None
    # Back in the company later, the person's old key stays dead.
    db.add(Membership(id=uuid.uuid4(), person_id=person.id, organisation_id=gc.id, role="gc_admin"))
    await db.flush()
    opened.cookies.clear()
    assert (await opened.get("/api/v1/projects", headers=bearer)).status_code == 401


@pytest.mark.parametrize(
    ("kind", "role", "target_role"),
    [
        ("general_contractor", "gc_contract_admin", "gc_viewer"),
        ("general_contractor", "gc_viewer", "gc_contract_admin"),
        ("subcontractor", "sub_bookkeeper", "sub_admin"),
        ("broker", "broker_agent", "broker_admin"),
    ],
)
async def test_a_member_who_is_not_an_admin_ends_nobody(
    client: AsyncClient, db: AsyncSession, kind: str, role: str, target_role: str
) -> None:
    org = await make_org(db, kind)
    target = await _membership_id(db, org, org.emails[target_role])
    csrf = await sign_in(client, org.emails[role])
    assert await _end_on_page(client, csrf, target) == 403
    assert await _end_over_api(client, csrf, target) == 403
    # Not even its own (leaving is its admin's to record).
    own = await _membership_id(db, org, org.emails[role])
    assert await _end_over_api(client, csrf, own) == 403
    page = await client.get("/members", headers=HTML)
    assert page.status_code == 200 and 'action="/members/' not in page.text
    assert await _is_member(db, org, org.emails[target_role])
    assert await _is_member(db, org, org.emails[role])
    assert await _ended_events(db, org) == 0
    # Its admin can.
    client.cookies.clear()
    admin_csrf = await sign_in(client, org.emails[ADMINS[kind]])
    assert await _end_over_api(client, admin_csrf, own) == 204


async def test_an_admin_of_another_organisation_ends_nothing_here(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    firm = await make_org(db, "broker")
    target = await _membership_id(db, firm, firm.emails["broker_agent"])
    for other_kind, admin_role in (
        ("general_contractor", "gc_admin"),
        ("subcontractor", "sub_admin"),
        ("broker", "broker_admin"),
    ):
        other = await make_org(db, other_kind)
        client.cookies.clear()
        csrf = await sign_in(client, other.emails[admin_role])
        assert await _end_on_page(client, csrf, target) == 404
        assert await _end_over_api(client, csrf, target) == 404
        listed = await client.get("/api/v1/members")
        assert firm.emails["broker_agent"] not in listed.text
    # A GC's admin naming the GC's own id beside it changes nothing either.
    client.cookies.clear()
    csrf = await sign_in(client, gc.emails["gc_admin"])
    assert await _end_over_api(client, csrf, target) == 404
    assert await _is_member(db, firm, firm.emails["broker_agent"])
    assert await _ended_events(db, firm) == 0


async def test_the_last_admin_stays(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    admin = gc.emails["gc_admin"]
    own = await _membership_id(db, gc, admin)
    csrf = await sign_in(client, admin)
    assert await _end_over_api(client, csrf, own) == 409
    assert await _end_on_page(client, csrf, own) == 409
    assert await _is_member(db, gc, admin)
    page = await client.get("/members", headers=HTML)
    assert "last administrator" in page.text

    # With a second admin, either may end the other, and then the survivor is the last.
    second = new_address("second-admin")
    person = Person(id=uuid.uuid4(), email=second, full_name="Second Admin")
    db.add(person)
    await db.flush()
    second_membership = Membership(
        id=uuid.uuid4(), person_id=person.id, organisation_id=gc.id, role="gc_admin"
    )
    db.add(second_membership)
    await db.flush()
    assert await _end_over_api(client, csrf, second_membership.id) == 204
    assert await _end_over_api(client, csrf, own) == 409
    assert await _is_member(db, gc, admin)


async def test_a_replayed_end_changes_nothing_more(client: AsyncClient, db: AsyncSession) -> None:
    sub = await make_org(db, "subcontractor")
    target = await _membership_id(db, sub, sub.emails["sub_bookkeeper"])
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert await _end_on_page(client, csrf, target) in (302, 303)
    # The same form posted again, and the API call after it.
    assert await _end_on_page(client, csrf, target) == 404
    assert await _end_over_api(client, csrf, target) == 404
    assert await _ended_events(db, sub) == 1
    # Back in the company, the person has a new membership; the old id still ends nothing.
    person = await _person_id(db, sub.emails["sub_bookkeeper"])
    db.add(
        Membership(id=uuid.uuid4(), person_id=person, organisation_id=sub.id, role="sub_bookkeeper")
    )
    await db.flush()
    assert await _end_over_api(client, csrf, target) == 404
    assert await _is_member(db, sub, sub.emails["sub_bookkeeper"])


async def test_no_token_grant_session_or_forged_form_ends_a_membership(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    target = await _membership_id(db, gc, gc.emails["gc_viewer"])
    csrf = await sign_in(client, gc.emails["gc_admin"])
    made = await client.post(
        "/api/v1/tokens", json={"name": "ERP", "scope": "write"}, headers={"x-csrf-token": csrf}
    )
    bearer = {"authorization": f"Bearer {made.json()['token']}"}
    # A forged form: no session token, or another's.
    assert (await client.post(f"/members/{target}/end", data={})).status_code == 403
    assert (
        await client.post(f"/members/{target}/end", data={"_csrf": "x" * 43})
    ).status_code == 403
    assert (await client.delete(f"/api/v1/members/{target}")).status_code == 403
    client.cookies.clear()
    # An admin's write token lists the members and ends none of them.
    assert (await client.get("/api/v1/members", headers=bearer)).status_code == 200
    refused = await client.delete(f"/api/v1/members/{target}", headers=bearer)
    assert refused.status_code == 403 and "signed-in session" in refused.text
    assert await _is_member(db, gc, gc.emails["gc_viewer"])

    # Someone acting for a broker firm through a grant of its own (not a member) sees none of
    # the firm's people.
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    outsider = new_address("agent")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    assert (await invite_broker_over_api(client, csrf, outsider, firm.id)).status_code == 201
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, outsider))).status_code == 302
    grant_csrf = await session_csrf(client)
    listed = await client.get("/api/v1/members")
    assert listed.status_code == 403 and firm.emails["broker_agent"] not in listed.text
    page = await client.get("/members", headers=HTML)
    assert page.status_code == 403 and firm.emails["broker_admin"] not in page.text
    agent = await _membership_id(db, firm, firm.emails["broker_agent"])
    assert await _end_over_api(client, grant_csrf, agent) == 403
    assert await _is_member(db, firm, firm.emails["broker_agent"])
    assert await _ended_events(db, gc) == 0 and await _ended_events(db, firm) == 0
