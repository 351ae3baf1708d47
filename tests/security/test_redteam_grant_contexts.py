"""Red team: the organisation switcher from a broker grant's session. An agent holding grants
outside any membership acts for one grant at a time ("grant:<invitation>"); it must not switch
into a colleague's grant under the same firm, into the firm itself, or back into a grant the
sub has withdrawn, and a session switched to one grant reads that grant's sub only."""

from __future__ import annotations

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation
from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link
from tests.security.helpers import (
    accept_broker_link,
    invite_broker_over_api,
    new_address,
    session_csrf,
)


async def _grant(
    client: AsyncClient, redis: ArqRedis, db: AsyncSession, sub_email: str, agent: str, firm: object
) -> Invitation:
    """The sub invites `agent` under the firm; the agent accepts in a fresh browser."""
    client.cookies.clear()
    csrf = await sign_in(client, sub_email)
    made = await invite_broker_over_api(client, csrf, agent, firm.id)  # type: ignore[attr-defined]
    assert made.status_code == 201, made.text
    client.cookies.clear()
    assert (await accept_broker_link(client, await mailed_link(redis, agent))).status_code == 302
    found = select(Invitation).where(Invitation.id == made.json()["id"])
    return (await db.execute(found)).scalar_one()


async def test_a_grant_session_switches_only_into_its_own_live_grants(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    firm = await make_org(db, "broker")
    first, second, colleagues = [await make_org(db, "subcontractor") for _ in range(3)]
    agent, colleague = new_address("agent"), new_address("colleague")
    theirs = await _grant(client, redis, db, colleagues.emails["sub_admin"], colleague, firm)
    withdrawn = await _grant(client, redis, db, first.emails["sub_admin"], agent, firm)
    client.cookies.clear()
    csrf = await sign_in(client, first.emails["sub_admin"])
    revoked = await client.delete(
        f"/api/v1/broker-invitations/{withdrawn.id}", headers={"x-csrf-token": csrf}
    )
    assert revoked.status_code in (200, 204), revoked.text
    mine = await _grant(client, redis, db, second.emails["sub_admin"], agent, firm)

    # The agent's browser, in its grant from the second sub.
    csrf = await session_csrf(client)
    for context in (f"grant:{theirs.id}", f"org:{firm.id}", f"grant:{withdrawn.id}"):
        refused = await client.post("/switch", data={"_csrf": csrf, "context": context})
        assert refused.status_code == 404, (context, refused.status_code)
    switched = await client.post("/switch", data={"_csrf": csrf, "context": f"grant:{mine.id}"})
    assert switched.status_code == 302
    assert (await client.get(f"/api/v1/subs/{second.id}/record")).status_code == 200
    for other in (first, colleagues):
        assert (await client.get(f"/api/v1/subs/{other.id}/record")).status_code == 404
