"""Red team: someone who learned a sub admin's password signs in and invites an address it
controls as a broker agent of the sub (write access to the record for a year), and a GC admin's
password is used the same way to invite the intruder onto a project. The owners notice and
set new passwords from e-mailed links. A reset signs out whoever knew the old password: its
sessions and API tokens ended already, but the invitations the intruder sent stayed live, so
the links in the intruder's mailbox still took up the grant (and the project) afterwards. Every
invitation the person issued that nobody has taken up yet is withdrawn with the reset."""

from __future__ import annotations

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AccessEvent, Invitation
from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link, token_of
from tests.security.helpers import (
    HTML,
    accept_broker_link,
    form_csrf,
    invite_broker_over_api,
    new_address,
    project_with_trade,
)


async def _reset(client: AsyncClient, redis: ArqRedis, email: str) -> None:
    client.cookies.clear()
    forgot = await form_csrf(client, "/password/forgot")
    await client.post("/password/forgot", data={"_csrf": forgot, "email": email})
    token = token_of(await mailed_link(redis, email))
    csrf = await form_csrf(client, f"/password/reset?token={token}")
    done = await client.post(
        "/password/reset",
        data={
            "_csrf": csrf,
            "token": token,
            "password": "owner's new password",
            "password_again": "owner's new password",
        },
    )
    assert done.status_code == 302, done.text
    client.cookies.clear()


async def test_a_reset_withdraws_the_broker_invitations_the_intruder_sent(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    owner = sub.emails["sub_admin"]
    intruder = new_address("intruder")
    colleagues_agent = new_address("agent")
    csrf = await sign_in(client, owner)
    assert (await invite_broker_over_api(client, csrf, intruder, firm.id, 365)).status_code == 201
    client.cookies.clear()
    # A colleague's invitation, and a grant already taken up, are not the reset's to end.
    colleague = await sign_in(client, sub.emails["sub_bookkeeper"])
    assert (
        await invite_broker_over_api(client, colleague, colleagues_agent, firm.id)
    ).status_code == 201
    client.cookies.clear()

    await _reset(client, redis, owner)

    link = await mailed_link(redis, intruder)
    taken = await accept_broker_link(client, link)
    assert taken.status_code == 410, taken.text
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 401
    withdrawn = await db.scalar(select(Invitation).where(Invitation.email == intruder))
    assert withdrawn is not None and withdrawn.revoked_at is not None
    assert withdrawn.accepted_at is None
    trail = (
        await db.execute(select(AccessEvent.event).where(AccessEvent.invitation_id == withdrawn.id))
    ).scalars()
    assert sorted(trail) == ["invitation.issued", "invitation.revoked"]

    client.cookies.clear()
    assert (
        await accept_broker_link(client, await mailed_link(redis, colleagues_agent))
    ).status_code == 302
    assert (await client.get(f"/api/v1/subs/{sub.id}/record")).status_code == 200

    # The owner sees the withdrawn invitation as withdrawn, and may invite again.
    client.cookies.clear()
    csrf = await sign_in(client, owner, "owner's new password")
    listed = (await client.get("/api/v1/broker-invitations")).json()
    states = {i["email"]: i["state"] for i in listed}
    assert states[intruder] == "revoked"


async def test_a_reset_withdraws_the_project_invitations_the_intruder_sent(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    project_id = await project_with_trade(db, gc)
    owner = gc.emails["gc_admin"]
    csrf = await sign_in(client, owner)
    intruder = new_address("intruder")
    sent = await client.post(
        f"/api/v1/projects/{project_id}/invitations",
        json={"email": intruder, "trade": "Drywall"},
        headers={"x-csrf-token": csrf},
    )
    assert sent.status_code == 201, sent.text

    await _reset(client, redis, owner)

    link = await mailed_link(redis, intruder)
    page = await client.get(link, headers=HTML)
    assert page.status_code == 410, page.text
    assert "withdrawn" in page.text
