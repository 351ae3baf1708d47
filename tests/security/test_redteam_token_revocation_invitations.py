"""Red team: a GC's write token leaks. Its holder invites addresses it controls onto the GC's
projects (an integration's everyday call, so it is allowed); the GC notices and revokes the
token, its answer to the leak. The invitations stayed live: the links in the holder's mailbox
still opened the sign-up and made it a sub engaged on the GC's project, an account of its own
that no revocation reaches. Revoking a token now withdraws the invitations sent with it that
nobody has taken up, as a password reset withdraws the person's."""

from __future__ import annotations

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.factories import make_org, sign_in
from tests.integration.mailbox import mailed_link
from tests.security.helpers import HTML, new_address, project_with_trade


async def test_revoking_a_token_withdraws_the_invitations_it_sent(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor")
    project_id = await project_with_trade(db, gc)
    csrf = await sign_in(client, gc.emails["gc_admin"])
    made = await client.post(
        "/api/v1/tokens", json={"name": "erp", "scope": "write"}, headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201, made.text
    token_id = made.json()["id"]
    leaked = {"authorization": f"Bearer {made.json()['token']}"}
    by_hand = new_address("real-sub")
    sent = await client.post(
        f"/api/v1/projects/{project_id}/invitations",
        json={"email": by_hand, "trade": "Drywall"},
        headers={"x-csrf-token": csrf},
    )
    assert sent.status_code == 201, sent.text
    saved_cookies = dict(client.cookies)
    client.cookies.clear()

    holder = new_address("holder")
    via_token = await client.post(
        f"/api/v1/projects/{project_id}/invitations",
        json={"email": holder, "trade": "Drywall"},
        headers=leaked,
    )
    assert via_token.status_code == 201, via_token.text

    client.cookies.update(saved_cookies)
    revoked = await client.delete(f"/api/v1/tokens/{token_id}", headers={"x-csrf-token": csrf})
    assert revoked.status_code == 204, revoked.text
    client.cookies.clear()

    page = await client.get(await mailed_link(redis, holder), headers=HTML)
    assert page.status_code == 410, page.text[:300]
    assert "withdrawn" in page.text
    # The invitation the admin sent by hand is not the token's and stays.
    assert (await client.get(await mailed_link(redis, by_hand), headers=HTML)).status_code == 200
