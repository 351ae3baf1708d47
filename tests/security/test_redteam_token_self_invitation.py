"""Red team: an API token inviting the person who made it. A GC's write token (an integration's
key, or a leaked one) sent a project invitation to its maker's own address; a sub's token did
the same for a tier-2 invitation. Where the maker also belongs to a subcontractor, that
invitation engaged the maker's other company on the GC's project from a key no person signed in
for, and the link took it up in a session the token could not open. The sign-up behind such a
link already refuses an address in use, so the invitation can give nothing but that: a token no
longer invites its maker's address (a person invites its own company in a signed-in session,
in the open). Other addresses, an integration's everyday use, are invited as before."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Invitation, Membership, Person
from tests.integration.factories import make_org, sign_in
from tests.security.helpers import new_address, project_with_trade


async def _write_token(client: AsyncClient, email: str) -> dict[str, str]:
    csrf = await sign_in(client, email)
    made = await client.post(
        "/api/v1/tokens",
        json={"name": "erp", "scope": "write"},
        headers={"x-csrf-token": csrf},
    )
    assert made.status_code == 201, made.text
    client.cookies.clear()
    return {"authorization": f"Bearer {made.json()['token']}"}


async def test_a_gc_token_does_not_invite_its_makers_address(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    own_sub = await make_org(db, "subcontractor")
    project_id = await project_with_trade(db, gc)
    maker = gc.emails["gc_admin"]
    person_id = await db.scalar(select(Person.id).where(Person.email == maker))
    assert person_id is not None
    token = await _write_token(client, maker)
    # The GC's admin is also a bookkeeper of a subcontractor.
    db.add(
        Membership(
            id=uuid.uuid4(),
            person_id=person_id,
            organisation_id=own_sub.id,
            role="sub_bookkeeper",
        )
    )
    await db.flush()

    for address in (maker, maker.upper(), f"  {maker} "):
        sent = await client.post(
            f"/api/v1/projects/{project_id}/invitations",
            json={"email": address, "trade": "Drywall"},
            headers=token,
        )
        assert sent.status_code == 403, sent.text
        assert "signed-in session" in sent.json()["error"]["message"]
    count = select(func.count()).select_from(Invitation).where(Invitation.email == maker)
    assert await db.scalar(count) == 0

    # Its everyday use goes on: another address is invited.
    other = await client.post(
        f"/api/v1/projects/{project_id}/invitations",
        json={"email": new_address("sub"), "trade": "Drywall"},
        headers=token,
    )
    assert other.status_code == 201, other.text
