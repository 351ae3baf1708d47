"""Red team: a leaked write token of a sub turned into a grant of its own. The token's holder
invites its own address as a broker agent of any firm for a year and takes the grant up from
its mailbox; the sub then revokes the token (its answer to the leak), and the grant, a
person's and not the token's, still reads and writes the record. A token may not mint a token
for this reason (test_redteam_token_pages.py); nor may it hand out access to a person."""

from __future__ import annotations

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation
from tests.integration.factories import make_org, sign_in
from tests.security.helpers import new_address


async def test_a_write_token_cannot_give_a_person_broker_access(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    sub = await make_org(db, "subcontractor")
    firm = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    made = await client.post(
        "/api/v1/tokens",
        json={"name": "accounting", "scope": "write"},
        headers={"x-csrf-token": csrf},
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    leaked = {"authorization": f"Bearer {made.json()['token']}"}

    attacker = new_address("holder")
    issued = await client.post(
        "/api/v1/broker-invitations",
        json={"email": attacker, "broker_org_id": str(firm.id), "days": 365},
        headers=leaked,
    )
    assert issued.status_code == 403, issued.text
    assert "session" in issued.json()["error"]["message"]
    count = select(func.count()).select_from(Invitation).where(Invitation.email == attacker)
    assert await db.scalar(count) == 0
    # Its own work, reading the record and the sub's invitations, goes on.
    assert (await client.get(f"/api/v1/subs/{sub.id}/record", headers=leaked)).status_code == 200
    assert (await client.get("/api/v1/broker-invitations", headers=leaked)).status_code == 200
